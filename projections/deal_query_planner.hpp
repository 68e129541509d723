#pragma once

#include <optional>
#include <vector>

#include "projections/deal_order.hpp"
#include "projections/index_condition.hpp"
#include "projections/search.hpp"

namespace deals::projections {

class CustomFieldProjection;
class PipelineProjection;
class UserProjection;

/// A deal listing's question (contract §4): a search, the caller's visibility, an order.
struct DealQuery {
    std::optional<Search> search;    ///< conditions over `Views::deal_search_fields()`
    std::optional<UserId> owner;     ///< only this user's deals (`deals_scope: own`)
    std::vector<DealSortKey> order;  ///< empty: name ascending; ties always by id
};

/// The query planner: the deal index's conditions for `search`, one per search condition.
/// Relation names (`pipeline.name`, `stage.name`, `user.name`, a Select's option names) are
/// resolved to key sets on ids; texts become folded needles for the substring indexes; a
/// `like` on a number, which no index answers, becomes a scan. The fields of `search` are
/// `fields.deal_search_fields()`.
std::vector<IndexCondition> plan_conditions(const Search& search,
                                            const PipelineProjection& pipelines,
                                            const UserProjection& users,
                                            const CustomFieldProjection& fields);

}  // namespace deals::projections
