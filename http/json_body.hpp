#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/error.hpp"
#include "commands/input.hpp"

namespace deals::http {

/// A parsed JSON request body that keeps numbers as written (money stays exact) and object keys
/// in order. A key twice in one object is malformed (400): PHP's json_decode would keep the last,
/// but which one a client meant is a guess, and proxies that keep the first would see another
/// request than we do.
struct JsonMember;

struct JsonValue {
    enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
    Kind kind = Kind::kNull;
    std::string text;              ///< string value, number as written, "true"/"false"
    std::vector<JsonValue> items;  ///< array items
    std::vector<JsonMember> members;  ///< object members, in order

    /// The member named `key`, or nullptr.
    [[nodiscard]] const JsonValue* find(std::string_view key) const;
};

/// One member of an object (a struct rather than a std::pair: clang cannot check a pair's
/// traits while JsonValue is still incomplete).
struct JsonMember {
    JsonMember(std::string key, JsonValue value) : first(std::move(key)), second(std::move(value)) {}
    std::string first;
    JsonValue second;
};

/// Parses a request body that must be a JSON object (an empty body counts as `{}`). Errors are
/// 400 "Malformed JSON: <reason>". Nesting deeper than 64 levels, duplicate keys and strings
/// that escape a lone UTF-16 surrogate are refused.
commands::Result<JsonValue> parse_json_object(std::string_view body);

/// The member `key` of `object` as a validation input (absent when missing).
commands::FieldValue field(const JsonValue& object, std::string_view key);
/// A value (an array item, say) as a validation input.
commands::FieldValue value_of(const JsonValue& value);

}  // namespace deals::http
