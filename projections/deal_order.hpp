#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "projections/deal.hpp"

namespace deals::projections {

/// A sortable deal field (contract §4.2).
enum class DealSortField {
    kId,
    kName,
    kAmount,
    kExpectedCloseDate,
    kStatus,
    kStageId,
    kPipelineId,
    kUserId,
    kCreatedAt,
    kUpdatedAt,
    kWonDate,
    kLostDate,
    kStageChangedDate,
    kOwnerAssignedDate,
    kBoardOrder,
    kProductsCount,
    kCustom  ///< a custom field (contract §12): Numeric, Date or Text; see `DealSortKey::custom`
};

std::optional<DealSortField> parse_deal_sort_field(std::string_view name);
/// The names `parse_deal_sort_field` accepts, comma-separated, for error messages.
std::string_view deal_sort_fields();

/// One sort key of `order`.
struct DealSortKey {
    DealSortField field = DealSortField::kName;
    bool descending = false;
    CustomFieldId custom{};  ///< the field, when `field` is kCustom
};

}  // namespace deals::projections
