#include "events/decimal.hpp"

#include <boost/multiprecision/cpp_int.hpp>
#include <catch2/catch.hpp>
#include <compare>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>

using deals::events::Decimal;
using deals::events::Money;

namespace {

Decimal dec(const std::string& text) {
    const auto d = Decimal::parse(text);
    INFO("parsing " << text);
    REQUIRE(d);
    return *d;
}

/// The reference of the cross-check below: an exact value as an unbounded integer and a scale,
/// computed with boost's cpp_int directly, not through Decimal.
struct Exact {
    boost::multiprecision::cpp_int mantissa;
    int scale = 0;
};

boost::multiprecision::cpp_int power_of_ten(int n) {
    return boost::multiprecision::pow(boost::multiprecision::cpp_int(10), static_cast<unsigned>(n));
}

boost::multiprecision::cpp_int aligned(const Exact& e, int scale) {
    return e.mantissa * power_of_ten(scale - e.scale);
}

boost::multiprecision::cpp_int half_away(const boost::multiprecision::cpp_int& num,
                                         const boost::multiprecision::cpp_int& den) {
    const boost::multiprecision::cpp_int magnitude = abs(num);
    boost::multiprecision::cpp_int q = magnitude / den;
    if (2 * (magnitude % den) >= den) {
        ++q;
    }
    return num < 0 ? boost::multiprecision::cpp_int(-q) : q;
}

/// The shortest text of an exact value, as Decimal::str() should print it.
std::string text_of(const Exact& e) {
    std::string digits = boost::multiprecision::cpp_int(abs(e.mantissa)).str();
    const auto fraction = static_cast<std::size_t>(e.scale);
    if (digits.size() <= fraction) {
        digits.insert(0, fraction + 1 - digits.size(), '0');
    }
    std::string text = digits.substr(0, digits.size() - fraction);
    std::string decimals = digits.substr(digits.size() - fraction);
    while (!decimals.empty() && decimals.back() == '0') {
        decimals.pop_back();
    }
    if (!decimals.empty()) {
        text += "." + decimals;
    }
    return (e.mantissa < 0 ? "-" : "") + text;
}

/// A mantissa at `places` decimals, every decimal shown: (-5, 2) is "-0.05".
std::string fixed_text(const boost::multiprecision::cpp_int& mantissa, int places) {
    std::string digits = boost::multiprecision::cpp_int(abs(mantissa)).str();
    const auto fraction = static_cast<std::size_t>(places);
    if (digits.size() <= fraction) {
        digits.insert(0, fraction + 1 - digits.size(), '0');
    }
    std::string text = digits.substr(0, digits.size() - fraction);
    if (fraction > 0) {
        text += "." + digits.substr(digits.size() - fraction);
    }
    return (mantissa < 0 ? "-" : "") + text;
}

Exact rounded(const Exact& e, int scale) {
    if (scale >= e.scale) {
        return e;
    }
    return {half_away(e.mantissa, power_of_ten(e.scale - scale)), scale};
}

/// A random value of 1 to 45 digits and 0 to 24 decimals: on both sides of 2^127, the limit of
/// Decimal's 128-bit fast path, so that every operation is checked on both of its paths.
std::pair<Exact, std::string> random_value(std::mt19937_64& random) {
    const int digits = std::uniform_int_distribution<int>(1, 45)(random);
    std::string text = std::uniform_int_distribution<int>(0, 1)(random) == 0 ? "-" : "";
    for (int i = 0; i < digits; ++i) {
        text.push_back(static_cast<char>('0' + std::uniform_int_distribution<int>(0, 9)(random)));
    }
    const int scale = std::uniform_int_distribution<int>(0, 24)(random);
    // Without its leading zeros: boost reads a leading 0 as octal.
    const auto first = text.find_first_not_of("-0");
    const std::string decimal =
        first == std::string::npos ? "0" : text.substr(0, text[0] == '-') + text.substr(first);
    Exact exact{boost::multiprecision::cpp_int(decimal), scale};
    return {exact, text + "e-" + std::to_string(scale)};
}

}  // namespace

