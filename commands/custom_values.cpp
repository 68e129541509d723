// The values of custom fields on a deal's create or update, checked against the definitions
// (commands/custom_field_commands.cpp decides the definitions themselves).

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/custom_field_commands.hpp"
#include "events/decimal.hpp"
#include "projections/collation.hpp"
#include "projections/search.hpp"

namespace deals::commands {

namespace {

constexpr std::size_t kMaxString = 191;
constexpr std::size_t kMaxTextarea = 65535;
/// DECIMAL(15,3), as Concord stores a numeric custom field.
const Money kMaxNumeric{999'999'999'999'999};

/// An option of `field` named by id (a number or numeric text) or by name (case, accents and
/// trailing spaces ignored).
const CustomFieldOption* resolve_option(const projections::CustomField& field,
                                        const FieldValue& v) {
    if ((v.is_number() || v.is_string()) && is_integer_text(v.text)) {
        if (const auto* o = field.option(std::stoll(v.text))) {
            return o;
        }
    }
    if (!v.is_string()) {
        return nullptr;
    }
    const std::string key = projections::equality_key(v.text);
    for (const auto& o : field.options) {
        if (projections::equality_key(o.name) == key) {
            return &o;
        }
    }
    return nullptr;
}

/// A field's value as checked: the value (nullopt: cleared), or nothing when an error was
/// added under the field's key.
using CheckedValue = std::optional<std::optional<CustomValue>>;

/// Adds `message` under the field's key.
CheckedValue invalid(const projections::CustomField& field, std::string message,
                     FieldErrorsBuilder& errors) {
    errors.add(field.field_id, std::move(message));
    return std::nullopt;
}

/// A text or textarea field: a string of at most 191 or 65535 characters.
CheckedValue text_value(const projections::CustomField& field, const FieldValue& v,
                        FieldErrorsBuilder& errors) {
    const std::size_t max = field.field_type == CustomFieldType::kText ? kMaxString : kMaxTextarea;
    if (!v.is_string()) {
        return invalid(field, "The " + field.label + " field must be a string.", errors);
    }
    if (projections::utf8_length(v.text) > max) {
        return invalid(field,
                       "The " + field.label + " field must not be greater than " +
                           std::to_string(max) + " characters.",
                       errors);
    }
    return std::optional(CustomValue{v.text});
}

/// A numeric field: a number from 0 to kMaxNumeric with at most 3 decimal places.
CheckedValue numeric_value(const projections::CustomField& field, const FieldValue& v,
                           FieldErrorsBuilder& errors) {
    const std::string& label = field.label;
    if ((!v.is_number() && !v.is_string()) || !projections::is_numeric(v.text)) {
        return invalid(field, "The " + label + " field must be a number.", errors);
    }
    const auto places = decimal_places(v.text);
    if (places < 0 || places > 3) {
        return invalid(field, "The " + label + " field must have 0-3 decimal places.", errors);
    }
    const auto number = Decimal::parse(v.text);
    if (number && number->sign() < 0) {
        return invalid(field, "The " + label + " field must be at least 0.", errors);
    }
    if (!number || *number > Decimal::from_money(kMaxNumeric)) {
        return invalid(
            field, "The " + label + " field must not be greater than " + kMaxNumeric.str() + ".",
            errors);
    }
    return std::optional(CustomValue{number->to_money()});
}

CheckedValue date_value(const projections::CustomField& field, const FieldValue& v,
                        FieldErrorsBuilder& errors) {
    auto d = v.is_string() ? Date::parse(v.text) : std::nullopt;
    if (!d) {
        return invalid(field, "The " + field.label + " field must be a valid date.", errors);
    }
    return std::optional(CustomValue{*d});
}

CheckedValue boolean_value(const projections::CustomField& field, const FieldValue& v,
                           FieldErrorsBuilder& errors) {
    // Laravel's `boolean`: true, false, 1, 0, "1", "0".
    if (v.kind == FieldValue::Kind::kBool) {
        return std::optional(CustomValue{v.text == "true"});
    }
    if ((v.is_number() || v.is_string()) && (v.text == "1" || v.text == "0")) {
        return std::optional(CustomValue{v.text == "1"});
    }
    return invalid(field, "The " + field.label + " field must be true or false.", errors);
}

CheckedValue select_value(const projections::CustomField& field, const FieldValue& v,
                          FieldErrorsBuilder& errors) {
    const auto* option = resolve_option(field, v);
    if (option == nullptr) {
        return invalid(field, "The selected " + field.label + " is invalid.", errors);
    }
    return std::optional(CustomValue{std::vector<std::int64_t>{option->id}});
}

/// A multi-select field: an array of options, or their names or ids in one comma-separated
/// string; the ids sorted, each once (none: cleared).
CheckedValue multi_select_value(const projections::CustomField& field, const CustomValueInput& in,
                                FieldErrorsBuilder& errors) {
    const FieldValue& v = in.value;
    std::vector<FieldValue> items;
    if (v.kind == FieldValue::Kind::kArray) {
        items = in.items;
    } else if (v.is_string()) {
        for (auto& part : projections::split_list(v.text, ",")) {
            items.push_back(FieldValue::string(std::move(part)));
        }
    } else {
        return invalid(field, "The " + field.label + " field must be an array.", errors);
    }
    std::vector<std::int64_t> ids;
    for (const auto& item : items) {
        const auto* option = resolve_option(field, item);
        if (option == nullptr) {
            return invalid(field, "The selected " + field.label + " is invalid.", errors);
        }
        ids.push_back(option->id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.empty()) {
        return std::optional<CustomValue>{};
    }
    return std::optional(CustomValue{std::move(ids)});
}

/// One field's value: the value (nullopt: cleared), or an error added under its key.
CheckedValue custom_value(const projections::CustomField& field, const CustomValueInput& in,
                          FieldErrorsBuilder& errors) {
    const FieldValue& v = in.value;
    if (v.is_null()) {
        return std::optional<CustomValue>{};
    }
    switch (field.field_type) {
        case CustomFieldType::kText:
        case CustomFieldType::kTextarea:
            return text_value(field, v, errors);
        case CustomFieldType::kNumeric:
            return numeric_value(field, v, errors);
        case CustomFieldType::kDate:
            return date_value(field, v, errors);
        case CustomFieldType::kBoolean:
            return boolean_value(field, v, errors);
        case CustomFieldType::kSelect:
            return select_value(field, v, errors);
        case CustomFieldType::kMultiSelect:
            return multi_select_value(field, in, errors);
    }
    return std::nullopt;
}

}  // namespace

std::vector<CustomFieldAssignment> validate_custom_values(
    const std::vector<CustomValueInput>& input, const projections::Views& views,
    FieldErrorsBuilder& errors) {
    std::vector<CustomFieldAssignment> out;
    if (input.empty()) {
        return out;
    }
    for (const auto* field : views.custom_fields()) {
        const auto it = std::find_if(input.begin(), input.end(), [&](const CustomValueInput& in) {
            return in.key == field->field_id;
        });
        if (it == input.end() || !it->value.present()) {
            continue;
        }
        if (auto value = custom_value(*field, *it, errors)) {
            out.push_back(
                CustomFieldAssignment{field->id, field->field_id, field->field_type, *value});
        }
    }
    return out;
}

}  // namespace deals::commands
