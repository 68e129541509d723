#include "projections/deal_index.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <utility>

#include "projections/collation.hpp"
#include "projections/custom_column.hpp"

namespace deals::projections {

namespace {

constexpr std::size_t kFields = 16;

std::size_t at(DealSortField field) { return static_cast<std::size_t>(field); }

template <class T>
std::uint64_t opt_key(const std::optional<T>& v, auto&& value_of) {
    return v ? DealIndex::encode(value_of(*v)) : 0;
}

}  // namespace

int DealIndex::NameTie::compare(std::uint32_t a, std::uint32_t b) const {
    const NameTexts::Text* x = index_.name_text_[a];
    const NameTexts::Text* y = index_.name_text_[b];
    return x == y ? 0 : x->key().compare(y->key());
}

DealIndex::DealIndex() : name_tie_(*this) { orders_[at(DealSortField::kName)].set_tie(&name_tie_); }

DealIndex::~DealIndex() = default;

DealIndex::DealIndex(DealIndex&& other) noexcept : name_tie_(*this) { *this = std::move(other); }

DealIndex& DealIndex::operator=(DealIndex&& other) noexcept {
    orders_ = std::move(other.orders_);
    orders_[at(DealSortField::kName)].set_tie(&name_tie_);
    deals_ = std::move(other.deals_);
    name_texts_ = std::move(other.name_texts_);
    name_text_ = std::move(other.name_text_);
    lost_folded_ = std::move(other.lost_folded_);
    names_ = std::move(other.names_);
    lost_reasons_ = std::move(other.lost_reasons_);
    count_ = std::exchange(other.count_, 0);
    pending_ = std::move(other.pending_);
    sealed_ = std::exchange(other.sealed_, true);
    custom_ = std::move(other.custom_);
    return *this;
}

std::uint64_t DealIndex::key_of(DealSortField field, const Deal& d) {
    switch (field) {
        case DealSortField::kId:
            return encode(d.id.value);
        case DealSortField::kName:
            return 0;  // the collation key's prefix, kept by the index
        case DealSortField::kAmount:
            return opt_key(d.amount, [](const Money& m) { return m.thousandths; });
        case DealSortField::kExpectedCloseDate:
            return opt_key(d.expected_close_date,
                           [](const Date& v) { return std::int64_t{v.days}; });
        case DealSortField::kStatus:
            return encode(static_cast<std::int64_t>(d.status));
        case DealSortField::kStageId:
            return encode(d.stage_id.value);
        case DealSortField::kPipelineId:
            return encode(d.pipeline_id.value);
        case DealSortField::kUserId:
            return opt_key(d.user_id, [](const UserId& v) { return v.value; });
        case DealSortField::kCreatedAt:
            return encode(d.created_at.micros);
        case DealSortField::kUpdatedAt:
            return encode(d.updated_at.micros);
        case DealSortField::kWonDate:
            return opt_key(d.won_date, [](const Timestamp& v) { return v.micros; });
        case DealSortField::kLostDate:
            return opt_key(d.lost_date, [](const Timestamp& v) { return v.micros; });
        case DealSortField::kStageChangedDate:
            return opt_key(d.stage_changed_date, [](const Timestamp& v) { return v.micros; });
        case DealSortField::kOwnerAssignedDate:
            return opt_key(d.owner_assigned_date, [](const Timestamp& v) { return v.micros; });
        case DealSortField::kBoardOrder:
            return encode(d.board_order);
        case DealSortField::kProductsCount:
            return encode(d.products_count);
        case DealSortField::kCustom:
            return 0;  // kept by the field's own index (key_for)
    }
    return 0;
}

DealIndex::Keys DealIndex::keys_of(const Deal& deal) {
    Keys keys;
    for (std::size_t f = 0; f < kFields; ++f) {
        keys.sort[f] = key_of(static_cast<DealSortField>(f), deal);
    }
    keys.name = deal.name;
    keys.lost_reason = deal.lost_reason;
    keys.custom = deal.custom_fields;
    return keys;
}

OrderedIndex::Entry DealIndex::entry(DealSortField field, std::uint32_t slot,
                                     std::uint64_t key) const {
    if (field == DealSortField::kName) {
        key = prefix_key(name_text_[slot]->key());
    }
    return {key, slot};
}

std::uint32_t DealIndex::place(const Deal& deal, const NameTexts::Text* name,
                               std::optional<std::string> lost_folded,
                               const std::vector<std::uint32_t>* name_words) {
    const auto slot = static_cast<std::uint32_t>(deal.id.value);
    if (slot >= deals_.size()) {
        const std::size_t n = std::max<std::size_t>(slot + 1, deals_.size() * 3 / 2 + 16);
        deals_.resize(n, nullptr);
        name_text_.resize(n, nullptr);
    }
    deals_[slot] = &deal;
    ++count_;
    name_text_[slot] = name;
    place_texts(slot, name, std::move(lost_folded), name_words);
    return slot;
}

void DealIndex::place_texts(std::uint32_t slot, const NameTexts::Text* name,
                            std::optional<std::string> lost_folded,
                            const std::vector<std::uint32_t>* name_words) {
    if (name_words != nullptr) {
        names_.add_ids(slot, *name_words);
    } else {
        names_.add(slot, name->folded());
    }
    if (lost_folded) {
        auto& folded = lost_folded_[slot] = std::move(*lost_folded);
        lost_reasons_.add(slot, folded);
    }
}

void DealIndex::define(CustomFieldId id, CustomFieldType type) {
    if (!CustomColumn::indexed(type)) {
        return;
    }
    seal();
    auto column = std::make_unique<CustomColumn>(id, type);
    std::vector<OrderedIndex::Entry> entries;
    entries.reserve(count_);
    for (std::uint32_t s = 0; s < deals_.size(); ++s) {
        if (deals_[s] != nullptr) {
            const CustomValue* value = deals_[s]->custom_fields.find(id);
            column->enter(s, value);
            entries.push_back({column->key(value), s});
        }
    }
    column->order.assign(std::move(entries));
    custom_[id.value] = std::move(column);
}

void DealIndex::drop(CustomFieldId id) { custom_.erase(id.value); }

const DealIndex::CustomColumn* DealIndex::column(CustomFieldId id) const {
    auto it = custom_.find(id.value);
    return it == custom_.end() ? nullptr : it->second.get();
}

void DealIndex::add_custom(std::uint32_t slot, const CustomFieldValues& values) {
    for (auto& [id, column] : custom_) {
        const CustomValue* value = values.find(column->id);
        column->enter(slot, value);
        column->order.insert({column->key(value), slot});
    }
}

void DealIndex::remove_custom(std::uint32_t slot, const CustomFieldValues& values) {
    for (auto& [id, column] : custom_) {
        const CustomValue* value = values.find(column->id);
        column->order.erase({column->key(value), slot});
        column->leave(slot);
    }
}

const OrderedIndex& DealIndex::ordered(DealSortField field, CustomFieldId custom) const {
    if (field == DealSortField::kCustom) {
        const auto* c = column(custom);
        if (c == nullptr) {
            throw std::logic_error("DealIndex: custom field " + custom.str() + " is not indexed");
        }
        return c->order;
    }
    return orders_[at(field)];
}

std::uint64_t DealIndex::key_for(DealSortField field, CustomFieldId custom,
                                 const Deal& deal) const {
    if (field == DealSortField::kCustom) {
        const auto* c = column(custom);
        return c == nullptr ? 0 : c->key(deal.custom_fields.find(custom));
    }
    return key_of(field, deal);
}

void DealIndex::add(const Deal& deal) {
    seal();
    const auto slot =
        place(deal, name_texts_.acquire(deal.name),
              deal.lost_reason ? std::optional(fold(*deal.lost_reason)) : std::nullopt);
    for (std::size_t f = 0; f < kFields; ++f) {
        const auto field = static_cast<DealSortField>(f);
        orders_[f].insert(entry(field, slot, key_of(field, deal)));
    }
    add_custom(slot, deal.custom_fields);
}

void DealIndex::remove(DealId id, const Keys& before) {
    seal();
    const auto slot = static_cast<std::uint32_t>(id.value);
    for (std::size_t f = 0; f < kFields; ++f) {
        orders_[f].erase(entry(static_cast<DealSortField>(f), slot, before.sort[f]));
    }
    remove_custom(slot, before.custom);
    names_.remove(slot, name_text_[slot]->folded());
    if (auto it = lost_folded_.find(slot); it != lost_folded_.end()) {
        lost_reasons_.remove(slot, it->second);
        lost_folded_.erase(it);
    }
    name_texts_.release(std::exchange(name_text_[slot], nullptr));
    deals_[slot] = nullptr;
    --count_;
}

void DealIndex::update(const Keys& before, const Deal& deal) {
    seal();
    const auto slot = static_cast<std::uint32_t>(deal.id.value);
    deals_[slot] = &deal;
    const bool renamed = before.name != deal.name;
    for (std::size_t f = 0; f < kFields; ++f) {
        const auto field = static_cast<DealSortField>(f);
        const auto now = key_of(field, deal);
        if (field == DealSortField::kName ? renamed : now != before.sort[f]) {
            orders_[f].erase(entry(field, slot, before.sort[f]));
            if (field == DealSortField::kName) {
                names_.remove(slot, name_text_[slot]->folded());
                name_texts_.release(
                    std::exchange(name_text_[slot], name_texts_.acquire(deal.name)));
                names_.add(slot, name_text_[slot]->folded());
            }
            orders_[f].insert(entry(field, slot, now));
        }
    }
    for (auto& [id, column] : custom_) {
        const CustomValue* was = before.custom.find(column->id);
        const CustomValue* now = deal.custom_fields.find(column->id);
        if (was == now || (was != nullptr && now != nullptr && *was == *now)) {
            continue;
        }
        column->order.erase({column->key(was), slot});
        column->leave(slot);
        column->enter(slot, now);
        column->order.insert({column->key(now), slot});
    }
    if (before.lost_reason != deal.lost_reason) {
        if (auto it = lost_folded_.find(slot); it != lost_folded_.end()) {
            lost_reasons_.remove(slot, it->second);
            lost_folded_.erase(it);
        }
        if (deal.lost_reason) {
            auto& folded = lost_folded_[slot] = fold(*deal.lost_reason);
            lost_reasons_.add(slot, folded);
        }
    }
}

}  // namespace deals::projections