TEST_CASE("every operation agrees with exact big-integer arithmetic on both sides of 2^127",
          "[decimal]") {
    std::mt19937_64 random(20261207);
    for (int round = 0; round < 20000; ++round) {
        const auto [a, a_text] = random_value(random);
        const auto [b, b_text] = random_value(random);
        INFO(a_text << " and " << b_text);
        const Decimal x = dec(a_text);
        const Decimal y = dec(b_text);
        REQUIRE(x.str() == text_of(a));
        // Past 256 bits Decimal throws rather than wrap (a product of two long mantissas here).
        const auto check = [](const auto& compute, const Exact& expected) {
            if (abs(expected.mantissa) >= (boost::multiprecision::cpp_int(1) << 256)) {
                CHECK_THROWS_AS(compute(), std::overflow_error);
            } else {
                CHECK(compute().str() == text_of(expected));
                CHECK(compute().scale() == expected.scale);
            }
        };
        const int scale = std::max(a.scale, b.scale);
        check([&] { return x + y; }, {aligned(a, scale) + aligned(b, scale), scale});
        check([&] { return x - y; }, {aligned(a, scale) - aligned(b, scale), scale});
        check([&] { return x * y; }, {a.mantissa * b.mantissa, a.scale + b.scale});
        const int order = aligned(a, scale).compare(aligned(b, scale));
        CHECK((x <=> y) == (order < 0   ? std::strong_ordering::less
                            : order > 0 ? std::strong_ordering::greater
                                        : std::strong_ordering::equal));
        const int places = std::uniform_int_distribution<int>(0, 8)(random);
        CHECK(x.rounded(places).str() == text_of(rounded(a, places)));
        CHECK(x.rounded(places).scale() == rounded(a, places).scale);
        CHECK(x.fixed(places) == fixed_text(aligned(rounded(a, places), places), places));
        CHECK(x.truncated().str() == text_of({a.mantissa / power_of_ten(a.scale), 0}));
        CHECK(x.truncated().scale() == 0);
        if (b.mantissa != 0) {
            const int e = b.scale + places - a.scale;
            const auto num = e >= 0 ? a.mantissa * power_of_ten(e) : a.mantissa;
            const auto den = e >= 0 ? b.mantissa : b.mantissa * power_of_ten(-e);
            check([&] { return x.divided_by(y, places); },
                  {half_away(den < 0 ? boost::multiprecision::cpp_int(-num) : num, abs(den)),
                   places});
        }
        const Exact money = rounded(a, 3);
        if (abs(aligned(money, 3)) <= power_of_ten(18)) {
            CHECK(Decimal::from_money(x.to_money()).str() == text_of(money));
        } else {
            CHECK_THROWS_AS(x.to_money(), std::overflow_error);
        }
    }
}

TEST_CASE("the edges of the 128-bit fast path give what the 256-bit path gives", "[decimal]") {
    const std::string below = "170141183460469231731687303715884105727";  // 2^127 - 1
    const std::string at = "170141183460469231731687303715884105728";     // 2^127
    // Sums that reach 2^127 leave the fast path; one that reaches -2^127 stays in it.
    CHECK((dec(below) + dec("1")).str() == at);
    CHECK((dec("-" + below) - dec("1")).str() == "-" + at);
    CHECK((dec("-" + below) - dec("1") + dec("1")).str() == "-" + below);
    CHECK((dec(at) * dec("-1")).str() == "-" + at);
    CHECK((dec(below) * dec("2")).str() == "340282366920938463463374607431768211454");
    CHECK(dec(at) > dec(below));
    CHECK(dec("-" + at) < dec("-" + below));
    // Positive exponents: 10^38 is the table's last power; 10^39 takes the 256-bit way.
    CHECK(dec("1e38").str() == "1" + std::string(38, '0'));
    CHECK(dec("1e39").str() == "1" + std::string(39, '0'));
    CHECK(dec("1.5e37").str() == "15" + std::string(36, '0'));
    CHECK(dec("0e77").is_zero());
    CHECK_FALSE(Decimal::parse("0e78"));  // as before: 10^78 is past the 256-bit path's powers
    CHECK(dec("0.5e1").scale() == 0);
    // Scales that differ by more than 10^38 allows: aligned the 256-bit way, which goes up to
    // 10^77 and refuses past it (a limit of that path, kept as it was).
    CHECK((dec("1") + dec("1e-50")).str() == "1." + std::string(49, '0') + "1");
    CHECK(dec("1") > dec("1e-50"));
    CHECK(dec("1e-50").rounded(0).is_zero());
    CHECK(dec("1").divided_by(dec("3"), 45).str() == "0." + std::string(45, '3'));
    CHECK_THROWS_AS(Decimal{} + dec("1e-100"), std::overflow_error);
    // Results past 256 bits still throw; from_scaled covers every int64.
    CHECK_THROWS_AS(dec(std::string(39, '9')) * dec(std::string(39, '9')), std::overflow_error);
    CHECK(Decimal::from_scaled(INT64_MIN, 3).str() == "-9223372036854775.808");
}

