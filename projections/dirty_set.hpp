#pragma once

#include <unordered_set>

#include "events/custom_field_events.hpp"
#include "events/ids.hpp"

namespace deals::projections {

using namespace deals::events;  // NOLINT: the projections speak the events' vocabulary

/// Keys of the views changed since the last `Views::take_dirty()`, for persistence. An id whose
/// view no longer exists (a purged deal) means "delete it".
struct DirtySet {
    std::unordered_set<DealId> deals;
    std::unordered_set<PipelineId> pipelines;
    std::unordered_set<StageId> stages;
    std::unordered_set<UserId> users;
    std::unordered_set<TokenId> tokens;
    std::unordered_set<ProductId> products;
    std::unordered_set<CustomFieldId> custom_fields;
    [[nodiscard]] bool empty() const {
        return deals.empty() && pipelines.empty() && stages.empty() && users.empty() &&
               tokens.empty() && products.empty() && custom_fields.empty();
    }
    /// Adds the keys of `other` (what a failed persistence took, put back).
    void merge(const DirtySet& other) {
        deals.insert(other.deals.begin(), other.deals.end());
        pipelines.insert(other.pipelines.begin(), other.pipelines.end());
        stages.insert(other.stages.begin(), other.stages.end());
        users.insert(other.users.begin(), other.users.end());
        tokens.insert(other.tokens.begin(), other.tokens.end());
        products.insert(other.products.begin(), other.products.end());
        custom_fields.insert(other.custom_fields.begin(), other.custom_fields.end());
    }
};

}  // namespace deals::projections
