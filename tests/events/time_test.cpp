#include "events/time.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>

using deals::events::Date;
using deals::events::Timestamp;

namespace {

/// 2026-03-01T10:00:00Z.
constexpr std::int64_t kT0 = 1'772'359'200'000'000;

}  // namespace

TEST_CASE("a timestamp prints as UTC with six fractional digits", "[events][time]") {
    CHECK(Timestamp{0}.str() == "1970-01-01T00:00:00.000000Z");
    CHECK(Timestamp{kT0}.str() == "2026-03-01T10:00:00.000000Z");
    CHECK(Timestamp{kT0 + 123'456}.str() == "2026-03-01T10:00:00.123456Z");
    CHECK(Timestamp{1'795'545'496'000'000}.str() == "2026-11-24T18:38:16.000000Z");
    CHECK(Timestamp{-1}.str() == "1969-12-31T23:59:59.999999Z");
}

TEST_CASE("a timestamp is formatted into a buffer as str() prints it, years past 9999 too",
          "[events][time]") {
    // 10000-01-01 and -0001-12-31: the years that take the general (snprintf) way.
    for (const std::int64_t micros :
         {std::int64_t{0}, kT0 + 123'456, std::int64_t{-1}, std::int64_t{253'402'300'800'000'000},
          std::int64_t{-62'167'219'200'000'001}}) {
        Timestamp::Text text;
        const auto n = Timestamp{micros}.format(text);
        INFO(micros);
        CHECK(std::string(text.data(), n) == Timestamp{micros}.str());
        CHECK(n >= 27);
    }
    CHECK(Timestamp{253'402'300'800'000'000}.str() == "10000-01-01T00:00:00.000000Z");
}

TEST_CASE("a timestamp reads back what it prints", "[events][time]") {
    const std::int64_t micros = GENERATE(0LL, 1LL, -1LL, kT0, kT0 + 999'999, 951'782'400'000'000LL);

    CHECK(Timestamp::parse(Timestamp{micros}.str()) == Timestamp{micros});
}

TEST_CASE("the form a timestamp prints in is read to the instant the general reading gives",
          "[events][time]") {
    // Printed timestamps take their own way in (Timestamp::parse's fast path); the same instant
    // with a seventh fraction digit is not in that form and takes the general way.
    std::mt19937_64 random(23);
    std::uniform_int_distribution<std::int64_t> any_micros(-62'167'219'200'000'000LL,
                                                           253'402'300'799'999'999LL);
    for (int i = 0; i < 20'000; ++i) {
        const std::int64_t micros = any_micros(random);
        const std::string text = Timestamp{micros}.str();
        std::string longer = text;
        longer.insert(longer.size() - 1, "0");
        INFO(text);
        REQUIRE(Timestamp::parse(text) == Timestamp{micros});
        REQUIRE(Timestamp::parse(longer) == Timestamp{micros});
    }
    // A leap second reads as the next minute's first, both ways.
    CHECK(Timestamp::parse("2026-03-01T10:00:60.000000Z") ==
          Timestamp::parse("2026-03-01T10:01:00Z"));
    CHECK(Timestamp::parse("2026-03-01T10:00:60.000000Z") == Timestamp{kT0 + 60'000'000});
}

TEST_CASE("text in the printed form with a field out of range is not a timestamp",
          "[events][time]") {
    const std::string text = GENERATE(
        "2026-02-29T10:00:00.000000Z", "2026-13-01T10:00:00.000000Z", "2026-00-01T10:00:00.000000Z",
        "2026-04-31T10:00:00.000000Z", "2026-04-00T10:00:00.000000Z", "2026-03-01T24:00:00.000000Z",
        "2026-03-01T10:60:00.000000Z", "2026-03-01T10:00:61.000000Z", "2026-03-01T10:00:00.00000aZ",
        "2026-0a-01T10:00:00.000000Z", "2026-03-01T1 :00:00.000000Z",
        "2026-03-01T10:00:00.000000z0", "2026-03-01T10:00:00/000000Z",
        "2026-03-01t10:00:00.000000Z", "+026-03-01T10:00:00.000000Z");

    CHECK_FALSE(Timestamp::parse(text));
}

TEST_CASE("a date alone is read as midnight UTC", "[events][time]") {
    CHECK(Timestamp::parse("2025-02-28") == Timestamp{1'740'700'800'000'000});
}

TEST_CASE("an ISO-8601 time may have a fraction, a Z or an offset", "[events][time]") {
    using Case = std::pair<std::string, std::string>;
    const auto [text, utc] =
        GENERATE(Case{"2026-03-01T10:00:00Z", "2026-03-01T10:00:00.000000Z"},
                 Case{"2026-03-01T10:00:00z", "2026-03-01T10:00:00.000000Z"},
                 Case{"2026-03-01T10:00:00", "2026-03-01T10:00:00.000000Z"},
                 Case{"2026-03-01 10:00:00", "2026-03-01T10:00:00.000000Z"},
                 Case{"2026-03-01T10:00", "2026-03-01T10:00:00.000000Z"},
                 Case{"2026-03-01T10:00:00.5Z", "2026-03-01T10:00:00.500000Z"},
                 Case{"2026-03-01T10:00:00.1234567Z", "2026-03-01T10:00:00.123456Z"},
                 Case{"2026-03-01T12:30:00+02:30", "2026-03-01T10:00:00.000000Z"},
                 Case{"2026-03-01T05:00:00-0500", "2026-03-01T10:00:00.000000Z"},
                 Case{"2026-02-28T23:00:00-11:00", "2026-03-01T10:00:00.000000Z"});

    const auto t = Timestamp::parse(text);

    REQUIRE(t);
    CHECK(t->str() == utc);
}

TEST_CASE("anything else is not a timestamp", "[events][time]") {
    const std::string text = GENERATE(
        "", "2026", "2026-03", "2026-3-01", "2026-03-1", "2026/03/01", "2026-02-29", "2025-13-01",
        "2025-00-10", "2025-04-31", "2026-03-01T", "2026-03-01T24:00:00Z", "2026-03-01T10:60:00Z",
        "2026-03-01T10:00:61Z", "2026-03-01T10:00:00.Z", "2026-03-01T10:00:00Zjunk",
        "2026-03-01T10:00:00+5", "2026-03-01X10:00:00", " 2026-03-01", "tomorrow");

    CHECK_FALSE(Timestamp::parse(text));
}

TEST_CASE("leap days exist only in leap years", "[events][time]") {
    CHECK(Timestamp::parse("2024-02-29"));
    CHECK(Timestamp::parse("2000-02-29"));
    CHECK_FALSE(Timestamp::parse("1900-02-29"));
    CHECK_FALSE(Timestamp::parse("2026-02-29"));
}

TEST_CASE("a date prints as YYYY-MM-DD and its midnight is UTC", "[events][time]") {
    const Date d{20147};

    CHECK(d.str() == "2025-02-28");
    CHECK(d.midnight() == Timestamp{1'740'700'800'000'000});
    CHECK(d.midnight().str() == "2025-02-28T00:00:00.000000Z");
    CHECK(Date{0}.str() == "1970-01-01");
    CHECK(Date{-1}.str() == "1969-12-31");
}

TEST_CASE("a date is read as the calendar date written, without a time-zone shift",
          "[events][time]") {
    CHECK(Date::parse("2025-02-28") == Date{20147});
    CHECK(Date::parse("2025-02-28T23:30:00-05:00") == Date{20147});
    CHECK(Date::parse("2025-02-28T00:30:00+02:00") == Date{20147});
    CHECK(Date::parse("2025-02-28T10:00:00.000000Z") == Date{20147});
}

TEST_CASE("a date with an invalid remainder is not a date", "[events][time]") {
    const std::string text =
        GENERATE("2025-02-30", "2025-02-28T25:00:00Z", "2025-02-28junk", "2025-02-28T", "");

    CHECK_FALSE(Date::parse(text));
}

TEST_CASE("timestamps and dates compare by time", "[events][time]") {
    CHECK(Timestamp{1} < Timestamp{2});
    CHECK(Date{1} < Date{2});
    CHECK(Date{1}.midnight() < Date{2}.midnight());
    CHECK(Timestamp::parse("2026-03-01T10:00:00+01:00") < Timestamp::parse("2026-03-01T10:00:00Z"));
}