TEST_CASE("a decimal is parsed exactly from any decimal form", "[decimal]") {
    using Case = std::tuple<std::string, std::string, int>;  // text, str(), scale
    const auto [text, shown, scale] =
        GENERATE(Case{"12.5", "12.5", 1}, Case{"-0.001", "-0.001", 3}, Case{"1e3", "1000", 0},
                 Case{"1.5E-2", "0.015", 3}, Case{"+.5", "0.5", 1}, Case{"5.", "5", 0},
                 Case{"007.250", "7.25", 3}, Case{"-0", "0", 0}, Case{"0.000", "0", 3},
                 Case{"12345e-2", "123.45", 2}, Case{"1.25e1", "12.5", 1},
                 Case{"0.1000000000000000000000000000001", "0.1000000000000000000000000000001", 31},
                 Case{"-99999999999999999999999999999999999999",
                      "-99999999999999999999999999999999999999", 0});
    const Decimal d = dec(text);

    CHECK(d.str() == shown);
    CHECK(d.scale() == scale);
}

TEST_CASE("text that is not a finite decimal number is not a decimal", "[decimal]") {
    const std::string text = GENERATE(std::string{}, ".", "-", "+", "--1", "1.2.3", "1e", "1e+",
                                      "1e-", "1e1.5", "0x10", " 1", "1 ", "1,5", "NaN", "inf",
                                      "abc", "12abc", "1e1001", std::string(80, '9'), "1e80");

    CHECK_FALSE(Decimal::parse(text));
}

TEST_CASE("sums, differences and products are exact", "[decimal]") {
    CHECK((dec("0.1") + dec("0.2")) == dec("0.3"));
    CHECK((dec("0.1") + dec("0.2")).str() == "0.3");
    CHECK((dec("1.5") + dec("0.25")).scale() == 2);
    CHECK((dec("1") - dec("1.001")).str() == "-0.001");
    CHECK((dec("2.00") * dec("1000.000")).str() == "2000");
    CHECK((dec("2.00") * dec("1000.000")).scale() == 5);
    CHECK((dec("-1.5") * dec("-1.5")).str() == "2.25");
    CHECK((dec("-1.5") * dec("2")).str() == "-3");
    CHECK((-dec("7.5")).str() == "-7.5");
    CHECK((-dec("-7.5")).str() == "7.5");
    CHECK((-Decimal{}).sign() == 0);

    Decimal sum;
    sum += dec("33.333");
    sum += dec("33.333");
    sum -= dec("0.666");
    CHECK(sum.str() == "66");
}

TEST_CASE("decimals compare by value whatever their scale", "[decimal]") {
    CHECK(dec("1.50") == dec("1.5"));
    CHECK(dec("0.000") == Decimal{});
    CHECK(dec("-0.001") < Decimal{});
    CHECK(dec("-2") < dec("-1.999"));
    CHECK(dec("1.001") > dec("1"));
    CHECK(dec("1e3") == Decimal::from_int(1000));
    CHECK(Decimal::from_money(Money::from_thousandths(1500)) == dec("1.5"));
    CHECK(dec("99999999999999999999999999999999999999") > dec("0.000000000000000000001"));

    CHECK(dec("-3.2").sign() == -1);
    CHECK(dec("0.00").sign() == 0);
    CHECK(dec("0.00").is_zero());
    CHECK(dec("0.01").sign() == 1);
}

TEST_CASE("rounding goes half away from zero and never adds decimals", "[decimal]") {
    using Case = std::tuple<std::string, int, std::string>;
    const auto [text, scale, shown] =
        GENERATE(Case{"2.345", 2, "2.35"}, Case{"-2.345", 2, "-2.35"}, Case{"2.3449", 2, "2.34"},
                 Case{"-2.3449", 2, "-2.34"}, Case{"0.5", 0, "1"}, Case{"-0.5", 0, "-1"},
                 Case{"1.5", 0, "2"}, Case{"2.5", 0, "3"}, Case{"-2.5", 0, "-3"},
                 Case{"0.4999", 0, "0"}, Case{"-0.0004", 3, "0"}, Case{"9.9995", 3, "10"},
                 Case{"1e-100", 3, "0"}, Case{"5e-78", 77, "0." + std::string(76, '0') + "1"});
    const Decimal r = dec(text).rounded(scale);

    CHECK(r.str() == shown);
    CHECK(r.scale() == std::min(scale, dec(text).scale()));
}

TEST_CASE("rounding to more decimals than a value has leaves it unchanged", "[decimal]") {
    CHECK(dec("1.5").rounded(3).scale() == 1);
    CHECK(dec("1.5").rounded(3).str() == "1.5");
}

TEST_CASE("truncation drops the fraction toward zero", "[decimal]") {
    CHECK(dec("7.9").truncated().str() == "7");
    CHECK(dec("-7.9").truncated().str() == "-7");
    CHECK(dec("0.5").truncated().is_zero());
    CHECK(dec("-0.999").truncated().is_zero());
    CHECK(dec("1e-100").truncated().is_zero());
    CHECK(dec("12").truncated().scale() == 0);
}

