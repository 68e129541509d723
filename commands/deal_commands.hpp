#pragma once

#include <optional>
#include <string>
#include <vector>

#include "commands/error.hpp"
#include "projections/deal.hpp"

namespace deals::commands {

using namespace deals::events;  // NOLINT
using projections::Deal;

/// A custom field's value as validated: the field, and the value (none: cleared).
struct CustomFieldAssignment {
    CustomFieldId id;
    std::string field_id;
    CustomFieldType type = CustomFieldType::kText;
    std::optional<CustomValue> value;
};

/// Create a deal. Every reference is already resolved and valid (see deal_validation.hpp);
/// the new id is an input, allocated by the caller.
struct CreateDeal {
    DealId id;
    std::string name;
    PipelineId pipeline_id;
    StageId stage_id;
    std::optional<Money> amount;
    std::optional<Date> expected_close_date;
    DealStatus status = DealStatus::kOpen;
    std::optional<std::string> lost_reason;
    std::optional<UserId> user_id;
    std::optional<std::string> swatch_color;
    std::vector<CustomFieldAssignment> custom_fields;  ///< ascending by field id
};

/// Where a deal should be: a stage and the pipeline that owns it.
struct StagePlacement {
    StageId stage_id;
    PipelineId pipeline_id;
};

/// Change some fields of a deal; an empty optional leaves the field alone, an engaged one
/// holding nullopt clears it.
struct UpdateDeal {
    std::optional<std::string> name;
    std::optional<StagePlacement> stage;
    std::optional<std::optional<Money>> amount;
    std::optional<std::optional<Date>> expected_close_date;
    std::optional<DealStatus> status;
    std::optional<std::optional<std::string>> lost_reason;
    std::optional<std::optional<UserId>> user_id;
    std::optional<std::optional<std::string>> swatch_color;
    std::vector<CustomFieldAssignment> custom_fields;  ///< the ones given, ascending by field id
};

/// Set the status (the `/status/{status}` route): the reason is used when it becomes lost.
struct ChangeStatus {
    DealStatus status = DealStatus::kOpen;
    std::optional<std::string> lost_reason;
};

struct TrashDeal {};
struct RestoreDeal {};
struct PurgeDeal {};

using Events = std::vector<Event>;

/// Each decide is pure: the same state and command give the same events or error. An empty
/// event list means "nothing to change" and is not an error.
Result<Events> decide(const Deal* state, const CreateDeal& command);
Result<Events> decide(const Deal& state, const UpdateDeal& command);
Result<Events> decide(const Deal& state, const ChangeStatus& command);
Result<Events> decide(const Deal& state, const TrashDeal& command);
Result<Events> decide(const Deal& state, const RestoreDeal& command);
Result<Events> decide(const Deal& state, const PurgeDeal& command);

/// The 409 of the lock rule (contract §6).
Error status_locked(DealStatus requested);

}  // namespace deals::commands
