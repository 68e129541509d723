#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/billable_types.hpp"
#include "events/decimal.hpp"
#include "events/money.hpp"
#include "projections/deal.hpp"

namespace deals::projections {

/// A product line's stored values, as the billable math reads them (contract §7.3):
/// unit_price 3 dp, qty 2 dp, discount_total 2 dp, tax_rate 3 dp (already 0 under no_tax).
struct LineInput {
    events::Money unit_price;
    events::Money qty;
    events::DiscountType discount_type = events::DiscountType::kPercent;
    events::Money discount_total;
    events::Money tax_rate;
    std::string tax_label;
};

/// One entry of a billable's `taxes`: the lines sharing a (label, rate), rate > 0.
/// `raw_total` is Concord's unrounded binary double, reproduced bit for bit for the JSON;
/// `total` is the exact sum every other figure is derived from.
struct TaxGroup {
    std::string key;  ///< label followed by rate_text(rate): `TAX10`, `VAT7.5`
    std::string label;
    events::Money rate;
    double raw_total = 0;
    events::Decimal total;
};

/// The figures of a billable, exact and unrounded (round for display with display_money, for
/// storage with deal_amount). A plain value computed by compute_billable.
struct BillableFigures {
    events::Decimal subtotal;
    events::Decimal total_discount;
    events::Decimal total_tax;
    events::Decimal total;
    bool has_discount = false;
    std::vector<TaxGroup> taxes;                ///< ordered by rate, then first appearance
    std::vector<events::Decimal> line_amounts;  ///< exact A per input line, in input order
};

/// One line's exact figures (contract §7.3): its discount D, its amount A, and its tax (0 under
/// no_tax), unrounded.
struct LineFigures {
    events::Decimal discount;
    events::Decimal amount;
    events::Decimal tax;
};
LineFigures line_figures(events::TaxType tax_type, const LineInput& line);

/// The billable math of contract §7.3 over lines given in display order.
BillableFigures compute_billable(events::TaxType tax_type, const std::vector<LineInput>& lines);

/// A money value as the billable JSON shows it: half away from zero to 4 dp, then to 2 dp
/// (12.344999 → 12.35).
events::Decimal display_money(const events::Decimal& value);

/// A value as stored with three decimals (the deal amount, a line's `amount`): half away from
/// zero. Throws std::overflow_error beyond Money's range.
events::Money deal_amount(const events::Decimal& total);

/// A line's stored `amount_tax_exl`: A / (1 + r/100) for inclusive billables, else A, rounded
/// half away from zero to 3 dp (Concord's 3636.364 for 4000 at 10 %).
events::Money amount_tax_exl(events::TaxType tax_type, const events::Decimal& line_amount,
                             events::Money tax_rate);

/// The new deal amount after a billable change, or nullopt to leave it (the "both zero" rule:
/// current amount truncated to an integer is 0 and the exact total is 0). A missing amount
/// counts as 0.
std::optional<events::Money> amount_after_change(std::optional<events::Money> current_amount,
                                                 const events::Decimal& total);

/// The rate as PHP prints it when concatenating it into a tax key: `10`, `7.5`, `7.125`.
std::string rate_text(events::Money rate);

/// compute_billable over a deal's stored lines (in their display order).
BillableFigures figures_of(const BillableView& billable);

}  // namespace deals::projections
