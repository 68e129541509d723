// The lines of support/log.hpp: JSON that any parser reads back, whatever the values hold, and
// text as the lines always were, with key=value fields.

#include <catch2/catch.hpp>
#include <string>

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
