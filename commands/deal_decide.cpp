#include "commands/deal_commands.hpp"

namespace deals::commands {

namespace {

constexpr std::string_view kModel = "Deal";

template <class T>
void note_change(std::optional<Change<T>>& slot, const T& old_value,
                 const std::optional<T>& requested) {
    if (requested && *requested != old_value) {
        slot = Change<T>{old_value, *requested};
    }
}

bool locked(DealStatus current, DealStatus requested) {
    return current != DealStatus::kOpen && requested != DealStatus::kOpen && requested != current;
}

std::optional<StatusChanged> status_change(const Deal& state, DealStatus to,
                                           const std::optional<std::string>& lost_reason) {
    if (to == state.status) {
        return std::nullopt;
    }
    StatusChanged e{state.id, state.status, to, std::nullopt};
    if (to == DealStatus::kLost) {
        e.lost_reason = lost_reason;
    }
    return e;
}

/// The custom field values that `assignments` change on `state` (none when it does not exist).
std::optional<CustomFieldValuesChanged> custom_changes(
    DealId id, const CustomFieldValues* state,
    const std::vector<CustomFieldAssignment>& assignments) {
    CustomFieldValuesChanged e{id, {}};
    for (const auto& a : assignments) {
        const CustomValue* old = state != nullptr ? state->find(a.id) : nullptr;
        const bool same = old == nullptr ? !a.value : (a.value && *a.value == *old);
        if (!same) {
            e.changes.push_back(CustomFieldChange{
                a.id, a.field_id, a.type, old ? std::optional(*old) : std::nullopt, a.value});
        }
    }
    if (e.changes.empty()) {
        return std::nullopt;
    }
    return e;
}

}  // namespace

Error status_locked(DealStatus requested) {
    return conflict("The deal first must be marked as open in order to apply the \"" +
                    std::string(to_string(requested)) + "\" status.");
}

Result<Events> decide(const Deal* state, const CreateDeal& c) {
    if (state != nullptr) {
        return conflict("Deal " + c.id.str() + " already exists.");
    }
    DealCreated e{c.id,          c.name,
                  c.pipeline_id, c.stage_id,
                  c.amount,      c.expected_close_date,
                  c.status,      c.status == DealStatus::kLost ? c.lost_reason : std::nullopt,
                  c.user_id,     c.swatch_color};
    Events events{std::move(e)};
    if (auto values = custom_changes(c.id, nullptr, c.custom_fields)) {
        events.emplace_back(std::move(*values));
    }
    return events;
}

Result<Events> decide(const Deal& state, const UpdateDeal& c) {
    if (state.trashed()) {
        return not_found(kModel, state.id.str());
    }
    if (c.status && locked(state.status, *c.status)) {
        return status_locked(*c.status);
    }
    Events events;
    DealUpdated updated{state.id};
    note_change(updated.name, state.name, c.name);
    note_change(updated.amount, state.amount, c.amount);
    note_change(updated.expected_close_date, state.expected_close_date, c.expected_close_date);
    note_change(updated.swatch_color, state.swatch_color, c.swatch_color);
    // The reason of a lost deal is editable while it stays lost; otherwise it follows status.
    const bool stays_lost =
        state.status == DealStatus::kLost && (!c.status || *c.status == DealStatus::kLost);
    if (stays_lost) {
        note_change(updated.lost_reason, state.lost_reason, c.lost_reason);
    }
    if (!(updated == DealUpdated{state.id})) {
        events.emplace_back(std::move(updated));
    }
    if (c.stage && c.stage->stage_id != state.stage_id) {
        events.emplace_back(StageChanged{state.id, state.stage_id, c.stage->stage_id,
                                         state.pipeline_id, c.stage->pipeline_id});
    }
    if (c.user_id && *c.user_id != state.user_id) {
        events.emplace_back(OwnerAssigned{state.id, state.user_id, *c.user_id});
    }
    if (c.status) {
        if (auto e =
                status_change(state, *c.status, c.lost_reason ? *c.lost_reason : std::nullopt)) {
            events.emplace_back(std::move(*e));
        }
    }
    if (auto values = custom_changes(state.id, &state.custom_fields, c.custom_fields)) {
        events.emplace_back(std::move(*values));
    }
    return events;
}

Result<Events> decide(const Deal& state, const ChangeStatus& c) {
    if (state.trashed()) {
        return not_found(kModel, state.id.str());
    }
    if (locked(state.status, c.status)) {
        return status_locked(c.status);
    }
    Events events;
    if (auto e = status_change(state, c.status, c.lost_reason)) {
        events.emplace_back(std::move(*e));
    }
    return events;
}

Result<Events> decide(const Deal& state, const TrashDeal&) {
    if (state.trashed()) {
        return not_found(kModel, state.id.str());
    }
    return Events{DealTrashed{state.id}};
}

Result<Events> decide(const Deal& state, const RestoreDeal&) {
    if (!state.trashed()) {
        return not_found(kModel, state.id.str());
    }
    return Events{DealRestored{state.id}};
}

Result<Events> decide(const Deal& state, const PurgeDeal&) {
    if (!state.trashed()) {
        return not_found(kModel, state.id.str());
    }
    return Events{DealPurged{state.id}};
}

}  // namespace deals::commands
