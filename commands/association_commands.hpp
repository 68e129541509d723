#pragma once

// Associations of a deal with contacts, companies and activities (contract §8): attach, sync,
// detach, and the same keys in create and update bodies.

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "commands/deal_commands.hpp"
#include "commands/input.hpp"

namespace deals::commands {

/// The association types of a deal, in the order they are listed.
inline constexpr std::array<const char*, 3> kAssociationTypes = {"contacts", "companies",
                                                                 "activities"};

enum class AssociationMode {
    kAttach,  ///< add the ids, keep the others (PUT; a create body)
    kSync,    ///< make the ids exactly these (POST; an update body)
    kDetach,  ///< remove the ids (DELETE)
};

/// One type's value in a request body: absent, not an array, or an array of items.
struct AssociationValue {
    bool present = false;
    bool is_null = false;
    bool is_array = false;
    std::vector<FieldValue> items;
};

/// An association request before validation.
struct AssociationInput {
    std::vector<std::string> unknown_keys;         ///< keys that are not association types
    std::array<AssociationValue, 3> types;         ///< by kAssociationTypes
};

/// A validated association request: the ids per type that take part (ascending, no repeats).
struct ChangeAssociations {
    AssociationMode mode = AssociationMode::kAttach;
    std::array<std::optional<std::vector<std::int64_t>>, 3> ids;
    /// One id of one type: an attach of an id already there is a 409.
    [[nodiscard]] bool single() const;
};

/// The 409 for an unknown key, the 422 when no type names an id (sync takes `[]`), the 422 per
/// item that is not a positive integer.
Result<ChangeAssociations> validate_associations(const AssociationInput& input,
                                                 AssociationMode mode);
/// The keys of a create (attach) or update (sync) body: only the types present, with the
/// same item validation; nothing when none is there. Errors are keyed `contacts.0`.
Result<std::optional<ChangeAssociations>> validate_body_associations(const AssociationInput& input,
                                                                     AssociationMode mode);

/// One AssociationsChanged when anything changes, nothing otherwise; the 409 of an attach of
/// one id already associated.
Result<Events> decide(const Deal& state, const ChangeAssociations& command);

}  // namespace deals::commands
