#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace deals::events {

/// An exact decimal amount with three fractional digits (Concord stores deal amounts as
/// DECIMAL(15,3)), held as an integer count of thousandths. Never a binary float.
/// Invariant: |thousandths| <= 10^18 (well beyond the 10^12 the API accepts).
struct Money {
    std::int64_t thousandths = 0;

    friend auto operator<=>(const Money&, const Money&) = default;

    static Money from_thousandths(std::int64_t v) { return Money{v}; }
    static Money units(std::int64_t v) { return Money{v * 1000}; }

    /// Parses a decimal text (`-12.5`, `1e3`, `0.0005`) rounding half away from zero to three
    /// decimals. Returns nullopt for anything that is not a finite decimal number or is out of
    /// range.
    static std::optional<Money> parse(std::string_view text);

    /// The shortest decimal form: `1800`, `35.663`, `-0.5`.
    [[nodiscard]] std::string str() const;
};

}  // namespace deals::events
