#pragma once

// Request values as the HTTP layer hands them to validation (commands/input.hpp), for the
// command tests that build bodies by hand. Header only.

#include <stdexcept>
#include <string>
#include <string_view>

#include "commands/input.hpp"
#include "events/money.hpp"

namespace deals::unit {

using commands::FieldValue;

/// A JSON string (trimmed; empty or blank becomes null, as Laravel's middleware does).
inline FieldValue str(std::string s) { return FieldValue::string(std::move(s)); }
/// A JSON number as written.
inline FieldValue num(std::string s) { return FieldValue::number(std::move(s)); }
inline FieldValue null() { return FieldValue::null(); }
inline FieldValue boolean(bool b) { return FieldValue::boolean(b); }
/// The kind of a JSON array (its items travel beside it).
inline FieldValue array() { return FieldValue{FieldValue::Kind::kArray, {}}; }
/// The kind of a JSON object.
inline FieldValue object() { return FieldValue{FieldValue::Kind::kObject, {}}; }

/// An exact amount from its text (`"12.5"`); the text must be a valid decimal.
inline events::Money money(std::string_view text) {
    const auto m = events::Money::parse(text);
    if (!m) {
        throw std::invalid_argument("not a decimal: " + std::string(text));
    }
    return *m;
}

}  // namespace deals::unit