TEST_CASE("a quotient is rounded half away from zero to the requested decimals", "[decimal]") {
    CHECK(dec("1").divided_by(dec("3"), 5).str() == "0.33333");
    CHECK(dec("2").divided_by(dec("3"), 2).str() == "0.67");
    CHECK(dec("-2").divided_by(dec("3"), 2).str() == "-0.67");
    CHECK(dec("2").divided_by(dec("-3"), 2).str() == "-0.67");
    CHECK(dec("-2").divided_by(dec("-3"), 2).str() == "0.67");
    CHECK(dec("1").divided_by(dec("8"), 2).str() == "0.13");
    CHECK(dec("-1").divided_by(dec("8"), 2).str() == "-0.13");
    CHECK(dec("10").divided_by(dec("-4"), 0).str() == "-3");
    CHECK(dec("1").divided_by(dec("0.0001"), 0).str() == "10000");
    CHECK(dec("0.000001").divided_by(dec("1000"), 3).str() == "0");
    CHECK(dec("18000").divided_by(dec("110"), 20).str() == "163.63636363636363636364");
    CHECK(dec("1").divided_by(dec("3"), 5).scale() == 5);
}

TEST_CASE("dividing by zero is an error", "[decimal]") {
    CHECK_THROWS_AS(dec("1").divided_by(Decimal{}, 2), std::domain_error);
    CHECK_THROWS_AS(dec("1").divided_by(dec("0.000"), 2), std::domain_error);
}

TEST_CASE("a fixed text is rounded and padded to the requested decimals", "[decimal]") {
    CHECK(dec("2").fixed(2) == "2.00");
    CHECK(dec("10").fixed(2) == "10.00");
    CHECK(dec("-0.5").fixed(2) == "-0.50");
    CHECK(dec("-0.001").fixed(2) == "0.00");
    CHECK(dec("0.005").fixed(2) == "0.01");
    CHECK(dec("12.345").fixed(0) == "12");
    CHECK(dec("0.5").fixed(0) == "1");
    CHECK(dec("0.05").fixed(4) == "0.0500");
    CHECK(dec("1.999").fixed(2) == "2.00");
}

TEST_CASE("the shortest text has no trailing zeros", "[decimal]") {
    CHECK(Decimal::from_int(1800).str() == "1800");
    CHECK(dec("163.640").str() == "163.64");
    CHECK(dec("-0.50").str() == "-0.5");
    CHECK(dec("7.5").str() == "7.5");
    CHECK(dec("100.000").str() == "100");
    CHECK(Decimal::from_scaled(-5, 3).str() == "-0.005");
}

TEST_CASE("a decimal becomes money rounded half away from zero to three decimals", "[decimal]") {
    CHECK(dec("35.6625").to_money().str() == "35.663");
    CHECK(dec("-35.6625").to_money().str() == "-35.663");
    CHECK(dec("0.0004").to_money().thousandths == 0);
    CHECK(dec("1e15").to_money().thousandths == 1'000'000'000'000'000'000);
    CHECK(dec("-1e15").to_money().thousandths == -1'000'000'000'000'000'000);
    CHECK(dec("7").to_money().thousandths == 7'000);
    CHECK(Decimal::from_money(Money::from_thousandths(-1)).str() == "-0.001");
}

TEST_CASE("a decimal beyond the range of money cannot become money", "[decimal]") {
    CHECK_THROWS_AS(dec("1000000000000000.001").to_money(), std::overflow_error);
    CHECK_THROWS_AS(dec("-1e16").to_money(), std::overflow_error);
    CHECK_THROWS_AS(dec("1e70").to_money(), std::overflow_error);
}

TEST_CASE("a result beyond 256 bits throws instead of wrapping", "[decimal]") {
    const Decimal big = dec("1e40");
    CHECK_NOTHROW(big * dec("1e36"));
    CHECK_THROWS_AS(big * big, std::overflow_error);
    CHECK_THROWS_AS(dec(std::string(77, '9')) + dec("0.1"), std::overflow_error);
    CHECK_THROWS_AS(dec("1e70").divided_by(dec("0.000000001"), 0), std::overflow_error);
    CHECK_THROWS_AS(Decimal::from_int(1).rounded(-1), std::invalid_argument);
    CHECK_THROWS_AS(Decimal::from_scaled(1, -1), std::invalid_argument);
}

TEST_CASE("a decimal converts to the nearest double", "[decimal]") {
    CHECK(dec("163.63636363636374").to_double() == 163.63636363636374);
    CHECK(dec("0.1").to_double() == 0.1);
    CHECK(dec("-2.5").to_double() == -2.5);
    CHECK(Decimal{}.to_double() == 0.0);
}
