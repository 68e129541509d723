#pragma once

// Shared by the billable tests: bodies built as the HTTP layer builds them, deterministic new
// ids, deals whose billable is saved through the same validate + decide, and the billable math
// of projections/ as the oracle of the totals that events carry. Header only.

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "commands/billable_commands.hpp"
#include "projections/billable_math.hpp"
#include "tests/commands/field_values.hpp"
#include "tests/projections/domain_fixture.hpp"

namespace deals::unit {

using commands::BillableDecision;
using commands::BillableInput;
using commands::BillableLineInput;
using commands::SaveBillable;

/// A line body with a name and a unit price (a JSON number); tests set the other keys.
inline BillableLineInput line(std::string name, std::string unit_price) {
    BillableLineInput in;
    in.name = str(std::move(name));
    in.unit_price = num(std::move(unit_price));
    return in;
}

/// A line body that updates line `id`.
inline BillableLineInput line(std::int64_t id, std::string name, std::string unit_price) {
    BillableLineInput in = line(std::move(name), std::move(unit_price));
    in.id = num(std::to_string(id));
    return in;
}

/// A billable body: `tax_type` when not empty, `products` (an array), and `removed_products`
/// when any.
inline BillableInput body(std::vector<BillableLineInput> lines, std::string tax_type = {},
                          std::vector<std::int64_t> removed = {}) {
    BillableInput in;
    if (!tax_type.empty()) {
        in.tax_type = str(std::move(tax_type));
    }
    in.products = array();
    in.lines = std::move(lines);
    if (!removed.empty()) {
        in.removed_products = array();
        for (const auto id : removed) {
            in.removed.push_back(num(std::to_string(id)));
        }
    }
    return in;
}

/// The saved command of a valid body (the test fails, printing the errors, when it is not).
inline SaveBillable valid(const BillableInput& in) {
    return value_of(commands::validate_billable(in));
}

/// The figures a billable event should carry for `billable` (contract §7.3): the display
/// totals and the deal amount after the change, `amount_before` being the amount before the
/// save. Computed here from projections' math, independently of the command.
inline BillableTotals billable_math(const projections::BillableView& billable,
                                    std::optional<Money> amount_before) {
    using projections::display_money;
    const auto figures = projections::figures_of(billable);
    BillableTotals t;
    t.subtotal = display_money(figures.subtotal).to_money();
    t.total_discount = display_money(figures.total_discount).to_money();
    t.has_discount = figures.has_discount;
    for (const auto& group : figures.taxes) {
        t.taxes.push_back(
            TaxTotal{group.key, group.label, group.rate, display_money(group.total).to_money()});
    }
    t.total_tax = display_money(figures.total_tax).to_money();
    t.total = display_money(figures.total).to_money();
    const auto after = projections::amount_after_change(amount_before, figures.total);
    t.amount = after ? after : amount_before;
    return t;
}

/// The totals a billable event carries, or null for any other event.
inline const BillableTotals* totals_in(const Event& event) {
    return std::visit(
        [](const auto& e) -> const BillableTotals* {
            if constexpr (requires { e.totals; }) {
                return &e.totals;
            } else {
                return nullptr;
            }
        },
        event);
}

/// The wire names of `events`, in order.
inline std::vector<std::string> types_of(const std::vector<Event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) {
        out.emplace_back(type_name(e));
    }
    return out;
}

/// Folds `events` into `deal` one by one and checks that each event carrying totals carries the
/// billable math over the lines as they stand right after it. `deal` is the state the events
/// were decided on (its amount is the amount before the save).
inline void check_totals_follow_math(Deal deal, const std::vector<Event>& events) {
    const std::optional<Money> amount_before = deal.amount;
    for (std::size_t i = 0; i < events.size(); ++i) {
        projections::apply(deal, events[i], at(1000), deal.version + 1);
        if (const BillableTotals* totals = totals_in(events[i])) {
            INFO("event " << i << " of " << events.size() << ": " << type_name(events[i]));
            REQUIRE(deal.billable.has_value());
            CHECK(*totals == billable_math(*deal.billable, amount_before));
        }
    }
}

/// The seeded world with open deals 42 and 43 (no amount, no billable), new line ids from 101
/// and new catalog product ids from 501. `save` decides a body and records what it decided,
/// catalog events first, as the server appends them.
class BillableWorld {
public:
    BillableWorld() : world(World::seeded()) {
        world.given({open_deal(42), open_deal(43, "Other deal")}, at(0));
    }

    [[nodiscard]] commands::BillableIds ids() {
        return {[this] { return BillableProductId{++last_line}; },
                [this] { return ProductId{++last_product}; }};
    }

    [[nodiscard]] const Deal& deal(std::int64_t id = 42) const { return world.deal(DealId{id}); }

    /// Validates `in` (which must be valid) and decides it against deal `id`.
    commands::Result<BillableDecision> decide(const BillableInput& in, std::int64_t id = 42,
                                              std::optional<UserId> actor = kAlice) {
        const SaveBillable command = valid(in);
        return commands::decide(world.views, deal(id), command, ids(), actor);
    }

    /// Decides `in` (which must succeed) and records its events.
    BillableDecision save(const BillableInput& in, std::int64_t id = 42) {
        BillableDecision decision = value_of(decide(in, id));
        world.given(decision.catalog, at(++clock_));
        world.given(decision.deal, at(clock_));
        return decision;
    }

    World world;
    std::int64_t last_line = 100;
    std::int64_t last_product = 500;

private:
    std::int64_t clock_ = 0;
};

}  // namespace deals::unit

namespace Catch {

/// Totals print as their figures, so that a failed comparison says which one differed.
template <>
struct StringMaker<deals::events::BillableTotals> {
    static std::string convert(const deals::events::BillableTotals& t) {
        std::string out = "{subtotal " + t.subtotal.str() + ", discount " + t.total_discount.str() +
                          (t.has_discount ? " (shown)" : "") + ", taxes [";
        for (const auto& tax : t.taxes) {
            out += tax.key + " " + tax.label + " " + tax.rate.str() + ": " + tax.total.str() + "; ";
        }
        return out + "], tax " + t.total_tax.str() + ", total " + t.total.str() + ", amount " +
               (t.amount ? t.amount->str() : "null") + "}";
    }
};

}  // namespace Catch
