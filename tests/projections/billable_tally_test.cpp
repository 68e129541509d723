#include "projections/billable_tally.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>

using namespace deals;
using events::Money;
using events::TaxType;
using projections::BillableTally;

namespace {

/// compute_billable over `lines` in display order (display_order, then id).
projections::BillableFigures expected(TaxType tax_type,
                                      const std::map<std::int64_t, events::BillableLine>& lines) {
    std::vector<events::BillableLine> ordered;
    for (const auto& [id, line] : lines) {
        ordered.push_back(line);
    }
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
        return std::pair(a.display_order, a.id.value) < std::pair(b.display_order, b.id.value);
    });
    std::vector<projections::LineInput> inputs;
    for (const auto& l : ordered) {
        inputs.push_back(
            {l.unit_price, l.qty, l.discount_type, l.discount_total, l.tax_rate, l.tax_label});
    }
    return projections::compute_billable(tax_type, inputs);
}

void require_same(const BillableTally::Figures& got, const projections::BillableFigures& want) {
    CHECK(got.subtotal == want.subtotal);
    CHECK(got.total_discount == want.total_discount);
    CHECK(got.total_tax == want.total_tax);
    CHECK(got.total == want.total);
    CHECK(got.has_discount == want.has_discount);
    REQUIRE(got.taxes.size() == want.taxes.size());
    for (std::size_t i = 0; i < got.taxes.size(); ++i) {
        INFO("tax group " << i);
        CHECK(got.taxes[i].key == want.taxes[i].key);
        CHECK(got.taxes[i].label == want.taxes[i].label);
        CHECK(got.taxes[i].rate == want.taxes[i].rate);
        CHECK(got.taxes[i].total == want.taxes[i].total);
    }
}

events::BillableLine random_line(std::mt19937& rng, std::int64_t id) {
    events::BillableLine l;
    l.id = events::BillableProductId{id};
    l.name = "Line " + std::to_string(id);
    l.unit_price = Money::from_thousandths(static_cast<std::int64_t>(rng() % 2'000'000));
    l.qty = Money::from_thousandths(static_cast<std::int64_t>(rng() % 50) * 250);
    l.discount_type = rng() % 2 ? events::DiscountType::kPercent : events::DiscountType::kFixed;
    l.discount_total = Money::from_thousandths(static_cast<std::int64_t>(rng() % 4) * 1250);
    // Few labels and rates, so that groups share lines and rates tie across labels.
    l.tax_label = std::vector<std::string>{"VAT", "TAX", "GST"}[rng() % 3];
    l.tax_rate = Money::from_thousandths(static_cast<std::int64_t>(rng() % 4) * 2500);
    l.display_order = static_cast<std::int64_t>(rng() % 20);
    return l;
}

}  // namespace

TEST_CASE("a billable's tally equals the whole computation after every change",
          "[projections][billable]") {
    std::mt19937 rng(20261206);
    for (const TaxType start : {TaxType::kExclusive, TaxType::kInclusive, TaxType::kNoTax}) {
        BillableTally tally(start);
        TaxType tax_type = start;
        std::map<std::int64_t, events::BillableLine> lines;
        std::int64_t next_id = 1;
        for (int step = 0; step < 400; ++step) {
            INFO("tax type " << static_cast<int>(start) << ", step " << step);
            const auto what = rng() % 10;
            if (what < 5 || lines.empty()) {
                auto line = random_line(rng, next_id++);
                lines[line.id.value] = line;
                tally.put(line);
            } else if (what < 8) {  // an update, perhaps moving the line in display order
                auto it = std::next(lines.begin(), static_cast<long>(rng() % lines.size()));
                auto line = random_line(rng, it->first);
                it->second = line;
                tally.put(line);
            } else if (what < 9) {
                auto it = std::next(lines.begin(), static_cast<long>(rng() % lines.size()));
                tally.remove(it->second.id);
                lines.erase(it);
            } else {
                tax_type = std::vector<TaxType>{TaxType::kExclusive, TaxType::kInclusive,
                                                TaxType::kNoTax}[rng() % 3];
                tally.set_tax_type(tax_type);
            }
            require_same(tally.figures(), expected(tax_type, lines));
        }
    }
}

TEST_CASE("a tally orders tax groups by rate, then by first appearance in display order",
          "[projections][billable]") {
    BillableTally tally(TaxType::kExclusive);
    auto line = [](std::int64_t id, std::string label, std::int64_t rate, std::int64_t order) {
        events::BillableLine l;
        l.id = events::BillableProductId{id};
        l.unit_price = Money::units(100);
        l.qty = Money::units(1);
        l.tax_label = std::move(label);
        l.tax_rate = Money::from_thousandths(rate);
        l.display_order = order;
        return l;
    };
    tally.put(line(1, "B", 10'000, 5));
    tally.put(line(2, "A", 10'000, 9));
    tally.put(line(3, "C", 5'000, 7));
    auto keys = [&] {
        std::vector<std::string> out;
        for (const auto& g : tally.figures().taxes) {
            out.push_back(g.key);
        }
        return out;
    };
    CHECK(keys() == std::vector<std::string>{"C5", "B10", "A10"});
    tally.put(line(2, "A", 10'000, 1));  // A now appears first
    CHECK(keys() == std::vector<std::string>{"C5", "A10", "B10"});
    tally.remove(events::BillableProductId{3});
    CHECK(keys() == std::vector<std::string>{"A10", "B10"});
}
