#include "projections/billable_tally.hpp"

#include <algorithm>

namespace deals::projections {

namespace {

LineInput input_of(const events::BillableLine& line) {
    return {line.unit_price,     line.qty,      line.discount_type,
            line.discount_total, line.tax_rate, line.tax_label};
}

}  // namespace

void BillableTally::count(const Entry& entry, int sign) {
    const auto add = [sign](events::Decimal& sum, const events::Decimal& value) {
        sum = sign > 0 ? sum + value : sum - value;
    };
    add(subtotal_, entry.figures.amount);
    add(discount_, entry.figures.discount);
    // As compute_billable groups them: rates above 0, and none under no_tax.
    if (tax_type_ == events::TaxType::kNoTax || entry.input.tax_rate.thousandths <= 0) {
        return;
    }
    add(tax_, entry.figures.tax);
    const GroupKey key{entry.input.tax_label, entry.input.tax_rate.thousandths};
    auto [it, inserted] = groups_.try_emplace(key, Group{entry.input.tax_rate, {}, {}});
    add(it->second.total, entry.figures.tax);
    if (sign > 0) {
        it->second.lines.insert(entry.position);
    } else {
        it->second.lines.erase(entry.position);
        if (it->second.lines.empty()) {
            groups_.erase(it);
        }
    }
}

const LineFigures& BillableTally::put(const events::BillableLine& line) {
    remove(line.id);
    Entry entry{input_of(line), {line.display_order, line.id.value}, {}};
    entry.figures = line_figures(tax_type_, entry.input);
    count(entry, +1);
    return lines_.emplace(line.id.value, std::move(entry)).first->second.figures;
}

void BillableTally::remove(events::BillableProductId id) {
    if (auto it = lines_.find(id.value); it != lines_.end()) {
        count(it->second, -1);
        lines_.erase(it);
    }
}

void BillableTally::set_tax_type(events::TaxType tax_type) {
    if (tax_type == tax_type_) {
        return;
    }
    tax_type_ = tax_type;
    subtotal_ = discount_ = tax_ = events::Decimal{};
    groups_.clear();
    for (auto& [id, entry] : lines_) {
        entry.figures = line_figures(tax_type_, entry.input);
        count(entry, +1);
    }
}

BillableTally::Figures BillableTally::figures() const {
    Figures out;
    out.subtotal = subtotal_;
    out.total_discount = discount_;
    out.total_tax = tax_;
    out.has_discount = discount_.rounded(4).sign() > 0;
    std::vector<std::pair<Position, const std::pair<const GroupKey, Group>*>> order;
    order.reserve(groups_.size());
    for (const auto& group : groups_) {
        order.emplace_back(*group.second.lines.begin(), &group);
    }
    // By rate, then by first appearance in display order (compute_billable's stable sort).
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return std::pair(a.second->second.rate.thousandths, a.first) <
               std::pair(b.second->second.rate.thousandths, b.first);
    });
    for (const auto& [first, group] : order) {
        TaxGroup g;
        g.label = group->first.first;
        g.rate = group->second.rate;
        g.key = g.label + rate_text(g.rate);
        g.total = group->second.total;
        out.taxes.push_back(std::move(g));
    }
    out.total = tax_type_ == events::TaxType::kInclusive ? subtotal_ : subtotal_ + tax_;
    return out;
}

}  // namespace deals::projections
