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
        fold_indexed(id, deal, c.event);
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

void DealProjection::fold_indexed(DealId id, Deal& deal, const RecordedEvent& event) {
    if (unsettled_ && unsettled_->id == id) {
        projections::apply(deal, event.data, event.occurred_at, event.stream_version);
        return;  // it moves once, from where it was before the first of these events
    }
    settle();
    Unsettled moved{id, std::nullopt, Trash::kLive};
    if (deal.version != 0) {
        moved.before = DealIndex::keys_of(deal);
        moved.from = deal.trashed() ? Trash::kTrashed : Trash::kLive;
    }
    projections::apply(deal, event.data, event.occurred_at, event.stream_version);
    unsettled_ = std::move(moved);
    if (!deferring_) {
        settle();
    }
}

void DealProjection::settle() {
    if (!unsettled_) {
        return;
    }
    Unsettled moved = std::move(*unsettled_);
    unsettled_.reset();
    Deal& deal = deals_[moved.id];  // by the id folded: a new deal's own id is 0 until folded
    DealIndex& to = index_of(deal);
    DealIndex* from = moved.before ? &index_of(moved.from) : nullptr;
    if (from == &to) {
        to.update(*moved.before, deal);
    } else {
        if (from != nullptr) {
            from->remove(deal.id, *moved.before);
        }
        to.add(deal);
    }
}

void DealProjection::apply(const DealPurged& e, const ApplyContext& c) {
    settle();
    raise_to(c.watermarks.deal, e.deal_id.value);
    if (const Deal* deal = deals_.find(e.deal_id)) {
        if (!bulk_) {
            index_of(*deal).remove(e.deal_id, DealIndex::keys_of(*deal));
        }
        index_lines(*deal, false, c.watermarks);
        deals_.erase(e.deal_id);
    }
    if (!bulk_) {
        c.dirty.deals.insert(e.deal_id);
    }
}

void DealProjection::apply(const CustomFieldCreated& e, const ApplyContext&) {
    settle();
    if (!bulk_) {
        live_.define(e.custom_field_id, e.field_type);
        trashed_.define(e.custom_field_id, e.field_type);
    }
}

void DealProjection::apply(const CustomFieldDeleted& e, const ApplyContext&) {
    settle();
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
    settle();
    const DealId id = deal.id;
    track_loaded(deals_[id] = std::move(deal), watermarks);
}

void DealProjection::track_loaded(const Deal& stored, IdWatermarks& watermarks) {
    raise_to(watermarks.deal, stored.id.value);
    if (!bulk_) {
        index_of(stored).add_unsorted(stored);
    }
    index_lines(stored, true, watermarks);
}

void DealProjection::load_page(std::size_t n, std::unique_ptr<DealTable::Page> page,
                               IdWatermarks& watermarks) {
    settle();
    const auto present = page->present;
    deals_.adopt(n, std::move(page));  // the deals stay where they were decoded
    for (std::size_t i = 0; i < DealTable::kPage; ++i) {
        if (!present[i]) {
            continue;
        }
        track_loaded(*deals_.find(DealId{static_cast<std::int64_t>(n * DealTable::kPage + i)}),
                     watermarks);
    }
}

void DealProjection::index_all(unsigned threads) {
    // Live and trashed deals go to their own indexes, each in id order (the table's, for the
    // paged ids): the text indexes' postings then grow at their ends.
    std::vector<const Deal*> live;
    std::vector<const Deal*> trashed;
    live.reserve(deals_.size());
    deals_.each([&](const Deal& deal) { (deal.trashed() ? trashed : live).push_back(&deal); });
    const auto by_id = [](const Deal* a, const Deal* b) { return a->id.value < b->id.value; };
    if (!std::is_sorted(live.begin(), live.end(), by_id)) {  // ids outside the pages
        std::sort(live.begin(), live.end(), by_id);
    }
    if (!std::is_sorted(trashed.begin(), trashed.end(), by_id)) {
        std::sort(trashed.begin(), trashed.end(), by_id);
    }
    live_.build(live, threads);
    trashed_.build(trashed, threads);
}

void DealProjection::finish_load(std::span<const CustomField* const> fields) {
    settle();
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

const Deal* DealProjection::deal(DealId id) const { return deals_.find(id); }

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
