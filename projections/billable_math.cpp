#include "projections/billable_math.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace deals::projections {

namespace {

using events::Decimal;
using events::DiscountType;
using events::Money;
using events::TaxType;

// Digits kept by the one division of the inclusive tax: far below anything displayed (4 dp)
// or stored (3 dp), so only irrelevant digits are rounded.
constexpr int kInclusiveScale = 20;

Decimal hundred() { return Decimal::from_int(100); }
Decimal one_hundredth() { return Decimal::from_scaled(1, 2); }

/// One line's exact figures, and its tax as Concord's doubles give it.
struct RawLineFigures : LineFigures {
    double raw_tax = 0;
};

/// A stored value as PHP reads it: the double nearest its decimal text.
double php_double(Money value) { return Decimal::from_money(value).to_double(); }

/// A line's tax exactly as Concord computes it in PHP doubles, for `raw_total`. The order of
/// the operations matters to the last bit; this one reproduces the reference vectors (§13:
/// V3 163.63636363636374, V5 363.63636363636397, V7 9.67455, V8 1.1454322429906547 and
/// 15.964789915966378):
///   S = q * p
///   D = d (fixed)  or  d / 100 * S (percent)
///   A = S - D
///   tax = A * (r / 100) (exclusive)  or  A - A / (1 + r / 100) (inclusive)
/// and a group's raw_total is 0 + tax_1 + tax_2 + … over its lines in display order.
/// (The vectors do not tell A * (r / 100) from A * r / 100, nor d / 100 * S from S * d / 100;
/// the forms above follow the reference's wording of Concord's code.)
double raw_line_tax(TaxType tax_type, const LineInput& line) {
    const double s = php_double(line.qty) * php_double(line.unit_price);
    const double d = php_double(line.discount_total);
    const double discount = line.discount_type == DiscountType::kFixed ? d : d / 100 * s;
    const double a = s - discount;
    const double r = php_double(line.tax_rate);
    if (tax_type == TaxType::kExclusive) {
        return a * (r / 100);
    }
    if (tax_type == TaxType::kInclusive) {
        return a - a / (1 + r / 100);
    }
    return 0;
}

/// Groups by (label exact, rate), drops rates <= 0, orders by rate then first appearance.
std::vector<TaxGroup> group_taxes(TaxType tax_type, const std::vector<LineInput>& lines,
                                  const std::vector<RawLineFigures>& figures) {
    std::vector<TaxGroup> groups;
    if (tax_type == TaxType::kNoTax) {
        return groups;
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const LineInput& line = lines[i];
        if (line.tax_rate.thousandths <= 0) {
            continue;
        }
        auto group = std::find_if(groups.begin(), groups.end(), [&](const TaxGroup& g) {
            return g.label == line.tax_label && g.rate == line.tax_rate;
        });
        if (group == groups.end()) {
            TaxGroup created;
            created.key = line.tax_label + rate_text(line.tax_rate);
            created.label = line.tax_label;
            created.rate = line.tax_rate;
            group = groups.insert(groups.end(), std::move(created));
        }
        group->raw_total += figures[i].raw_tax;
        group->total += figures[i].tax;
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const TaxGroup& a, const TaxGroup& b) { return a.rate < b.rate; });
    return groups;
}

}  // namespace

LineFigures line_figures(TaxType tax_type, const LineInput& line) {
    const Decimal subtotal = Decimal::from_money(line.qty) * Decimal::from_money(line.unit_price);
    const Decimal d = Decimal::from_money(line.discount_total);
    LineFigures out;
    out.discount = line.discount_type == DiscountType::kFixed ? d : subtotal * d * one_hundredth();
    out.amount = subtotal - out.discount;
    const Decimal r = Decimal::from_money(line.tax_rate);
    if (tax_type == TaxType::kExclusive) {
        out.tax = out.amount * r * one_hundredth();
    } else if (tax_type == TaxType::kInclusive) {
        // A − A/(1 + r/100) = A·r/(100 + r): one division instead of two.
        out.tax = (out.amount * r).divided_by(hundred() + r, kInclusiveScale);
    }
    return out;
}

BillableFigures compute_billable(TaxType tax_type, const std::vector<LineInput>& lines) {
    std::vector<RawLineFigures> figures;
    figures.reserve(lines.size());
    BillableFigures out;
    for (const LineInput& line : lines) {
        RawLineFigures f{line_figures(tax_type, line), raw_line_tax(tax_type, line)};
        out.subtotal += f.amount;
        out.total_discount += f.discount;
        out.line_amounts.push_back(f.amount);
        figures.push_back(f);
    }
    out.has_discount = out.total_discount.rounded(4).sign() > 0;
    out.taxes = group_taxes(tax_type, lines, figures);
    for (const TaxGroup& group : out.taxes) {
        out.total_tax += group.total;
    }
    out.total = tax_type == TaxType::kInclusive ? out.subtotal : out.subtotal + out.total_tax;
    return out;
}

Decimal display_money(const Decimal& value) { return value.rounded(4).rounded(2); }

Money deal_amount(const Decimal& total) { return total.to_money(); }

Money amount_tax_exl(TaxType tax_type, const Decimal& line_amount, Money tax_rate) {
    if (tax_type != TaxType::kInclusive) {
        return deal_amount(line_amount);
    }
    // A / (1 + r/100) = A·100 / (100 + r), rounded once, straight to the stored 3 dp.
    const Decimal r = Decimal::from_money(tax_rate);
    return (line_amount * hundred()).divided_by(hundred() + r, 3).to_money();
}

std::optional<Money> amount_after_change(std::optional<Money> current_amount,
                                         const Decimal& total) {
    const Decimal current = Decimal::from_money(current_amount.value_or(Money{}));
    if (current.truncated().is_zero() && total.is_zero()) {
        return std::nullopt;
    }
    return deal_amount(total);
}

std::string rate_text(Money rate) {
    // PHP converts a float to a string with `precision` = 14 significant digits ("%.14G"),
    // writing "1.0E+15" where C writes "1E+15". Rates with up to 3 decimals below 10^11 are
    // therefore printed exactly: 10, 7.5, 7.125.
    std::array<char, 32> buffer{};
    const int n = std::snprintf(buffer.data(), buffer.size(), "%.14G", php_double(rate));
    std::string text(buffer.data(), static_cast<std::size_t>(std::max(n, 0)));
    const auto e = text.find('E');
    if (e != std::string::npos && text.find('.') == std::string::npos) {
        text.insert(e, ".0");
    }
    return text;
}

BillableFigures figures_of(const BillableView& billable) {
    std::vector<LineInput> inputs;
    inputs.reserve(billable.lines.size());
    for (const auto& l : billable.lines) {
        inputs.push_back({l.line.unit_price, l.line.qty, l.line.discount_type,
                          l.line.discount_total, l.line.tax_rate, l.line.tax_label});
    }
    return compute_billable(billable.tax_type, inputs);
}

}  // namespace deals::projections
