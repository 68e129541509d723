#pragma once

// Generic JSON for the structs that list their fields with `describe` (events, views). Private to
// store/: included by .cpp files only.

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "events/event.hpp"
#include "support/json.hpp"

namespace deals::store::reflect {

using namespace deals::events;  // NOLINT

template <class T>
concept Described = requires(T& t) {
    T::describe(t, [](const char*, auto&) {});
};

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsChange : std::false_type {};
template <class T>
struct IsChange<Change<T>> : std::true_type {};
template <class T>
struct IsOptionalChange : std::false_type {};
template <class T>
struct IsOptionalChange<std::optional<Change<T>>> : std::true_type {};

struct DecodeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ---- writing ----

template <class T>
void write(json::Writer& w, const T& v);

inline void write_one(json::Writer& w, const std::string& v) {
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
inline void write_one(json::Writer& w, bool v) { w.Bool(v); }
inline void write_one(json::Writer& w, std::int64_t v) { w.Int64(v); }
inline void write_one(json::Writer& w, std::uint64_t v) { w.Uint64(v); }
inline void write_one(json::Writer& w, double v) { w.Double(v); }
inline void write_one(json::Writer& w, const Money& v) {
    const std::string s = v.str();
    w.RawValue(s.data(), s.size(), rapidjson::kNumberType);
}
inline void write_one(json::Writer& w, const Timestamp& v) { write_one(w, v.str()); }
inline void write_one(json::Writer& w, const Date& v) { write_one(w, v.str()); }
inline void write_one(json::Writer& w, DealStatus v) { write_one(w, std::string(to_string(v))); }
inline void write_one(json::Writer& w, DealsScope v) { write_one(w, std::string(to_string(v))); }
inline void write_one(json::Writer& w, TaxType v) { write_one(w, std::string(to_string(v))); }
inline void write_one(json::Writer& w, DiscountType v) { write_one(w, std::string(to_string(v))); }
template <class Tag>
void write_one(json::Writer& w, const Id<Tag>& v) {
    w.Int64(v.value);
}
inline void write_one(json::Writer& w, CustomFieldType v) { write_one(w, std::string(to_string(v))); }

/// A custom field's value: the plain JSON value its type implies (events/custom_field_events.hpp).
/// A Select value is its one option id; a MultiSelect value an array of them.
inline void write_custom_value(json::Writer& w, const std::optional<CustomValue>& v,
                               CustomFieldType type) {
    if (!v) {
        w.Null();
        return;
    }
    std::visit(
        [&w, type](const auto& x) {
            using X = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<X, std::vector<std::int64_t>>) {
                if (type == CustomFieldType::kSelect && x.size() == 1) {
                    w.Int64(x.front());
                    return;
                }
                w.StartArray();
                for (const auto id : x) {
                    w.Int64(id);
                }
                w.EndArray();
            } else {
                write_one(w, x);
            }
        },
        v->value);
}
inline void write_one(json::Writer& w, const CustomFieldChange& v) {
    w.StartObject();
    w.Key("custom_field_id");
    w.Int64(v.custom_field_id.value);
    w.Key("field_id");
    write_one(w, v.field_id);
    w.Key("field_type");
    write_one(w, v.field_type);
    w.Key("old");
    write_custom_value(w, v.old_value, v.field_type);
    w.Key("new");
    write_custom_value(w, v.new_value, v.field_type);
    w.EndObject();
}
/// A deal view's values: `[{"custom_field_id":3,"field_type":"Numeric","value":12.5},…]`.
inline void write_one(json::Writer& w, const CustomFieldValues& v) {
    w.StartArray();
    for (const auto& item : v.values) {
        w.StartObject();
        w.Key("custom_field_id");
        w.Int64(item.custom_field_id.value);
        w.Key("field_type");
        write_one(w, item.field_type);
        w.Key("value");
        write_custom_value(w, item.value, item.field_type);
        w.EndObject();
    }
    w.EndArray();
}

template <class T>
void write(json::Writer& w, const T& v) {
    if constexpr (IsOptional<T>::value) {
        if (v) {
            write(w, *v);
        } else {
            w.Null();
        }
    } else if constexpr (IsChange<T>::value) {
        w.StartObject();
        w.Key("old");
        write(w, v.old_value);
        w.Key("new");
        write(w, v.new_value);
        w.EndObject();
    } else if constexpr (Described<T>) {
        w.StartObject();
        T::describe(v, [&w](const char* name, const auto& field) {
            using F = std::decay_t<decltype(field)>;
            // An absent change is left out rather than written as null.
            if constexpr (IsOptionalChange<F>::value) {
                if (!field) {
                    return;
                }
            }
            w.Key(name);
            write(w, field);
        });
        w.EndObject();
    } else if constexpr (requires {
                             v.begin();
                             typename T::value_type;
                         } &&
                         !std::is_same_v<T, std::string>) {
        w.StartArray();
        for (const auto& item : v) {
            write(w, item);
        }
        w.EndArray();
    } else {
        write_one(w, v);
    }
}

// ---- reading (numbers may arrive as text: parsed with json::kExactNumbers) ----

template <class T>
void read(const json::Value& j, T& out);

inline std::string_view text_of(const json::Value& j) {
    if (!j.IsString()) {
        throw DecodeError("expected a string or number");
    }
    return {j.GetString(), j.GetStringLength()};
}

inline void read_one(const json::Value& j, std::string& v) { v = std::string(text_of(j)); }
inline void read_one(const json::Value& j, bool& v) {
    if (!j.IsBool()) {
        throw DecodeError("expected a boolean");
    }
    v = j.GetBool();
}
inline void read_one(const json::Value& j, std::int64_t& v) {
    if (j.IsInt64()) {
        v = j.GetInt64();
        return;
    }
    const auto t = text_of(j);
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || p != t.data() + t.size()) {
        throw DecodeError("expected an integer");
    }
}
inline void read_one(const json::Value& j, std::uint64_t& v) {
    std::int64_t signed_value = 0;
    read_one(j, signed_value);
    if (signed_value < 0) {
        throw DecodeError("expected a non-negative integer");
    }
    v = static_cast<std::uint64_t>(signed_value);
}
inline void read_one(const json::Value& j, double& v) {
    if (j.IsNumber()) {
        v = j.GetDouble();
        return;
    }
    const std::string t(text_of(j));
    char* end = nullptr;
    v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size()) {
        throw DecodeError("expected a number");
    }
}
inline void read_one(const json::Value& j, Money& v) {
    auto m = Money::parse(text_of(j));
    if (!m) {
        throw DecodeError("expected an amount");
    }
    v = *m;
}
inline void read_one(const json::Value& j, Timestamp& v) {
    auto t = Timestamp::parse(text_of(j));
    if (!t) {
        throw DecodeError("expected a timestamp");
    }
    v = *t;
}
inline void read_one(const json::Value& j, Date& v) {
    auto d = Date::parse(text_of(j));
    if (!d) {
        throw DecodeError("expected a date");
    }
    v = *d;
}
inline void read_one(const json::Value& j, DealStatus& v) {
    auto s = parse_deal_status(text_of(j));
    if (!s) {
        throw DecodeError("expected a deal status");
    }
    v = *s;
}
inline void read_one(const json::Value& j, TaxType& v) {
    auto t = parse_tax_type(text_of(j));
    if (!t) {
        throw DecodeError("expected a tax type");
    }
    v = *t;
}
inline void read_one(const json::Value& j, DiscountType& v) {
    auto t = parse_discount_type(text_of(j));
    if (!t) {
        throw DecodeError("expected a discount type");
    }
    v = *t;
}
inline void read_one(const json::Value& j, DealsScope& v) {
    auto s = parse_deals_scope(text_of(j));
    if (!s) {
        throw DecodeError("expected a deals scope");
    }
    v = *s;
}
template <class Tag>
void read_one(const json::Value& j, Id<Tag>& v) {
    read_one(j, v.value);
}
inline void read_one(const json::Value& j, CustomFieldType& v) {
    auto t = parse_custom_field_type(text_of(j));
    if (!t) {
        throw DecodeError("expected a custom field type");
    }
    v = *t;
}
inline std::optional<CustomValue> read_custom_value(const json::Value& j, CustomFieldType type) {
    if (j.IsNull()) {
        return std::nullopt;
    }
    CustomValue out;
    switch (type) {
        case CustomFieldType::kText:
        case CustomFieldType::kTextarea: {
            std::string text;
            read_one(j, text);
            out.value = std::move(text);
            break;
        }
        case CustomFieldType::kNumeric: {
            Money number;
            read_one(j, number);
            out.value = number;
            break;
        }
        case CustomFieldType::kDate: {
            Date date;
            read_one(j, date);
            out.value = date;
            break;
        }
        case CustomFieldType::kBoolean: {
            bool flag = false;
            read_one(j, flag);
            out.value = flag;
            break;
        }
        case CustomFieldType::kSelect:
            if (!j.IsArray()) {
                std::int64_t id = 0;
                read_one(j, id);
                out.value = std::vector<std::int64_t>{id};
                break;
            }
            [[fallthrough]];
        case CustomFieldType::kMultiSelect: {
            if (!j.IsArray()) {
                throw DecodeError("expected an array of option ids");
            }
            std::vector<std::int64_t> ids;
            for (const auto& item : j.GetArray()) {
                read_one(item, ids.emplace_back());
            }
            out.value = std::move(ids);
            break;
        }
    }
    return out;
}
inline const json::Value& member(const json::Value& j, const char* name) {
    auto it = j.FindMember(name);
    if (it == j.MemberEnd()) {
        throw DecodeError(std::string("missing field ") + name);
    }
    return it->value;
}
inline void read_one(const json::Value& j, CustomFieldChange& v) {
    if (!j.IsObject()) {
        throw DecodeError("expected a custom field change");
    }
    read_one(member(j, "custom_field_id"), v.custom_field_id.value);
    read_one(member(j, "field_id"), v.field_id);
    read_one(member(j, "field_type"), v.field_type);
    v.old_value = read_custom_value(member(j, "old"), v.field_type);
    v.new_value = read_custom_value(member(j, "new"), v.field_type);
}
inline void read_one(const json::Value& j, CustomFieldValues& v) {
    if (!j.IsArray()) {
        throw DecodeError("expected custom field values");
    }
    v.values.clear();
    for (const auto& item : j.GetArray()) {
        if (!item.IsObject()) {
            throw DecodeError("expected a custom field value");
        }
        auto& out = v.values.emplace_back();
        read_one(member(item, "custom_field_id"), out.custom_field_id.value);
        read_one(member(item, "field_type"), out.field_type);
        auto value = read_custom_value(member(item, "value"), out.field_type);
        if (!value) {
            throw DecodeError("expected a custom field value");
        }
        out.value = std::move(*value);
    }
}

