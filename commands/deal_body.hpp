#pragma once

// The composite writes of a deal body (`POST /api/deals`, `PUT /api/deals/{id}`, contract
// §5.1): the deal's own keys and custom fields, its associations and its embedded billable,
// validated together (errors in the contract's field order) and written as one command.

#include <functional>
#include <optional>

#include "commands/association_commands.hpp"
#include "commands/billable_commands.hpp"
#include "commands/deal_change.hpp"
#include "commands/deal_validation.hpp"
#include "events/id_source.hpp"

namespace deals::commands {

/// A deal body as parsed: every key it may hold.
struct DealBody {
    DealInput deal;
    AssociationInput associations;
    /// What the body's `billable` is: nothing to save (absent, null, "", [] or {}), an object
    /// to save, or a value of another kind (a 422 on `billable`).
    enum class Billable { kNone, kObject, kWrongType };
    Billable billable_kind = Billable::kNone;
    BillableInput billable;
    /// `billable.products` is a non-empty array: a create saves the billable only then.
    bool billable_has_lines = false;
};

/// What a deal body's command needs besides the body.
struct DealBodyContext {
    const ValidationSettings& settings;
    IdSource& ids;
    std::function<Timestamp()> clock;
    std::optional<UserId> actor;  ///< `created_by` of catalog products a line creates
};

/// Creates a deal with its associations, billable and custom fields, in one batch. The deal
/// id is taken only once the whole body is valid; `created` receives it.
Decide create_deal(DealBody body, DealBodyContext context, DealId& created);

/// Updates a deal from a body (associations synced, billable saved); run by change_deal.
DealDecide update_deal(DealBody body, DealBodyContext context);

/// Saves a deal's billable (`POST /api/deals/{id}/billable`); run by change_deal. `created`
/// says whether the deal had no billable before.
DealDecide save_billable(SaveBillable command, DealBodyContext context, bool& created);

/// Field errors of `b` after those of `a`, keys of `b` prefixed (`billable.products.0.qty`).
Error merge_validation(const Error* a, const Error* b, const std::string& prefix);

}  // namespace deals::commands
