#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace deals::events {

/// A UTC instant with microsecond precision (microseconds since the Unix epoch).
struct Timestamp {
    std::int64_t micros = 0;

    friend auto operator<=>(const Timestamp&, const Timestamp&) = default;

    /// `2026-11-24T18:38:16.000000Z`, the API's and the log's timestamp form.
    [[nodiscard]] std::string str() const;
    /// `str()` written into `out` (no allocation: a deal's JSON has several); returns its length.
    using Text = std::array<char, 48>;
    std::size_t format(Text& out) const;
    /// The system clock now. Only the mains call it; everything else is given the time.
    static Timestamp system_now();
    /// Accepts `YYYY-MM-DD` (midnight UTC) and ISO-8601 date-times with an optional fraction and
    /// `Z` or a `±HH:MM` offset. Returns nullopt for anything else, including invalid dates.
    static std::optional<Timestamp> parse(std::string_view text);
    /// The last instant `text` names, for "up to" questions (`?as_of=`, `dealsctl --until`): a
    /// date-time as `parse` reads it, or a date alone meaning the end of that day (UTC,
    /// 23:59:59.999999).
    static std::optional<Timestamp> parse_until(std::string_view text);
};

/// A calendar date (days since 1970-01-01), as `expected_close_date` is stored.
struct Date {
    std::int32_t days = 0;

    friend auto operator<=>(const Date&, const Date&) = default;

    [[nodiscard]] Timestamp midnight() const {
        return Timestamp{static_cast<std::int64_t>(days) * 86'400'000'000LL};
    }
    /// `2025-02-28`.
    [[nodiscard]] std::string str() const;
    /// The calendar date written in the input (no time-zone shift), as Concord stores it.
    static std::optional<Date> parse(std::string_view text);
};

}  // namespace deals::events
