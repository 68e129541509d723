#pragma once

// Custom fields (contract §12): their definitions, and their values on a deal's create or
// update.

#include <optional>
#include <vector>

#include "commands/deal_commands.hpp"
#include "commands/error.hpp"
#include "commands/executor.hpp"
#include "commands/input.hpp"
#include "projections/views.hpp"

namespace deals::commands {

/// An option in a definition body, before validation (`id` to rename an existing one).
struct OptionInput {
    FieldValue id;
    FieldValue name;
    FieldValue display_order;
};

/// A definition body, before validation. `option_items` are the items of `options` when it is
/// an array (nullopt for an item that is not an object).
struct CustomFieldInput {
    FieldValue resource_name;
    FieldValue field_id;
    FieldValue label;
    FieldValue field_type;
    FieldValue options;
    std::vector<std::optional<OptionInput>> option_items;
};

/// `POST /api/custom-fields`: new options take the ids `first_option`, `first_option + 1`, …
/// in body order. Ids are inputs.
struct CreateCustomField {
    CustomFieldId id;
    std::int64_t first_option = 0;
    CustomFieldInput input;
    bool by_super_admin = false;
    bool key_held_elsewhere = false;  ///< another request is creating a field with this key
};

/// `PUT /api/custom-fields/{id}`: `label`, and `options` items (with the `id` of one of its
/// options: a rename; without: a new option). Options are never removed; the key, type and
/// resource never change.
struct UpdateCustomField {
    CustomFieldId id;
    std::int64_t first_option = 0;
    CustomFieldInput input;
    bool by_super_admin = false;
};

/// `DELETE /api/custom-fields/{id}`.
struct DeleteCustomField {
    CustomFieldId id;
    bool by_super_admin = false;
};

/// How many options a body may create for a field of `type`: ids are reserved for them before
/// deciding (none for a type without options, whose `options` are ignored).
std::int64_t new_option_count(const CustomFieldInput& input, std::optional<CustomFieldType> type);
/// The type a create body names, if it names one.
std::optional<CustomFieldType> type_of(const CustomFieldInput& input);

/// Not a super-admin: 403; unknown id: 404; field errors: 422 with Laravel's messages. Each
/// answers the events of one append to `custom-field-<id>`; an update that changes nothing
/// answers none.
Result<Events> decide(const projections::Views& views, const CreateCustomField& command);
Result<Events> decide(const projections::Views& views, const UpdateCustomField& command);
Result<Events> decide(const projections::Views& views, const DeleteCustomField& command);

/// The command that decides with `decide` on field `id`, expecting its stream at the version
/// the views have applied (none: the field is new).
Decide custom_field_command(CustomFieldId id,
                            std::function<Result<Events>(const projections::Views&)> decide);

/// Validates the `cf_…` keys of a deal body against the live fields, in field id order (keys
/// of no live field are ignored, as any unknown key), adding errors under each key with the
/// field's label. Returns the values given, for CreateDeal / UpdateDeal.
std::vector<CustomFieldAssignment> validate_custom_values(
    const std::vector<CustomValueInput>& input, const projections::Views& views,
    FieldErrorsBuilder& errors);

}  // namespace deals::commands