template <class T>
void read(const json::Value& j, T& out) {
    if constexpr (IsOptional<T>::value) {
        if (j.IsNull()) {
            out.reset();
        } else {
            out.emplace();
            read(j, *out);
        }
    } else if constexpr (IsChange<T>::value) {
        if (!j.IsObject() || !j.HasMember("old") || !j.HasMember("new")) {
            throw DecodeError("expected a change");
        }
        read(j["old"], out.old_value);
        read(j["new"], out.new_value);
    } else if constexpr (Described<T>) {
        if (!j.IsObject()) {
            throw DecodeError("expected an object");
        }
        // Our encoder writes the fields in `describe` order, so the next member is tried first;
        // any other order still decodes, through FindMember.
        auto next = j.MemberBegin();
        T::describe(out, [&j, &next](const char* name, auto& field) {
            using F = std::decay_t<decltype(field)>;
            auto it = next != j.MemberEnd() && std::strcmp(next->name.GetString(), name) == 0
                          ? next
                          : j.FindMember(name);
            if (it == j.MemberEnd()) {
                if constexpr (IsOptional<F>::value) {
                    field.reset();
                    return;
                } else if constexpr (requires { F::kDefaultWhenAbsent; }) {
                    field = F{};  // a value added later: older records lack it
                    return;
                } else {
                    throw DecodeError(std::string("missing field ") + name);
                }
            }
            next = it + 1;
            read(it->value, field);
        });
    } else if constexpr (requires { out.push_back(typename T::value_type{}); } &&
                         !std::is_same_v<T, std::string>) {
        if (!j.IsArray()) {
            throw DecodeError("expected an array");
        }
        out.clear();
        for (const auto& item : j.GetArray()) {
            out.emplace_back();
            read(item, out.back());
        }
    } else {
        read_one(j, out);
    }
}

}  // namespace deals::store::reflect
