#include <catch2/catch.hpp>

#include "events/money.hpp"

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
