#pragma once

// Small writers shared by the renderers (deals, billables, products).

#include <optional>
#include <string>
#include <string_view>

#include "events/ids.hpp"
#include "support/json.hpp"

namespace deals::http {

inline void write_string(json::Writer& w, std::string_view s) { w.PlainString(s); }

/// The string, or null.
inline void write_opt(json::Writer& w, const std::optional<std::string>& s) {
    if (s) {
        write_string(w, *s);
    } else {
        w.Null();
    }
}

/// A number already in its JSON text (money stays exact).
inline void write_number(json::Writer& w, const std::string& text) {
    w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
}

/// An id, or null.
template <class Tag>
void write_opt_id(json::Writer& w, const std::optional<events::Id<Tag>>& id) {
    if (id) {
        w.Int64(id->value);
    } else {
        w.Null();
    }
}

}  // namespace deals::http
