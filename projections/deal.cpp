#include "projections/deal.hpp"

#include <algorithm>

namespace deals::projections {

namespace {

void close_visit(Deal& deal, Timestamp at) {
    if (!deal.stage_history.empty() && !deal.stage_history.back().left_at) {
        deal.stage_history.back().left_at = at;
    }
}

void open_visit(Deal& deal, Timestamp at) {
    close_visit(deal, at);
    deal.stage_history.push_back(StageVisit{deal.stage_id, at, std::nullopt});
}

struct DealApplier {
    Deal& deal;
    Timestamp at;

    void operator()(const DealCreated& e) const {
        deal = Deal{};
        deal.id = e.deal_id;
        deal.name = e.name;
        deal.pipeline_id = e.pipeline_id;
        deal.stage_id = e.stage_id;
        deal.amount = e.amount;
        deal.expected_close_date = e.expected_close_date;
        deal.status = e.status;
        deal.lost_reason = e.status == DealStatus::kLost ? e.lost_reason : std::nullopt;
        deal.user_id = e.user_id;
        deal.swatch_color = e.swatch_color;
        deal.created_at = at;
        if (e.user_id) {
            deal.owner_assigned_date = at;
        }
        if (e.status == DealStatus::kWon) {
            deal.won_date = at;
        } else if (e.status == DealStatus::kLost) {
            deal.lost_date = at;
        } else {
            open_visit(deal, at);
        }
    }
    void operator()(const DealUpdated& e) const {
        if (e.name) {
            deal.name = e.name->new_value;
        }
        if (e.amount) {
            deal.amount = e.amount->new_value;
        }
        if (e.expected_close_date) {
            deal.expected_close_date = e.expected_close_date->new_value;
        }
        if (e.lost_reason) {
            deal.lost_reason = e.lost_reason->new_value;
        }
        if (e.swatch_color) {
            deal.swatch_color = e.swatch_color->new_value;
        }
    }
    void operator()(const StageChanged& e) const {
        deal.stage_id = e.to_stage_id;
        deal.pipeline_id = e.to_pipeline_id;
        deal.stage_changed_date = at;
        if (deal.status == DealStatus::kOpen) {
            open_visit(deal, at);
        }
    }
    void operator()(const OwnerAssigned& e) const {
        deal.user_id = e.to_user_id;
        deal.owner_assigned_date = e.to_user_id ? std::optional<Timestamp>(at) : std::nullopt;
    }
    void operator()(const StatusChanged& e) const {
        deal.status = e.to;
        switch (e.to) {
            case DealStatus::kOpen:
                deal.won_date.reset();
                deal.lost_date.reset();
                deal.lost_reason.reset();
                open_visit(deal, at);
                break;
            case DealStatus::kWon:
                deal.won_date = at;
                deal.lost_date.reset();
                deal.lost_reason.reset();
                close_visit(deal, at);
                break;
            case DealStatus::kLost:
                deal.lost_date = at;
                deal.won_date.reset();
                deal.lost_reason = e.lost_reason;
                close_visit(deal, at);
                break;
        }
    }
    void operator()(const AssociationsChanged& e) const {
        auto change = [](std::vector<std::int64_t>& ids, const std::vector<std::int64_t>& added,
                         const std::vector<std::int64_t>& removed) {
            std::vector<std::int64_t> kept;
            std::set_difference(ids.begin(), ids.end(), removed.begin(), removed.end(),
                                std::back_inserter(kept));
            ids.clear();
            std::set_union(kept.begin(), kept.end(), added.begin(), added.end(),
                           std::back_inserter(ids));
        };
        change(deal.associations.contacts, e.added.contacts, e.removed.contacts);
        change(deal.associations.companies, e.added.companies, e.removed.companies);
        change(deal.associations.activities, e.added.activities, e.removed.activities);
    }
    void operator()(const CustomFieldValuesChanged& e) const {
        auto& values = deal.custom_fields.values;
        for (const auto& change : e.changes) {
            auto it = std::lower_bound(values.begin(), values.end(), change.custom_field_id,
                                       [](const CustomFieldValue& v, CustomFieldId id) {
                                           return v.custom_field_id < id;
                                       });
            const bool present = it != values.end() && it->custom_field_id == change.custom_field_id;
            if (!change.new_value) {
                if (present) {
                    values.erase(it);
                }
            } else if (present) {
                it->field_type = change.field_type;
                it->value = *change.new_value;
            } else {
                values.insert(it, CustomFieldValue{change.custom_field_id, change.field_type,
                                                   *change.new_value});
            }
        }
    }
    void operator()(const DealTrashed&) const { deal.deleted_at = at; }
    void operator()(const DealRestored&) const { deal.deleted_at.reset(); }
    void operator()(const DealPurged&) const {}
    void operator()(const TaxTypeChanged& e) const {
        if (!deal.billable) {
            deal.billable = BillableView{e.to, {}, at};
        }
        deal.billable->tax_type = e.to;
        deal.amount = e.totals.amount;
    }
    void operator()(const ProductAdded& e) const {
        place(BillableLineView{e.line, at, at});
        settle(e.totals);
    }
    void operator()(const ProductUpdated& e) const {
        auto& lines = billable().lines;
        auto it = std::find_if(lines.begin(), lines.end(),
                               [&](const BillableLineView& l) { return l.line.id == e.line.id; });
        if (it != lines.end()) {
            BillableLineView updated{e.line, it->created_at, at};
            lines.erase(it);
            place(std::move(updated));
        }
        settle(e.totals);
    }
    void operator()(const ProductRemoved& e) const {
        auto& lines = billable().lines;
        std::erase_if(lines, [&](const BillableLineView& l) { return l.line.id == e.line_id; });
        settle(e.totals);
    }
    BillableView& billable() const {
        if (!deal.billable) {
            deal.billable = BillableView{TaxType::kNoTax, {}, at};
        }
        return *deal.billable;
    }
    /// Puts a line where it belongs: display order, ties by line id. A line added after the
    /// others (the usual case) goes at the end at once, so a save of n lines applies in linear
    /// time.
    void place(BillableLineView line) const {
        auto& lines = billable().lines;
        const auto key = [](const BillableLineView& l) {
            return std::pair(l.line.display_order, l.line.id.value);
        };
        const auto at_key = key(line);
        if (lines.empty() || key(lines.back()) < at_key) {
            lines.push_back(std::move(line));
            return;
        }
        auto it =
            std::upper_bound(lines.begin(), lines.end(), at_key,
                             [&](const auto& k, const BillableLineView& l) { return k < key(l); });
        lines.insert(it, std::move(line));
    }
    /// The count and the amount after a change.
    void settle(const BillableTotals& totals) const {
        deal.products_count = static_cast<std::int64_t>(deal.billable->lines.size());
        deal.amount = totals.amount;
    }
    template <class Other>
    void operator()(const Other&) const {}
};

}  // namespace

void apply(Deal& deal, const Event& event, Timestamp at, StreamVersion version) {
    std::visit(DealApplier{deal, at}, event);
    deal.updated_at = at;
    deal.version = version;
}

std::vector<std::pair<StageId, double>> time_in_stages(const Deal& deal, Timestamp now) {
    std::vector<std::pair<StageId, double>> out;
    // Walk newest visit first so that the most recently entered stage leads.
    for (auto it = deal.stage_history.rbegin(); it != deal.stage_history.rend(); ++it) {
        const Timestamp end = it->left_at.value_or(now);
        const double seconds = static_cast<double>(end.micros - it->entered_at.micros) / 1e6;
        auto found = std::find_if(out.begin(), out.end(),
                                  [&](const auto& p) { return p.first == it->stage_id; });
        if (found == out.end()) {
            out.emplace_back(it->stage_id, seconds);
        } else {
            found->second += seconds;
        }
    }
    return out;
}

bool falls_behind_expected_close_date(const Deal& deal, Timestamp now) {
    return deal.status == DealStatus::kOpen && deal.expected_close_date &&
           deal.expected_close_date->midnight() < now;
}

}  // namespace deals::projections
