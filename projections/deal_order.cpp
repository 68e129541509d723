#include "projections/deal_order.hpp"

#include <array>
#include <utility>

namespace deals::projections {

namespace {

constexpr std::array<std::pair<std::string_view, DealSortField>, 16> kFields = {{
    {"id", DealSortField::kId},
    {"name", DealSortField::kName},
    {"amount", DealSortField::kAmount},
    {"expected_close_date", DealSortField::kExpectedCloseDate},
    {"status", DealSortField::kStatus},
    {"stage_id", DealSortField::kStageId},
    {"pipeline_id", DealSortField::kPipelineId},
    {"user_id", DealSortField::kUserId},
    {"created_at", DealSortField::kCreatedAt},
    {"updated_at", DealSortField::kUpdatedAt},
    {"won_date", DealSortField::kWonDate},
    {"lost_date", DealSortField::kLostDate},
    {"stage_changed_date", DealSortField::kStageChangedDate},
    {"owner_assigned_date", DealSortField::kOwnerAssignedDate},
    {"board_order", DealSortField::kBoardOrder},
    {"products_count", DealSortField::kProductsCount},
}};

}  // namespace

std::optional<DealSortField> parse_deal_sort_field(std::string_view name) {
    for (const auto& [text, field] : kFields) {
        if (text == name) {
            return field;
        }
    }
    return std::nullopt;
}

std::string_view deal_sort_fields() {
    return "id, name, amount, expected_close_date, status, stage_id, pipeline_id, user_id, "
           "created_at, updated_at, won_date, lost_date, stage_changed_date, "
           "owner_assigned_date, board_order, products_count";
}

}  // namespace deals::projections
