#include "commands/custom_field_commands.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "projections/collation.hpp"
#include "projections/search.hpp"

namespace deals::commands {

namespace {

constexpr std::size_t kMaxString = 191;
constexpr std::size_t kMaxFieldId = 64;

/// The errors of the option items, kept per item: Laravel checks `options.*.…` item by item,
/// so errors come in item order.
class OptionErrors {
public:
    std::size_t item = 0;  ///< the item the next errors are about

    void add(const std::string& key, std::string message) {
        by_item_[item].emplace_back(key, std::move(message));
    }

    /// Adds every error, in item order, to `all`.
    void move_to(FieldErrorsBuilder& all) {
        for (auto& [_, item_errors] : by_item_) {
            for (auto& [key, message] : item_errors) {
                all.add(key, std::move(message));
            }
        }
    }

private:
    std::map<std::size_t, std::vector<std::pair<std::string, std::string>>> by_item_;
};

/// An option item as checked: the existing option it changes (its index; none: a new option)
/// and the display order it gives.
struct CheckedOption {
    std::optional<std::size_t> target;
    std::optional<std::int64_t> display_order;
};

/// The existing option an item's `id` names, among the first `count` of `options`.
std::optional<std::size_t> option_named_by(const FieldValue& id,
                                           const std::vector<CustomFieldOption>& options,
                                           std::size_t count) {
    std::optional<std::size_t> found;
    for (std::size_t k = 0; k < count; ++k) {
        if ((id.is_number() || id.is_string()) && is_integer_text(id.text) &&
            options[k].id == std::stoll(id.text)) {
            found = k;
        }
    }
    return found;
}

/// What is wrong with an item's name, if anything (`at`: the item's key); a new option needs
/// one.
std::optional<std::string> option_name_error(const FieldValue& name, bool new_option,
                                             const std::string& at) {
    if (name.missing() && new_option) {
        return "The " + at + ".name field is required.";
    }
    if (name.present() && name.missing()) {
        return "The " + at + ".name field is required.";
    }
    if (name.present() && !name.is_string()) {
        return "The " + at + ".name field must be a string.";
    }
    if (name.present() && projections::utf8_length(name.text) > kMaxString) {
        return "The " + at + ".name field must not be greater than 191 characters.";
    }
    return std::nullopt;
}

/// Checks one option item against the first `existing` of `options` (`at`: its key); nothing,
/// with its first error added, when it is invalid.
std::optional<CheckedOption> check_option_item(const OptionInput& item, const std::string& at,
                                               const std::vector<CustomFieldOption>& options,
                                               std::size_t existing, OptionErrors& errors) {
    CheckedOption checked;
    if (!item.id.missing()) {
        checked.target = option_named_by(item.id, options, existing);
        if (!checked.target) {
            errors.add(at + ".id", "The selected " + at + ".id is invalid.");
            return std::nullopt;
        }
    }
    if (auto error = option_name_error(item.name, !checked.target, at)) {
        errors.add(at + ".name", std::move(*error));
        return std::nullopt;
    }
    if (!item.display_order.missing()) {
        const auto& d = item.display_order;
        if (!(d.is_number() || d.is_string()) || !is_integer_text(d.text)) {
            errors.add(at + ".display_order",
                       "The " + at + ".display_order field must be an integer.");
            return std::nullopt;
        }
        checked.display_order = std::stoll(d.text);
    }
    return checked;
}

/// An option item's name as it will be: the item's index, the name's equality key, the id.
struct NamedOption {
    std::size_t item;
    std::string key;
    std::int64_t id;
};

/// Distinct names (Laravel's `distinct`, over the options as they will be): options the body
/// leaves alone come first, then the items in body order; an item whose name one of those
/// already holds is in error.
void check_distinct_names(const std::vector<CustomFieldOption>& options, std::size_t existing,
                          const std::vector<NamedOption>& named, OptionErrors& errors) {
    std::vector<std::string> seen;
    for (std::size_t k = 0; k < existing; ++k) {
        if (std::none_of(named.begin(), named.end(),
                         [&](const NamedOption& n) { return n.id == options[k].id; })) {
            seen.push_back(projections::equality_key(options[k].name));
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
    OptionErrors errors;
    std::int64_t order = 0;
    for (const auto& o : existing) {
        order = std::max(order, o.display_order);
    }
    const std::size_t first_new = existing.size();
    std::vector<CustomFieldOption> out = std::move(existing);
    std::vector<NamedOption> named;
    for (std::size_t i = 0; i < in.option_items.size(); ++i) {
        errors.item = i;
        const std::string at = "options." + std::to_string(i);
        if (!in.option_items[i]) {
            errors.add(at, "The " + at + " field must be an array.");
            continue;
        }
        const OptionInput& item = *in.option_items[i];
        const auto checked = check_option_item(item, at, out, first_new, errors);
        if (!checked) {
            continue;
        }
        CustomFieldOption* target = checked->target ? &out[*checked->target] : nullptr;
        if (target == nullptr) {
            out.push_back(CustomFieldOption{next_id++, item.name.text, 0});
            target = &out.back();
            target->display_order = checked->display_order.value_or(++order);
        } else {
            if (item.name.present()) {
                target->name = item.name.text;
            }
            if (checked->display_order) {
                target->display_order = *checked->display_order;
            }
        }
        named.push_back({i, projections::equality_key(target->name), target->id});
    }
    check_distinct_names(out, first_new, named, errors);
    errors.move_to(all_errors);
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

Decide custom_field_command(CustomFieldId id,
                            std::function<Result<Events>(const projections::Views&)> decide) {
    return on_views(
        [id, decide = std::move(decide)](const projections::Views& views) -> Result<Decision> {
            auto events = decide(views);
            if (!events) {
                return events.error();
            }
            const auto* f = views.custom_field(id);
            return Decision::of(
                "custom field", custom_field_stream(id),
                f != nullptr ? ExpectedVersion::exactly(f->version) : ExpectedVersion::no_stream(),
                std::move(*events));
        });
}

}  // namespace deals::commands
