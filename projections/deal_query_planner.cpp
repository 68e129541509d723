#include "projections/deal_query_planner.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "events/decimal.hpp"
#include "projections/collation.hpp"
#include "projections/custom_field_projection.hpp"
#include "projections/pipeline_projection.hpp"
#include "projections/user_projection.hpp"

namespace deals::projections {

namespace {

using Kind = IndexCondition::Kind;
using Text = IndexCondition::Text;

/// A deal status as Concord stores it (open 1, won 2, lost 3), and a searched value mapped
/// the same way (`won` → `2`, any case); other values stay as they are.
std::string status_number(DealStatus status) {
    return std::to_string(static_cast<int>(status) + 1);
}

std::string status_value(std::string_view value) {
    if (auto status = parse_deal_status(fold(value))) {
        return status_number(*status);
    }
    return std::string(value);
}

/// The values of a condition: its value, or its comma-separated values for `in`.
std::vector<std::string> searched_values(const SearchCondition& c) {
    return c.op == SearchOp::kIn ? in_values(c.value) : std::vector<std::string>{c.value};
}

/// Keys of an integer field (`id`, `stage_id`, …) equal to the condition's values.
std::vector<std::int64_t> integer_values(const SearchCondition& c) {
    std::vector<std::int64_t> out;
    for (const auto& v : searched_values(c)) {
        if (auto t = thousandths(v); t && *t % 1000 == 0) {
            out.push_back(*t / 1000);
        }
    }
    return out;
}

bool like(const SearchCondition& c) { return c.op == SearchOp::kLike; }

IndexCondition key_condition(DealSortField field, CustomFieldId custom = {}) {
    return IndexCondition{.kind = Kind::kKeys, .field = field, .custom = custom};
}

IndexCondition scan(std::function<bool(const Deal&)> test) {
    return IndexCondition{.kind = Kind::kScan, .test = std::move(test)};
}

/// An integer field: ids by equality, or their text by `like`.
template <class ValueOf>
IndexCondition integer_field(const SearchCondition& c, DealSortField field, ValueOf value_of) {
    if (like(c)) {
        return scan([value = c.value, value_of](const Deal& d) {
            const auto v = value_of(d);
            return v && std::to_string(*v).find(value) != std::string::npos;
        });
    }
    IndexCondition ic = key_condition(field);
    for (const auto v : integer_values(c)) {
        ic.keys.push_back(index_key(v));
    }
    return ic;
}

/// A decimal field (`amount`, a Numeric custom field): values by equality, or by `like` the
/// stored DECIMAL(15,3) text, which no index holds (rare, so a scan).
template <class MoneyOf>
IndexCondition decimal_field(const SearchCondition& c, DealSortField field, CustomFieldId custom,
                             MoneyOf money_of) {
    if (like(c)) {
        return scan([value = c.value, money_of](const Deal& d) {
            const Money* m = money_of(d);
            return m && Decimal::from_money(*m).fixed(3).find(value) != std::string::npos;
        });
    }
    IndexCondition ic = key_condition(field, custom);
    for (const auto& v : searched_values(c)) {
        if (auto t = thousandths(v)) {
            ic.keys.push_back(index_key(*t));
        }
    }
    return ic;
}

/// The deal id: slots by equality (the slot is the id), or the id's text by `like`.
IndexCondition id_field(const SearchCondition& c) {
    if (like(c)) {
        return integer_field(c, DealSortField::kId,
                             [](const Deal& d) { return std::optional(d.id.value); });
    }
    IndexCondition ic{.kind = Kind::kSlots};
    for (const auto v : integer_values(c)) {
        if (v > 0 && v <= std::numeric_limits<std::uint32_t>::max()) {
            ic.slots.push_back(static_cast<std::uint32_t>(v));
        }
    }
    return ic;
}

/// A text: a folded needle for `like`, or the equality keys of the values.
IndexCondition text_field(const SearchCondition& c, Text text, CustomFieldId custom = {}) {
    IndexCondition ic{.custom = custom, .text = text};
    if (like(c)) {
        ic.kind = Kind::kContains;
        ic.needles = {fold(c.value)};
        return ic;
    }
    ic.kind = Kind::kEquals;
    for (const auto& v : searched_values(c)) {
        ic.needles.push_back(equality_key(v));
    }
    return ic;
}

/// A relation's name (pipeline, stage, owner): the ids whose name matches.
template <class Entity>
IndexCondition by_name(const SearchCondition& c, DealSortField field,
                       const std::vector<const Entity*>& entities) {
    IndexCondition ic = key_condition(field);
    for (const Entity* entity : entities) {
        if (value_matches(c.op, c.value, entity->name, std::nullopt)) {
            ic.keys.push_back(index_key(entity->id.value));
        }
    }
    return ic;
}

/// The status, searched by Concord's numbers or by name.
IndexCondition status_field(const SearchCondition& c) {
    IndexCondition ic = key_condition(DealSortField::kStatus);
    for (const auto status : {DealStatus::kOpen, DealStatus::kWon, DealStatus::kLost}) {
        const std::string number = status_number(status);
        bool match = false;
        for (const auto& v : searched_values(c)) {
            const std::string wanted = status_value(v);
            match = match || (like(c) ? number.find(wanted) != std::string::npos
                                      : thousandths(wanted) == thousandths(number));
        }
        if (match) {
            ic.keys.push_back(index_key(static_cast<std::int64_t>(status)));
        }
    }
    return ic;
}

IndexCondition custom_field(const SearchCondition& c, const CustomField& field) {
    switch (field.field_type) {
        case CustomFieldType::kText:
            return text_field(c, Text::kCustom, field.id);
        case CustomFieldType::kNumeric:
            return decimal_field(c, DealSortField::kCustom, field.id,
                                 [id = field.id](const Deal& d) -> const Money* {
                                     const auto* v = d.custom_fields.find(id);
                                     return v ? std::get_if<Money>(&v->value) : nullptr;
                                 });
        case CustomFieldType::kSelect: {
            // The option's name, through the relation (reference §3.4).
            IndexCondition ic = key_condition(DealSortField::kCustom, field.id);
            for (const auto& o : field.options) {
                if (value_matches(c.op, c.value, o.name, std::nullopt)) {
                    ic.keys.push_back(index_key(o.id));
                }
            }
            return ic;
        }
        default:
            return {};  // not searchable: parse_search never names it
    }
}

IndexCondition condition(const SearchCondition& c, std::string_view name,
                         const PipelineProjection& pipelines, const UserProjection& users,
                         const CustomFieldProjection& fields) {
    using F = DealSortField;
    if (name == "id") {
        return id_field(c);
    }
    if (name == "name") {
        return text_field(c, Text::kName);
    }
    if (name == "pipeline.name") {
        return by_name(c, F::kPipelineId, pipelines.pipelines());
    }
    if (name == "pipeline_id") {
        return integer_field(c, F::kPipelineId,
                             [](const Deal& d) { return std::optional(d.pipeline_id.value); });
    }
    if (name == "stage.name") {
        return by_name(c, F::kStageId, pipelines.stages());
    }
    if (name == "stage_id") {
        return integer_field(c, F::kStageId,
                             [](const Deal& d) { return std::optional(d.stage_id.value); });
    }
    if (name == "amount") {
        return decimal_field(c, F::kAmount, {},
                             [](const Deal& d) { return d.amount ? &*d.amount : nullptr; });
    }
    if (name == "status") {
        return status_field(c);
    }
    if (name == "lost_reason") {
        return text_field(c, Text::kLostReason);
    }
    if (name == "user.name") {
        return by_name(c, F::kUserId, users.users());
    }
    if (name == "user_id") {
        return integer_field(c, F::kUserId, [](const Deal& d) {
            return d.user_id ? std::optional(d.user_id->value) : std::nullopt;
        });
    }
    if (const CustomField* field = fields.custom_field_by_key(name)) {
        return custom_field(c, *field);
    }
    return {};
}

}  // namespace

std::vector<IndexCondition> plan_conditions(const Search& search,
                                            const PipelineProjection& pipelines,
                                            const UserProjection& users,
                                            const CustomFieldProjection& fields) {
    std::vector<IndexCondition> out;
    for (const auto& c : search.conditions) {
        const std::string_view name = fields.deal_search_fields()[c.field].name;
        IndexCondition ic = condition(c, name, pipelines, users, fields);
        std::sort(ic.keys.begin(), ic.keys.end());
        ic.keys.erase(std::unique(ic.keys.begin(), ic.keys.end()), ic.keys.end());
        if (ic.kind == Kind::kKeys && ic.keys.empty()) {
            ic.kind = Kind::kNothing;
        }
        out.push_back(std::move(ic));
    }
    return out;
}

}  // namespace deals::projections
