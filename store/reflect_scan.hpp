#pragma once

// Reading back what reflect::write wrote (store/reflect_json.hpp), front to back and without a
// DOM: the members in `describe` order, no whitespace, strings without escapes. Start-up reads
// a million deal views this way; building RapidJSON's DOM of each was most of their decoding
// (docs/BENCHMARKS.md). `scan` answers false on anything else (another order, an older form,
// an escape), and the caller then decodes the text with `reflect::read` as before: for the
// texts it accepts it gives what `read` gives. Private to store/: included by .cpp files only.

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "store/json_scanner.hpp"
#include "store/reflect_json.hpp"

namespace deals::store::reflect {

/// A value `read_one` takes as text (RapidJSON, keeping numbers as text, gives a number's as
/// a string too): a string or a number.
inline bool scan_text(JsonScanner& s, std::string_view& out) {
    auto text = s.peek() == '"' ? s.string() : s.number_text();
    if (!text) {
        return false;
    }
    out = *text;
    return true;
}

/// A value of `text` by `parse` (an optional), as `read_one` makes it.
template <class T, class Parse>
bool scan_parsed(JsonScanner& s, T& out, Parse&& parse) {
    std::string_view text;
    if (!scan_text(s, text)) {
        return false;
    }
    auto value = parse(text);
    if (!value) {
        return false;
    }
    out = *value;
    return true;
}

inline bool scan_one(JsonScanner& s, std::string& v) {
    std::string_view text;
    if (!scan_text(s, text)) {
        return false;
    }
    v.assign(text);
    return true;
}
inline bool scan_one(JsonScanner& s, bool& v) {
    if (s.take("true")) {
        v = true;
        return true;
    }
    v = false;
    return s.take("false");
}
inline bool scan_one(JsonScanner& s, std::int64_t& v) {
    std::string_view t;
    if (!scan_text(s, t)) {
        return false;
    }
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc{} && p == t.data() + t.size();
}
inline bool scan_one(JsonScanner& s, std::uint64_t& v) {
    std::int64_t signed_value = 0;
    if (!scan_one(s, signed_value) || signed_value < 0) {
        return false;
    }
    v = static_cast<std::uint64_t>(signed_value);
    return true;
}
inline bool scan_one(JsonScanner& s, double& v) {
    std::string_view text;
    if (!scan_text(s, text) || text.empty()) {
        return false;
    }
    const std::string t(text);
    char* end = nullptr;
    v = std::strtod(t.c_str(), &end);
    return end == t.c_str() + t.size();
}
inline bool scan_one(JsonScanner& s, Money& v) { return scan_parsed(s, v, Money::parse); }
inline bool scan_one(JsonScanner& s, Timestamp& v) { return scan_parsed(s, v, Timestamp::parse); }
inline bool scan_one(JsonScanner& s, Date& v) { return scan_parsed(s, v, Date::parse); }
inline bool scan_one(JsonScanner& s, DealStatus& v) { return scan_parsed(s, v, parse_deal_status); }
inline bool scan_one(JsonScanner& s, TaxType& v) { return scan_parsed(s, v, parse_tax_type); }
inline bool scan_one(JsonScanner& s, DiscountType& v) {
    return scan_parsed(s, v, parse_discount_type);
}
inline bool scan_one(JsonScanner& s, DealsScope& v) { return scan_parsed(s, v, parse_deals_scope); }
inline bool scan_one(JsonScanner& s, CustomFieldType& v) {
    return scan_parsed(s, v, parse_custom_field_type);
}
template <class Tag>
bool scan_one(JsonScanner& s, Id<Tag>& v) {
    return scan_one(s, v.value);
}

/// An array, each element appended to `out` and read by `element(s, it)`.
template <class Vector, class Element>
bool scan_array(JsonScanner& s, Vector& out, const Element& element) {
    if (!s.take('[')) {
        return false;
    }
    if (s.take(']')) {
        return true;
    }
    do {
        if (!element(s, out.emplace_back())) {
            return false;
        }
    } while (s.take(','));
    return s.take(']');
}

/// Option ids: `[1,2]`.
inline bool scan_ids(JsonScanner& s, std::vector<std::int64_t>& out) {
    return scan_array(s, out, [](JsonScanner& in, std::int64_t& id) { return scan_one(in, id); });
}

/// A custom field's value as `write_custom_value` writes it (never null in a deal view).
inline bool scan_custom_value(JsonScanner& s, CustomValue& out, CustomFieldType type) {
    switch (type) {
        case CustomFieldType::kText:
        case CustomFieldType::kTextarea:
            return scan_one(s, out.value.emplace<std::string>());
        case CustomFieldType::kNumeric:
            return scan_one(s, out.value.emplace<Money>());
        case CustomFieldType::kDate:
            return scan_one(s, out.value.emplace<Date>());
        case CustomFieldType::kBoolean:
            return scan_one(s, out.value.emplace<bool>());
        case CustomFieldType::kSelect:
            if (s.peek() != '[') {
                return scan_one(s, out.value.emplace<std::vector<std::int64_t>>().emplace_back());
            }
            [[fallthrough]];
        case CustomFieldType::kMultiSelect:
            return scan_ids(s, out.value.emplace<std::vector<std::int64_t>>());
    }
    return false;
}

/// A deal view's values: `[{"custom_field_id":3,"field_type":"Numeric","value":12.5},…]`.
inline bool scan_one(JsonScanner& s, CustomFieldValues& v) {
    v.values.clear();
    if (!s.take('[')) {
        return false;
    }
    if (s.take(']')) {
        return true;
    }
    do {
        auto& item = v.values.emplace_back();
        if (!(s.take("{\"custom_field_id\":") && scan_one(s, item.custom_field_id.value) &&
              s.take(",\"field_type\":") && scan_one(s, item.field_type) && s.take(",\"value\":") &&
              scan_custom_value(s, item.value, item.field_type) && s.take('}'))) {
            return false;
        }
    } while (s.take(','));
    return s.take(']');
}

/// Reads `out` as `write` wrote it; false when the text is not exactly in that form, or holds a
/// type this reader leaves to `read`. `out` is then partly written: the caller starts again.
template <class T>
bool scan(JsonScanner& s, T& out) {
    if constexpr (IsOptional<T>::value) {
        if (s.take("null")) {
            out.reset();
            return true;
        }
        return scan(s, out.emplace());
    } else if constexpr (Described<T>) {
        if (!s.take('{')) {
            return false;
        }
        bool ok = true;
        bool first = true;
        // Inlined into `describe`, so that each key reaches `take_key` as a literal.
        T::describe(
            out, [&s, &ok, &first ](const char* name, auto& field) __attribute__((always_inline)) {
                ok = ok && (first || s.take(',')) && s.take_key(name) && scan(s, field);
                first = false;
            });
        return ok && s.take('}');
    } else if constexpr (requires { out.push_back(typename T::value_type{}); } &&
                         !std::is_same_v<T, std::string>) {
        out.clear();
        return scan_array(s, out, [](JsonScanner& in, auto& element) { return scan(in, element); });
    } else if constexpr (requires { scan_one(s, out); }) {
        return scan_one(s, out);
    } else {
        return false;  // changes and the like: events, which `read` decodes
    }
}

}  // namespace deals::store::reflect
