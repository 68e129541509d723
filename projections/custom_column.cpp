#include "projections/custom_column.hpp"

#include <type_traits>
#include <variant>

#include "projections/collation.hpp"

namespace deals::projections {

DealIndex::CustomColumn::CustomColumn(CustomFieldId field, CustomFieldType kind)
    : id(field), type(kind), tie(*this) {
    if (type == CustomFieldType::kText) {
        order.set_tie(&tie);
    }
}

bool DealIndex::CustomColumn::indexed(CustomFieldType type) {
    return type == CustomFieldType::kText || type == CustomFieldType::kNumeric ||
           type == CustomFieldType::kDate || type == CustomFieldType::kSelect;
}

std::string DealIndex::CustomColumn::present_key(std::string_view text) {
    return '\x01' + collation_key(text);
}

std::uint64_t DealIndex::CustomColumn::key(const CustomValue* value) const {
    if (value == nullptr) {
        return 0;
    }
    return std::visit(
        [this](const auto& v) -> std::uint64_t {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, Money>) {
                return index_key(v.thousandths);
            } else if constexpr (std::is_same_v<V, Date>) {
                return index_key(v.days);
            } else if constexpr (std::is_same_v<V, std::vector<std::int64_t>>) {
                return v.empty() ? 0 : index_key(v.front());
            } else if constexpr (std::is_same_v<V, std::string>) {
                return type == CustomFieldType::kText ? prefix_key(present_key(v)) : 0;
            } else {
                return 0;
            }
        },
        value->value);
}

void DealIndex::CustomColumn::enter(std::uint32_t slot, const CustomValue* value) {
    if (type == CustomFieldType::kText && value != nullptr) {
        const auto& t = std::get<std::string>(value->value);
        collation[slot] = present_key(t);
        auto& f = folded[slot] = fold(t);
        text.add(slot, f);
    }
}

void DealIndex::CustomColumn::leave(std::uint32_t slot) {
    if (auto it = folded.find(slot); it != folded.end()) {
        text.remove(slot, it->second);
        folded.erase(it);
    }
    collation.erase(slot);
}

}  // namespace deals::projections
