#pragma once

#include <string_view>

#include "commands/deal_commands.hpp"
#include "commands/input.hpp"
#include "projections/views.hpp"

namespace deals::commands {

/// Settings that change validation, as Concord's settings do.
struct ValidationSettings {
    bool lost_reason_required = true;  ///< Concord's `lost_reason_is_required`, on by default
};

/// Validates a create body against contract §5.1 and resolves names to ids. The errors are
/// the exact Laravel messages, in field order.
Result<CreateDeal> validate_create(const DealInput& input, const projections::Views& views,
                                   DealId new_id, const ValidationSettings& settings);

/// Validates an update body for `current` (filled rules, the stage/pipeline pairing, the lost
/// reason only when the deal becomes lost, amount ignored while the deal has product lines).
Result<UpdateDeal> validate_update(const DealInput& input, const Deal& current,
                                   const projections::Views& views,
                                   const ValidationSettings& settings);

/// Validates `PUT /api/deals/{id}/status/{status}`.
Result<ChangeStatus> validate_status_change(std::string_view status, const FieldValue& lost_reason,
                                            const ValidationSettings& settings);

}  // namespace deals::commands
