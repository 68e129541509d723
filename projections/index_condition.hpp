#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "projections/deal.hpp"
#include "projections/deal_order.hpp"
#include "projections/slot_set.hpp"

namespace deals::projections {

/// An integer's key in the deal indexes: order-preserving as an unsigned number (the sign bit
/// flipped). A missing value has key 0, the lowest.
constexpr std::uint64_t index_key(std::int64_t value) {
    return static_cast<std::uint64_t>(value) ^ (std::uint64_t{1} << 63);
}

/// What one search condition asks of the deal index, once names have been resolved to ids:
/// the query planner's output (deal_query_planner.hpp), the query execution's input
/// (`DealIndex::find`).
struct IndexCondition {
    enum class Kind {
        kNothing,   ///< matches no deal
        kSlots,     ///< these ids
        kKeys,      ///< `field` holds one of `keys` (encoded as `DealIndex::key_of`)
        kContains,  ///< the text contains `needles[0]` (folded)
        kEquals,    ///< the text equals one of `needles` (see `equality_key`)
        kScan,      ///< `test` says so: a walk over every deal, for rare operator choices
    };
    enum class Text { kName, kLostReason, kCustom };

    Kind kind = Kind::kNothing;
    DealSortField field = DealSortField::kId;
    CustomFieldId custom{};           ///< the custom field, for `field` kCustom or `text` kCustom
    std::vector<std::uint64_t> keys;  ///< distinct
    Text text = Text::kName;
    std::vector<std::string> needles;
    Slots slots;
    std::function<bool(const Deal&)> test;
};

}  // namespace deals::projections
