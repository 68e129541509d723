#include "projections/deal_order.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <utility>

#include "projections/collation.hpp"

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

/// -1, 0 or 1; a missing value comes first.
template <class T>
int compare_values(const std::optional<T>& a, const std::optional<T>& b) {
    if (!a || !b) {
        return a ? 1 : (b ? -1 : 0);
    }
    return *a < *b ? -1 : (*b < *a ? 1 : 0);
}

template <class T>
int compare_values(const T& a, const T& b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

int compare_field(const Deal& a, const Deal& b, DealSortField field,
                  const std::unordered_map<const Deal*, std::string>& names) {
    switch (field) {
        case DealSortField::kId:
            return compare_values(a.id.value, b.id.value);
        case DealSortField::kName:
            return compare_values(names.at(&a), names.at(&b));
        case DealSortField::kAmount:
            return compare_values(a.amount, b.amount);
        case DealSortField::kExpectedCloseDate:
            return compare_values(a.expected_close_date, b.expected_close_date);
        case DealSortField::kStatus:
            return compare_values(static_cast<int>(a.status), static_cast<int>(b.status));
        case DealSortField::kStageId:
            return compare_values(a.stage_id.value, b.stage_id.value);
        case DealSortField::kPipelineId:
            return compare_values(a.pipeline_id.value, b.pipeline_id.value);
        case DealSortField::kUserId:
            return compare_values(a.user_id, b.user_id);
        case DealSortField::kCreatedAt:
            return compare_values(a.created_at, b.created_at);
        case DealSortField::kUpdatedAt:
            return compare_values(a.updated_at, b.updated_at);
        case DealSortField::kWonDate:
            return compare_values(a.won_date, b.won_date);
        case DealSortField::kLostDate:
            return compare_values(a.lost_date, b.lost_date);
        case DealSortField::kStageChangedDate:
            return compare_values(a.stage_changed_date, b.stage_changed_date);
        case DealSortField::kOwnerAssignedDate:
            return compare_values(a.owner_assigned_date, b.owner_assigned_date);
        case DealSortField::kBoardOrder:
            return compare_values(a.board_order, b.board_order);
        case DealSortField::kProductsCount:
            return compare_values(a.products_count, b.products_count);
    }
    return 0;
}

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

void sort_deals(std::vector<const Deal*>& deals, const std::vector<DealSortKey>& keys) {
    std::unordered_map<const Deal*, std::string> names;
    if (std::any_of(keys.begin(), keys.end(),
                    [](const auto& k) { return k.field == DealSortField::kName; })) {
        names.reserve(deals.size());
        for (const Deal* d : deals) {
            names.emplace(d, collation_key(d->name));
        }
    }
    std::sort(deals.begin(), deals.end(), [&](const Deal* a, const Deal* b) {
        for (const auto& key : keys) {
            const int c = compare_field(*a, *b, key.field, names);
            if (c != 0) {
                return key.descending ? c > 0 : c < 0;
            }
        }
        return a->id.value < b->id.value;
    });
}

}  // namespace deals::projections
