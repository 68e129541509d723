#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/money.hpp"

namespace deals::events {

/// An exact decimal number: mantissa × 10^-scale, with a signed 256-bit mantissa (a
/// `boost::multiprecision::checked_int256_t` inside the implementation, so an overflow throws
/// `std::overflow_error` instead of wrapping) and a scale >= 0. Used where a billable's money
/// must be computed without binary rounding (contract §7.3). A value, not normalised: 1.50 has
/// scale 2, but compares equal to 1.5 and prints as "1.5". Immutable; safe to share across
/// threads.
class Decimal {
public:
    /// Zero, scale 0.
    Decimal() = default;

    static Decimal from_money(Money value);       ///< Scale 3.
    static Decimal from_int(std::int64_t value);  ///< Scale 0.
    /// mantissa × 10^-scale (`from_scaled(125, 1)` is 12.5). Throws std::invalid_argument for a
    /// negative scale.
    static Decimal from_scaled(std::int64_t mantissa, int scale);

    /// Parses a decimal text exactly (`12.5`, `-0.001`, `+.5`, `1e3`, `1.5E-2`). Returns nullopt
    /// for anything that is not a finite decimal number or does not fit.
    static std::optional<Decimal> parse(std::string_view text);

    /// Rounded half away from zero to three decimals. Throws std::overflow_error when the result
    /// is beyond Money's range (|thousandths| <= 10^18).
    [[nodiscard]] Money to_money() const;

    [[nodiscard]] int scale() const { return scale_; }
    [[nodiscard]] int sign() const;
    [[nodiscard]] bool is_zero() const { return sign() == 0; }

    /// The quotient rounded half away from zero to `scale` decimals. Throws std::domain_error
    /// when dividing by zero, std::invalid_argument for a negative scale.
    [[nodiscard]] Decimal divided_by(const Decimal& divisor, int scale) const;
    /// Rounded half away from zero to `scale` decimals; a value with fewer decimals is returned
    /// unchanged (the scale never grows).
    [[nodiscard]] Decimal rounded(int scale) const;
    /// Truncated toward zero to an integer (scale 0).
    [[nodiscard]] Decimal truncated() const;

    /// The shortest exact text, without trailing zeros: `1800`, `163.64`, `-0.5`.
    [[nodiscard]] std::string str() const;
    /// Rounded half away from zero to `scale` decimals and padded: `2.00`, `-0.50`.
    [[nodiscard]] std::string fixed(int scale) const;
    /// The nearest double.
    [[nodiscard]] double to_double() const;

    // Exact arithmetic: the scale of a sum is the larger scale, of a product the sum of both.
    friend Decimal operator+(const Decimal& a, const Decimal& b);
    friend Decimal operator-(const Decimal& a, const Decimal& b);
    friend Decimal operator*(const Decimal& a, const Decimal& b);
    friend Decimal operator-(const Decimal& a);
    Decimal& operator+=(const Decimal& other) { return *this = *this + other; }
    Decimal& operator-=(const Decimal& other) { return *this = *this - other; }

    /// By value: 1.50 == 1.5.
    friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b);
    friend bool operator==(const Decimal& a, const Decimal& b) {
        return (a <=> b) == std::strong_ordering::equal;
    }

private:
    struct Access;  // converts to and from the big integer, in decimal.cpp

    std::array<std::uint64_t, 4> magnitude_{};  // |mantissa|, least significant limb first
    bool negative_ = false;                     // never set for zero
    int scale_ = 0;
};

}  // namespace deals::events
