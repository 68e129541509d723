#include "commands/custom_field_commands.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <tuple>

#include "events/decimal.hpp"
#include "projections/collation.hpp"
#include "projections/search.hpp"

namespace deals::commands {

namespace {

constexpr std::size_t kMaxString = 191;
constexpr std::size_t kMaxTextarea = 65535;
constexpr std::size_t kMaxFieldId = 64;
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

/// One field's value: the value (nullopt: cleared), or an error added under its key.
std::optional<std::optional<CustomValue>> custom_value(const projections::CustomField& field,
                                                       const CustomValueInput& in,
                                                       FieldErrorsBuilder& errors) {
    const FieldValue& v = in.value;
    const std::string& key = field.field_id;
    const std::string& label = field.label;
    const auto fail = [&](std::string message) {
        errors.add(key, std::move(message));
        return std::nullopt;
    };
    if (v.is_null()) {
        return std::optional<CustomValue>{};
    }
    switch (field.field_type) {
        case CustomFieldType::kText:
        case CustomFieldType::kTextarea: {
            const std::size_t max =
                field.field_type == CustomFieldType::kText ? kMaxString : kMaxTextarea;
            if (!v.is_string()) {
                return fail("The " + label + " field must be a string.");
            }
            if (projections::utf8_length(v.text) > max) {
                return fail("The " + label + " field must not be greater than " +
                            std::to_string(max) + " characters.");
            }
            return std::optional(CustomValue{v.text});
        }
        case CustomFieldType::kNumeric: {
            if ((!v.is_number() && !v.is_string()) || !projections::is_numeric(v.text)) {
                return fail("The " + label + " field must be a number.");
            }
            const auto places = decimal_places(v.text);
            if (places < 0 || places > 3) {
                return fail("The " + label + " field must have 0-3 decimal places.");
            }
            const auto number = Decimal::parse(v.text);
            if (number && number->sign() < 0) {
                return fail("The " + label + " field must be at least 0.");
            }
            if (!number || *number > Decimal::from_money(kMaxNumeric)) {
                return fail("The " + label + " field must not be greater than " +
                            kMaxNumeric.str() + ".");
            }
            return std::optional(CustomValue{number->to_money()});
        }
        case CustomFieldType::kDate: {
            auto d = v.is_string() ? Date::parse(v.text) : std::nullopt;
            if (!d) {
                return fail("The " + label + " field must be a valid date.");
            }
            return std::optional(CustomValue{*d});
        }
        case CustomFieldType::kBoolean: {
            // Laravel's `boolean`: true, false, 1, 0, "1", "0".
            if (v.kind == FieldValue::Kind::kBool) {
                return std::optional(CustomValue{v.text == "true"});
            }
            if ((v.is_number() || v.is_string()) && (v.text == "1" || v.text == "0")) {
                return std::optional(CustomValue{v.text == "1"});
            }
            return fail("The " + label + " field must be true or false.");
        }
        case CustomFieldType::kSelect: {
            const auto* option = resolve_option(field, v);
            if (option == nullptr) {
                return fail("The selected " + label + " is invalid.");
            }
            return std::optional(CustomValue{std::vector<std::int64_t>{option->id}});
        }
        case CustomFieldType::kMultiSelect: {
            std::vector<FieldValue> items;
            if (v.kind == FieldValue::Kind::kArray) {
                items = in.items;
            } else if (v.is_string()) {
                for (auto& part : projections::split_list(v.text, ",")) {
                    items.push_back(FieldValue::string(std::move(part)));
                }
            } else {
                return fail("The " + label + " field must be an array.");
            }
            std::vector<std::int64_t> ids;
            for (const auto& item : items) {
                const auto* option = resolve_option(field, item);
                if (option == nullptr) {
                    return fail("The selected " + label + " is invalid.");
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
    }
    return std::nullopt;
}

/// The options of a body, checked (names required, ≤ 191, distinct among themselves and
/// `existing`), as they will be: renamed ones by id, new ones with ids from `next_id`.
std::vector<CustomFieldOption> option_items(FieldErrorsBuilder& all_errors,
                                            const CustomFieldInput& in,
                                            std::vector<CustomFieldOption> existing,
                                            std::int64_t next_id, bool required) {
    if (in.options.missing() ||
        (in.options.kind == FieldValue::Kind::kArray && in.option_items.empty())) {
        if (required) {
            all_errors.add("options", "The options field is required.");
        }
        return existing;
    }
    if (in.options.kind != FieldValue::Kind::kArray) {
        all_errors.add("options", "The options field must be an array.");
        return existing;
    }
    // Laravel checks `options.*.…` item by item: errors come in item order.
    std::map<std::size_t, std::vector<std::pair<std::string, std::string>>> by_item;
    struct ItemErrors {
        std::map<std::size_t, std::vector<std::pair<std::string, std::string>>>& out;
        std::size_t item = 0;
        void add(const std::string& key, std::string message) {
            out[item].emplace_back(key, std::move(message));
        }
    } errors{by_item};
    std::int64_t order = 0;
    for (const auto& o : existing) {
        order = std::max(order, o.display_order);
    }
    const std::size_t first_new = existing.size();
    std::vector<CustomFieldOption> out = std::move(existing);
    std::vector<std::tuple<std::size_t, std::string, std::int64_t>> named;  // item, key, id
    for (std::size_t i = 0; i < in.option_items.size(); ++i) {
        errors.item = i;
        const std::string at = "options." + std::to_string(i);
        if (!in.option_items[i]) {
            errors.add(at, "The " + at + " field must be an array.");
            continue;
        }
        const OptionInput& item = *in.option_items[i];
        CustomFieldOption* target = nullptr;
        if (!item.id.missing()) {
            for (std::size_t k = 0; k < first_new; ++k) {
                if ((item.id.is_number() || item.id.is_string()) && is_integer_text(item.id.text) &&
                    out[k].id == std::stoll(item.id.text)) {
                    target = &out[k];
                }
            }
            if (target == nullptr) {
                errors.add(at + ".id", "The selected " + at + ".id is invalid.");
                continue;
            }
        }
        const FieldValue& name = item.name;
        if (name.missing() && target == nullptr) {
            errors.add(at + ".name", "The " + at + ".name field is required.");
            continue;
        }
        if (name.present() && name.missing()) {
            errors.add(at + ".name", "The " + at + ".name field is required.");
            continue;
        }
        if (name.present() && !name.is_string()) {
            errors.add(at + ".name", "The " + at + ".name field must be a string.");
            continue;
        }
        if (name.present() && projections::utf8_length(name.text) > kMaxString) {
            errors.add(at + ".name",
                       "The " + at + ".name field must not be greater than 191 characters.");
            continue;
        }
        std::optional<std::int64_t> display_order;
        if (!item.display_order.missing()) {
            const auto& d = item.display_order;
            if (!(d.is_number() || d.is_string()) || !is_integer_text(d.text)) {
                errors.add(at + ".display_order",
                           "The " + at + ".display_order field must be an integer.");
                continue;
            }
            display_order = std::stoll(d.text);
        }
        if (target == nullptr) {
            out.push_back(CustomFieldOption{next_id++, name.text, 0});
            target = &out.back();
            target->display_order = display_order.value_or(++order);
        } else {
            if (name.present()) {
                target->name = name.text;
            }
            if (display_order) {
                target->display_order = *display_order;
            }
        }
        named.emplace_back(i, projections::equality_key(target->name), target->id);
    }
    // Distinct names (Laravel's `distinct`, over the options as they will be): options the
    // body leaves alone come first, then the items in body order; an item whose name one of
    // those already holds is in error.
    std::vector<std::string> seen;
    for (std::size_t k = 0; k < first_new; ++k) {
        if (std::none_of(named.begin(), named.end(),
                         [&](const auto& n) { return std::get<2>(n) == out[k].id; })) {
            seen.push_back(projections::equality_key(out[k].name));
        }
    }
    for (const auto& [i, key, id] : named) {
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
            const std::string at = "options." + std::to_string(i) + ".name";
            errors.item = i;
            errors.add(at, "The " + at + " field has a duplicate value.");
        } else {
            seen.push_back(key);
        }
    }
    for (auto& [_, item_errors] : by_item) {
        for (auto& [key, message] : item_errors) {
            all_errors.add(key, std::move(message));
        }
    }
    return out;
}

}  // namespace

std::optional<CustomFieldType> type_of(const CustomFieldInput& input) {
    return input.field_type.is_string() ? parse_custom_field_type(input.field_type.text)
                                        : std::nullopt;
}

std::int64_t new_option_count(const CustomFieldInput& input, std::optional<CustomFieldType> type) {
    if (!type || !has_options(*type)) {
        return 0;
    }
    std::int64_t n = 0;
    for (const auto& item : input.option_items) {
        n += item && item->id.missing() ? 1 : 0;
    }
    return n;
}

Result<Events> decide(const projections::Views& views, const CreateCustomField& c) {
    if (auto denied = only_super_admins(c.by_super_admin)) {
        return *denied;
    }
    FieldErrorsBuilder errors;
    const auto& in = c.input;
    if (in.resource_name.missing()) {
        errors.add("resource_name", "The resource name field is required.");
    } else if (!in.resource_name.is_string() || in.resource_name.text != "deals") {
        errors.add("resource_name", "The selected resource name is invalid.");
    }
    static const std::regex kKey("^cf_[a-z0-9_]+$");
    if (in.field_id.missing()) {
        errors.add("field_id", "The field id field is required.");
    } else if (!in.field_id.is_string() || in.field_id.text.size() > kMaxFieldId ||
               !std::regex_match(in.field_id.text, kKey)) {
        errors.add("field_id", "The field id field format is invalid.");
    } else if (c.key_held_elsewhere || views.custom_field_by_key(in.field_id.text) != nullptr) {
        errors.add("field_id", "The field id has already been taken.");
    }
    if (in.label.missing()) {
        errors.add("label", "The label field is required.");
    } else if (!in.label.is_string()) {
        errors.add("label", "The label field must be a string.");
    } else if (projections::utf8_length(in.label.text) > kMaxString) {
        errors.add("label", "The label field must not be greater than 191 characters.");
    }
    std::optional<CustomFieldType> type;
    if (in.field_type.missing()) {
        errors.add("field_type", "The field type field is required.");
    } else if (!in.field_type.is_string() ||
               !(type = parse_custom_field_type(in.field_type.text))) {
        errors.add("field_type", "The selected field type is invalid.");
    }
    std::vector<CustomFieldOption> options;
    if (type && has_options(*type)) {
        options = option_items(errors, in, {}, c.first_option, true);
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return Events{CustomFieldCreated{c.id, in.resource_name.text, in.field_id.text, in.label.text,
                                     *type, std::move(options)}};
}

Result<Events> decide(const projections::Views& views, const UpdateCustomField& c) {
    if (auto denied = only_super_admins(c.by_super_admin)) {
        return *denied;
    }
    const auto* field = views.custom_field(c.id);
    if (field == nullptr) {
        return not_found("CustomField", c.id.str());
    }
    FieldErrorsBuilder errors;
    const auto& in = c.input;
    std::string label = field->label;
    if (in.label.present()) {
        if (in.label.is_null()) {
            errors.add("label", "The label field must have a value.");
        } else if (!in.label.is_string()) {
            errors.add("label", "The label field must be a string.");
        } else if (projections::utf8_length(in.label.text) > kMaxString) {
            errors.add("label", "The label field must not be greater than 191 characters.");
        } else {
            label = in.label.text;
        }
    }
    std::vector<CustomFieldOption> options = field->options;
    if (has_options(field->field_type)) {
        options = option_items(errors, in, field->options, c.first_option, false);
    }
    if (!errors.empty()) {
        return errors.error();
    }
    auto sorted = [](std::vector<CustomFieldOption> o) {
        std::sort(o.begin(), o.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        return o;
    };
    if (label == field->label && sorted(options) == sorted(field->options)) {
        return Events{};
    }
    return Events{CustomFieldUpdated{c.id, field->field_id, label, std::move(options)}};
}

Result<Events> decide(const projections::Views& views, const DeleteCustomField& c) {
    if (auto denied = only_super_admins(c.by_super_admin)) {
        return *denied;
    }
    const auto* field = views.custom_field(c.id);
    if (field == nullptr) {
        return not_found("CustomField", c.id.str());
    }
    return Events{CustomFieldDeleted{c.id, field->field_id}};
}

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
