#include "events/money.hpp"

#include <catch2/catch.hpp>
#include <cstdint>

using deals::events::Money;

TEST_CASE("an amount keeps three decimals, rounding half away from zero", "[events]") {
    CHECK(Money::parse("1250.5")->str() == "1250.5");
    CHECK(Money::parse("35.6625")->str() == "35.663");
    CHECK(Money::parse("-35.6625")->str() == "-35.663");
    CHECK(Money::parse("1800.0")->str() == "1800");
    CHECK(Money::parse("1e3")->str() == "1000");
    CHECK(Money::parse("0.0004")->str() == "0");
    CHECK_FALSE(Money::parse("abc"));
    CHECK_FALSE(Money::parse("12abc"));
    CHECK_FALSE(Money::parse(""));
}

TEST_CASE("an amount may be written in any decimal form", "[events][money]") {
    using Case = std::pair<std::string, std::int64_t>;
    const auto [text, thousandths] =
        GENERATE(Case{"0", 0}, Case{"-0", 0}, Case{"+12.5", 12'500}, Case{".5", 500},
                 Case{"5.", 5'000}, Case{"007.250", 7'250}, Case{"1E-3", 1}, Case{"1.5e2", 150'000},
                 Case{"12345e-2", 123'450}, Case{"5e-4", 1}, Case{"-5e-4", -1}, Case{"4.9e-4", 0},
                 Case{"0.0005", 1}, Case{"0.9995", 1'000}, Case{"-0.9995", -1'000},
                 Case{"1000000000000", 1'000'000'000'000'000},
                 Case{"999999999999999.999", 999'999'999'999'999'999});
    const auto m = Money::parse(text);

    REQUIRE(m);
    CHECK(m->thousandths == thousandths);
}

TEST_CASE("text that is not a finite decimal number is not an amount", "[events][money]") {
    const std::string text =
        GENERATE(".", "-", "+", "--1", "+-1", "1.2.3", "1e", "1e+", "1e-", "1e1.5", "0x10", " 1",
                 "1 ", "1,5", "NaN", "inf", "1e1001", "12345678901234567890");

    CHECK_FALSE(Money::parse(text));
}

TEST_CASE("an amount prints in its shortest decimal form", "[events][money]") {
    CHECK(Money{0}.str() == "0");
    CHECK(Money{1}.str() == "0.001");
    CHECK(Money{-1}.str() == "-0.001");
    CHECK(Money{10}.str() == "0.01");
    CHECK(Money{-500}.str() == "-0.5");
    CHECK(Money{1'800'000}.str() == "1800");
    CHECK(Money{-1'800'000}.str() == "-1800");
    CHECK(Money{35'663}.str() == "35.663");
    CHECK(Money{1'000'000'000'000'000}.str() == "1000000000000");
    CHECK(Money::units(-3).str() == "-3");
    CHECK(Money::from_thousandths(1'250'500).str() == "1250.5");
    CHECK(Money{120}.str() == "0.12");
    CHECK(Money{-7'005}.str() == "-7.005");
    CHECK(Money{-7'050}.str() == "-7.05");
    CHECK(Money{INT64_MAX}.str() == "9223372036854775.807");
    CHECK(Money{INT64_MIN}.str() == "-9223372036854775.808");
}

TEST_CASE("an amount reads back what it prints", "[events][money]") {
    const std::int64_t thousandths =
        GENERATE(0LL, 1LL, -1LL, 999LL, -1'000LL, 35'663LL, 1'000'000'000'000'000LL,
                 -1'000'000'000'000'000LL, 999'999'999'999'999'999LL);

    CHECK(Money::parse(Money{thousandths}.str()) == Money{thousandths});
}

TEST_CASE("amounts compare by value", "[events][money]") {
    CHECK(Money::units(1) < Money::units(2));
    CHECK(Money::units(-2) < Money::units(-1));
    CHECK(Money::parse("1.000") == Money::units(1));
}
