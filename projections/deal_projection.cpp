#include "projections/deal_projection.hpp"

#include <algorithm>
#include <thread>
#include <utility>

#include "projections/map_lookup.hpp"

namespace deals::projections {

void DealProjection::fold(DealId id, const ApplyContext& c) {
    raise_to(c.watermarks.deal, id.value);
    Deal& deal = deals_[id];
    if (bulk_) {
        // No index, no dirty keys: finish_load indexes every deal once.
        projections::apply(deal, c.event.data, c.at(), c.version());
    } else {
        fold_indexed(deal, c.event);
        c.dirty.deals.insert(id);
    }
    index_line(deal.id, c.event.data, c.watermarks);
}

void DealProjection::index_line(DealId deal, const Event& event, IdWatermarks& watermarks) {
    // Only these two change which lines a deal has: one line each, so a save of n lines
    // costs n steps here (re-entering every line of the deal after each event cost n²).
    if (const auto* added = std::get_if<ProductAdded>(&event)) {
        deal_of_line_[added->line.id] = deal;
        raise_to(watermarks.billable_product, added->line.id.value);
    } else if (const auto* removed = std::get_if<ProductRemoved>(&event)) {
        deal_of_line_.erase(removed->line_id);
    }
}

void DealProjection::fold_indexed(Deal& deal, const RecordedEvent& event) {
    std::optional<DealIndex::Keys> before;
    DealIndex* from = nullptr;
    if (deal.version != 0) {
        before = DealIndex::keys_of(deal);
        from = &index_of(deal);
    }
    projections::apply(deal, event.data, event.occurred_at, event.stream_version);
    DealIndex& to = index_of(deal);
    if (from == &to) {
        to.update(*before, deal);
    } else {
        if (from != nullptr) {
            from->remove(deal.id, *before);
        }
        to.add(deal);
    }
}

void DealProjection::apply(const DealPurged& e, const ApplyContext& c) {
    raise_to(c.watermarks.deal, e.deal_id.value);
    if (auto it = deals_.find(e.deal_id); it != deals_.end()) {
        if (!bulk_) {
            index_of(it->second).remove(e.deal_id, DealIndex::keys_of(it->second));
        }
        index_lines(it->second, false, c.watermarks);
        deals_.erase(it);
    }
    if (!bulk_) {
        c.dirty.deals.insert(e.deal_id);
    }
}

void DealProjection::apply(const CustomFieldCreated& e, const ApplyContext&) {
    if (!bulk_) {
        live_.define(e.custom_field_id, e.field_type);
        trashed_.define(e.custom_field_id, e.field_type);
    }
}

void DealProjection::apply(const CustomFieldDeleted& e, const ApplyContext&) {
    live_.drop(e.custom_field_id);
    trashed_.drop(e.custom_field_id);
}

void DealProjection::index_lines(const Deal& deal, bool add, IdWatermarks& watermarks) {
    if (!deal.billable) {
        return;
    }
    for (const auto& l : deal.billable->lines) {
        if (add) {
            deal_of_line_[l.line.id] = deal.id;
            raise_to(watermarks.billable_product, l.line.id.value);
        } else {
            deal_of_line_.erase(l.line.id);
        }
    }
}

void DealProjection::load(Deal deal, IdWatermarks& watermarks) {
    raise_to(watermarks.deal, deal.id.value);
    const DealId id = deal.id;
    const Deal& stored = deals_[id] = std::move(deal);
    if (!bulk_) {
        index_of(stored).add_unsorted(stored);
    }
    index_lines(stored, true, watermarks);
}

namespace {

/// Every deal in id order. Sorted as (id, pointer) pairs: comparing through the pointers
/// missed the cache on every comparison (a third of a second at a million deals).
std::vector<const Deal*> in_id_order(const std::unordered_map<DealId, Deal>& deals) {
    std::vector<std::pair<std::int64_t, const Deal*>> by_id;
    by_id.reserve(deals.size());
    for (const auto& [id, deal] : deals) {
        by_id.emplace_back(id.value, &deal);
    }
    std::sort(by_id.begin(), by_id.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<const Deal*> out;
    out.reserve(by_id.size());
    for (const auto& [_, deal] : by_id) {
        out.push_back(deal);
    }
    return out;
}

/// The texts' keys of `deals` (ICU collation and folding, the costly part of indexing), on
/// `threads` threads.
std::vector<DealIndex::TextKeys> text_keys_of(const std::vector<const Deal*>& deals,
                                              unsigned threads) {
    std::vector<DealIndex::TextKeys> keys(deals.size());
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (std::size_t i = t; i < deals.size(); i += threads) {
                keys[i] = DealIndex::text_keys(*deals[i]);
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    return keys;
}

}  // namespace

void DealProjection::index_all(unsigned threads) {
    // In id order: the text indexes' postings then grow at their ends.
    std::vector<const Deal*> all = in_id_order(deals_);
    std::vector<DealIndex::TextKeys> keys = text_keys_of(all, threads);
    // Live and trashed deals go to their own indexes, each in id order.
    std::vector<const Deal*> trashed;
    std::vector<DealIndex::TextKeys> trashed_keys;
    std::size_t live = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (!all[i]->trashed()) {
            if (live != i) {  // never a self-move: it may leave the keys empty
                all[live] = all[i];
                keys[live] = std::move(keys[i]);
            }
            ++live;
        } else {
            trashed.push_back(all[i]);
            trashed_keys.push_back(std::move(keys[i]));
        }
    }
    all.resize(live);
    keys.resize(live);
    live_.add_unsorted(all, keys, threads);
    trashed_.add_unsorted(trashed, trashed_keys, threads);
}

void DealProjection::finish_load(std::span<const CustomField* const> fields) {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    if (bulk_) {
        bulk_ = false;
        index_all(threads);
    }
    live_.seal(threads);
    trashed_.seal(threads);
    for (const CustomField* field : fields) {
        live_.define(field->id, field->field_type);
        trashed_.define(field->id, field->field_type);
    }
}

const Deal* DealProjection::deal(DealId id) const { return find_in(deals_, id); }

std::vector<const Deal*> DealProjection::deals_by_name(Trash which) const {
    const auto& in = index(which);
    return in.find({}, false, std::nullopt, {}, 0, in.size()).items;
}

std::size_t DealProjection::count_with(DealSortField field, std::int64_t value) const {
    const std::vector<IndexCondition> conditions{IndexCondition{
        .kind = IndexCondition::Kind::kKeys, .field = field, .keys = {index_key(value)}}};
    return live_.find(conditions, true, std::nullopt, {}, 0, 0).total +
           trashed_.find(conditions, true, std::nullopt, {}, 0, 0).total;
}

std::size_t DealProjection::deals_in(PipelineId id) const {
    return count_with(DealSortField::kPipelineId, id.value);
}

std::size_t DealProjection::deals_in(StageId id) const {
    return count_with(DealSortField::kStageId, id.value);
}

std::optional<DealId> DealProjection::deal_of_line(BillableProductId line) const {
    auto it = deal_of_line_.find(line);
    return it == deal_of_line_.end() ? std::nullopt : std::optional(it->second);
}

}  // namespace deals::projections
