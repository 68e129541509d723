#pragma once

// Commands on one deal as the executor runs them: find the deal the caller names, check
// If-Match, decide, and write the deal's events with the catalog products they link to.

#include <functional>
#include <optional>
#include <string>

#include "commands/deal_commands.hpp"
#include "commands/executor.hpp"
#include "projections/directory.hpp"
#include "projections/views.hpp"

namespace deals::commands {

/// The deal a request names: the path's id, where it must be (live or in the trash), who asks,
/// and the version `If-Match` names (when the request has one).
struct DealTarget {
    std::string id;
    projections::Trash place = projections::Trash::kLive;
    const projections::User* caller = nullptr;
    std::optional<StreamVersion> if_match;
};

/// The deal `target` names, when the caller may see it there; otherwise the 404 of contract
/// §1.1 (a missing, trashed or invisible deal alike).
Result<const Deal*> find_deal(const projections::Views& views, const DealTarget& target);

/// What a command decided for a deal: the deal's events, and the catalog events they need
/// first (products a billable line creates or restores).
struct DealChange {
    Events deal;
    Events catalog;
};

/// Decides a change to `deal` (its current state) with the views as they are.
using DealDecide =
    std::function<Result<DealChange>(const projections::Views& views, const Deal& deal)>;

/// The command that finds the target, checks If-Match (412) and decides; `changed` receives
/// the deal's id once found.
Decide change_deal(DealTarget target, DealDecide decide, DealId& changed);

/// A DealDecide from a decision of the deal's events alone.
DealDecide deal_events_only(std::function<Result<Events>(const Deal&)> decide);

/// The decision that writes `change` for deal `id`: the catalog's streams first (a product
/// created expects a new stream), then the deal's, at `version` (none: a new deal).
Decision deal_decision(DealId id, std::optional<StreamVersion> version, DealChange change);

}  // namespace deals::commands
