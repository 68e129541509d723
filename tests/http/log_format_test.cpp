// The lines of support/log.hpp: JSON that any parser reads back, whatever the values hold, and
// text as the lines always were, with key=value fields.

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <iterator>
#include <string>
#include <vector>

#include "support/json.hpp"
#include "support/log.hpp"

using namespace deals;
using logging::Format;
using logging::Level;

TEST_CASE("a json log line reads back with every field and value", "[log]") {
    const std::string hostile = "a \"quoted\" \\ back\nslash\x01\x7f caf\xc3\xa9 bad\xff\xc3";
    const std::string line = logging::render(Format::kJson, Level::kError, hostile,
                                             {{"path", hostile},
                                              {"status", 503},
                                              {"user_id", std::uint64_t{18446744073709551615ULL}},
                                              {"offset", std::int64_t{-3}},
                                              {"duration_ms", 0.125},
                                              {"tls", true}});
    json::Document d;
    d.Parse(line.c_str(), line.size());
    INFO(line);
    REQUIRE_FALSE(d.HasParseError());
    // Well-formed UTF-8 kept; a byte that is not UTF-8 replaced, not passed on.
    const std::string expected =
        "a \"quoted\" \\ back\nslash\x01\x7f caf\xc3\xa9 bad\xef\xbf\xbd\xef\xbf\xbd";
    CHECK(d["msg"].GetString() == expected);
    CHECK(d["path"].GetString() == expected);
    CHECK(d["status"].GetInt() == 503);
    CHECK(d["user_id"].GetUint64() == 18446744073709551615ULL);
    CHECK(d["offset"].GetInt64() == -3);
    CHECK(d["duration_ms"].GetDouble() == 0.125);
    CHECK(d["tls"].GetBool());
    CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("a json log line copies plain runs whole and escapes between them", "[log]") {
    // Escapes at the start, in the middle and at the end of a value, and runs between them.
    CHECK(logging::render(Format::kJson, Level::kInfo, "GET /api/deals/7 200",
                          {{"path", "\"a\\b\tc\xc3\xa9\""}, {"route", ""}}) ==
          "{\"msg\":\"GET /api/deals/7 "
          "200\",\"path\":\"\\\"a\\\\b\\u0009c\xc3\xa9\\\"\",\"route\":\"\"}");
}

TEST_CASE("a json log string is the same whether its escape falls in a block of 16 or after",
          "[log]") {
    // Lengths 0-40 and every kind of byte that is not copied as it is, at every position: the
    // first sixteen-byte blocks are checked together, the tail a byte at a time.
    const std::string kinds[] = {"\"", "\\", "\n", "\x01", "\x7f", "\xc3\xa9", "\xff"};
    const std::string escaped[] = {"\\\"",    "\\\\",     "\\u000a", "\\u0001",
                                   "\\u007f", "\xc3\xa9", "\\ufffd"};
    for (std::size_t length = 0; length <= 40; ++length) {
        const std::string plain(length, 'x');
        CHECK(logging::render(Format::kJson, Level::kInfo, plain, {}) ==
              "{\"msg\":\"" + plain + "\"}");
        for (std::size_t k = 0; k < std::size(kinds); ++k) {
            for (std::size_t at = 0; at < length; ++at) {
                const std::string value = plain.substr(0, at) + kinds[k] + plain.substr(at + 1);
                const std::string expected =
                    plain.substr(0, at) + escaped[k] + plain.substr(at + 1);
                INFO("length " << length << " at " << at << " kind " << k);
                REQUIRE(logging::render(Format::kJson, Level::kInfo, value, {}) ==
                        "{\"msg\":\"" + expected + "\"}");
            }
        }
    }
}

TEST_CASE("a json log number is written as std::to_chars writes it", "[log]") {
    // Durations take a faster way (whole thousandths), which must give the same text.
    std::vector<double> values = {0.0,       -0.0,
                                  0.001,     0.01,
                                  0.1,       0.125,
                                  1.0,       1.5,
                                  10.0,      -2.25,
                                  1e-4,      0.0005,
                                  1e12,      999999999999.999,
                                  1e15,      -1e15,
                                  1e300,     3.14159,
                                  2.0 / 3.0, 123456.789,
                                  -0.001,    4503599627370.495};
    // Whole numbers from 1e5 up: std::to_chars writes them in scientific form (1e+05).
    for (const double v :
         {100000.0, 3e6, 12000000.0, 20000.0, 99999.999, -100000.0, 100000.5, 1e5 - 0.001}) {
        values.push_back(v);
    }
    for (int micros = 0; micros < 200000; micros += 7) {
        values.push_back(std::round(static_cast<double>(micros)) / 1000.0);
    }
    for (const double v : values) {
        char digits[64];
        const auto r = std::to_chars(digits, digits + sizeof digits, v);
        const std::string expected = "{\"msg\":\"m\",\"d\":" + std::string(digits, r.ptr) + "}";
        INFO(expected);
        REQUIRE(logging::render(Format::kJson, Level::kInfo, "m", {{"d", v}}) == expected);
    }
}

TEST_CASE("a text log line is the message, its level's prefix and key=value fields", "[log]") {
    CHECK(logging::render(Format::kText, Level::kInfo, "listening on http://127.0.0.1:1",
                          {{"url", "http://127.0.0.1:1"}}) ==
          "listening on http://127.0.0.1:1 url=http://127.0.0.1:1");
    CHECK(logging::render(Format::kText, Level::kError, "cannot take over topic t", {}) ==
          "error: cannot take over topic t");
    CHECK(logging::render(Format::kText, Level::kWarn, "slow", {{"why", "two words"}, {"e", ""}}) ==
          R"(warning: slow why="two words" e="")");
}

TEST_CASE("log formats and levels are read by name", "[log]") {
    CHECK(logging::parse_format("json") == Format::kJson);
    CHECK(logging::parse_format("text") == Format::kText);
    CHECK_FALSE(logging::parse_format("xml"));
    CHECK(logging::parse_level("warn") == Level::kWarn);
    CHECK(logging::parse_level("warning") == Level::kWarn);
    CHECK(logging::parse_level("off") == Level::kOff);
    CHECK_FALSE(logging::parse_level("verbose"));
}
