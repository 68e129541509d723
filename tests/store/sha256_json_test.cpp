// Known answers for the hash chain's SHA-256 (FIPS 180-2 test vectors) and for the JSON writer's
// RawValue, both rewritten for speed: a wrong digest would break every stored log's chain, a
// wrong separator every deal's JSON.

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/json.hpp"
#include "support/sha256.hpp"

using deals::support::sha256_hex;

namespace {

const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

}  // namespace

TEST_CASE("SHA-256 gives the FIPS 180-2 answers, however its input is split", "[sha256]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == kAbc);
    CHECK(sha256_hex("a", "bc") == kAbc);
    CHECK(sha256_hex("", "abc") == kAbc);
    CHECK(sha256_hex("abc", "") == kAbc);
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    std::string into(66, '#');
    sha256_hex("ab", "c", into.data() + 1);
    CHECK(into == "#" + kAbc + "#");  // 64 characters, nothing past them
}

TEST_CASE("SHA-256 answers the same on many threads at once (one context each)", "[sha256]") {
    std::vector<std::string> answers(8);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < answers.size(); ++t) {
        threads.emplace_back([&answers, t] {
            std::string last;
            for (int i = 0; i < 2000; ++i) {
                last = sha256_hex(i % 2 == 0 ? "a" : "ab", i % 2 == 0 ? "bc" : "c");
                if (last != kAbc) {
                    break;
                }
            }
            answers[t] = last;
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (const auto& answer : answers) {
        CHECK(answer == kAbc);
    }
}

TEST_CASE("RawValue puts the text whole, with the separators around it", "[json]") {
    deals::json::Buffer buffer;
    deals::json::Writer w(buffer);
    w.StartObject();
    w.Key("a");
    w.RawValue("{\"x\":[1,2]}", 11, rapidjson::kObjectType);
    w.Key("b");
    w.RawValue("12.50", 5, rapidjson::kNumberType);
    w.Key("c");
    w.StartArray();
    w.RawValue("1", 1, rapidjson::kNumberType);
    w.RawValue("\"s\"", 3, rapidjson::kStringType);
    w.EndArray();
    w.EndObject();
    CHECK(w.IsComplete());
    CHECK(std::string(buffer.GetString(), buffer.GetSize()) ==
          R"({"a":{"x":[1,2]},"b":12.50,"c":[1,"s"]})");
}

TEST_CASE("Key literals and strings are written whole and escaped only when they need it",
          "[json]") {
    deals::json::Buffer buffer;
    deals::json::Writer w(buffer);
    char shorter[16] = "ab";  // an array whose text is shorter than itself: not a literal
    const std::string from_string = "k\"q";
    w.StartObject();
    w.Key("plain");
    w.PlainString("2026-12-06T21:00:00.000000Z");
    w.Key("tab\there");
    w.PlainString("quote \" back \\ nl \n");
    w.Key(shorter);
    w.PlainString("Müller");
    w.Key(from_string);
    w.PlainString("");
    w.Key(std::string_view("sv"));
    w.StartArray();
    w.PlainString("x");
    w.PlainString("y");
    w.EndArray();
    w.EndObject();
    CHECK(w.IsComplete());
    CHECK(
        std::string(buffer.GetString(), buffer.GetSize()) ==
        "{\"plain\":\"2026-12-06T21:00:00.000000Z\",\"tab\\there\":"
        "\"quote \\\" back \\\\ nl \\n\",\"ab\":\"Müller\",\"k\\\"q\":\"\",\"sv\":[\"x\",\"y\"]}");
}

TEST_CASE("literal keys are written as RapidJSON writes them around nested values", "[json]") {
    const auto write = [](auto& w) {
        w.StartObject();
        w.Key("o");
        w.StartObject();
        w.Key("i");
        w.Int(1);
        w.Key("e");
        w.StartArray();
        w.EndArray();
        w.EndObject();
        w.Key("after");
        w.Int(2);
        w.Key("");
        w.Null();
        w.EndObject();
    };
    deals::json::Buffer ours;
    deals::json::Writer w(ours);
    write(w);
    deals::json::Buffer theirs;
    rapidjson::Writer<deals::json::Buffer> reference(theirs);
    write(reference);
    CHECK(std::string(ours.GetString(), ours.GetSize()) ==
          std::string(theirs.GetString(), theirs.GetSize()));
    CHECK(std::string(ours.GetString(), ours.GetSize()) ==
          R"({"o":{"i":1,"e":[]},"after":2,"":null})");
}

TEST_CASE(
    "a string is written as RapidJSON writes it whatever its length and where it needs an escape",
    "[json]") {
    // The check for plain text goes sixteen bytes at a time, then a byte at a time: every
    // length around those blocks, with one character of each kind at every position.
    const std::vector<std::string> odd = {"\"",   "\\",   "\n",       "\x01",
                                          "\x1f", "\x7f", "\xc3\xa9", " "};
    for (std::size_t length = 0; length <= 40; ++length) {
        for (const auto& c : odd) {
            for (std::size_t at = 0; at <= length; ++at) {
                std::string text(length, 'a');
                text.insert(at, c);
                deals::json::Buffer ours;
                deals::json::Writer w(ours);
                w.PlainString(text);
                deals::json::Buffer theirs;
                rapidjson::Writer<deals::json::Buffer> reference(theirs);
                reference.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
                INFO("length " << length << " at " << at << " text " << text);
                REQUIRE(std::string(ours.GetString(), ours.GetSize()) ==
                        std::string(theirs.GetString(), theirs.GetSize()));
            }
        }
    }
}
