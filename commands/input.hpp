#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deals::commands {

/// A positive integer id from a path segment (`/api/deals/42`), or nullopt.
inline std::optional<std::int64_t> parse_id(std::string_view text) {
    std::int64_t id = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || p != text.data() + text.size() || id <= 0) {
        return std::nullopt;
    }
    return id;
}

/// One input value from a request body, reduced to what validation needs, so that the domain
/// does not see the JSON library. Strings are trimmed; an empty string counts as null (as
/// Laravel's ConvertEmptyStringsToNull does).
struct FieldValue {
    enum class Kind { kAbsent, kNull, kBool, kNumber, kString, kArray, kObject };
    Kind kind = Kind::kAbsent;
    std::string text;  ///< the string, the number as written, or "true"/"false"

    [[nodiscard]] bool present() const { return kind != Kind::kAbsent; }
    [[nodiscard]] bool is_null() const { return kind == Kind::kNull; }
    /// Absent or null.
    [[nodiscard]] bool missing() const { return kind == Kind::kAbsent || kind == Kind::kNull; }
    [[nodiscard]] bool is_string() const { return kind == Kind::kString; }
    [[nodiscard]] bool is_number() const { return kind == Kind::kNumber; }

    static FieldValue absent() { return {}; }
    static FieldValue null() { return {Kind::kNull, {}}; }
    static FieldValue number(std::string t) { return {Kind::kNumber, std::move(t)}; }
    static FieldValue string(std::string t);  ///< trims; empty becomes null
    static FieldValue boolean(bool b) { return {Kind::kBool, b ? "true" : "false"}; }
};

/// Digits only, short enough for an int64 id (`12`, not `-1`, `1.0` or 18+ digits).
inline bool is_integer_text(const std::string& s) {
    return !s.empty() && s.size() < 18 && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    });
}

/// Digits after the point in a number as written (0 for `12`, 2 for `1.50`); -1 for text with
/// an exponent, whose places are not as written. For Laravel's "0-N decimal places" rules.
inline int decimal_places(const std::string& text) {
    if (text.find_first_of("eE") != std::string::npos) {
        return -1;
    }
    const auto dot = text.find('.');
    return dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
}

/// A custom field key of a deal body (`cf_…`), before validation: its value and, when it is
/// an array, its items.
struct CustomValueInput {
    std::string key;
    FieldValue value;
    std::vector<FieldValue> items;
};

/// The deal fields a create or update body may carry (contract §5.1), before validation.
struct DealInput {
    FieldValue name;
    FieldValue pipeline_id;
    FieldValue stage_id;
    FieldValue amount;
    FieldValue expected_close_date;
    FieldValue status;
    FieldValue lost_reason;
    FieldValue user_id;
    FieldValue swatch_color;
    std::vector<CustomValueInput> custom_fields;  ///< every `cf_…` key of the body
};

}  // namespace deals::commands
