#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "commands/error.hpp"
#include "commands/input.hpp"
#include "projections/billable_tally.hpp"
#include "projections/views.hpp"

namespace deals::commands {

using namespace deals::events;  // NOLINT

/// One product line of a billable body (contract §7.1), before validation.
struct BillableLineInput {
    FieldValue id;
    FieldValue product_id;
    FieldValue name;
    FieldValue description;
    FieldValue unit_price;
    FieldValue qty;
    FieldValue discount_type;
    FieldValue discount_total;
    FieldValue tax_label;
    FieldValue tax_rate;
    FieldValue unit;
    FieldValue note;
    FieldValue display_order;
};

/// A billable body: `{"tax_type", "products": [...], "removed_products": [...]}`. `products`
/// and `removed_products` keep their own kind so that a non-array is reported.
struct BillableInput {
    FieldValue tax_type;
    FieldValue products;  ///< kind only (array, absent, …)
    std::vector<BillableLineInput> lines;
    FieldValue removed_products;  ///< kind only
    std::vector<FieldValue> removed;
};

/// A validated line: the values as they will be stored (unit_price 3 dp, qty and
/// discount_total 2 dp, tax_rate 3 dp). `id` names an existing line to update.
struct LineChange {
    std::optional<BillableProductId> id;
    std::optional<ProductId> product_id;
    std::optional<std::string> name;  ///< absent only with product_id (the catalog's name)
    std::optional<std::string> description;
    Money unit_price;
    Money qty;
    DiscountType discount_type = DiscountType::kPercent;
    Money discount_total;
    Money tax_rate;
    std::string tax_label;
    std::optional<std::string> unit;
    std::optional<std::string> note;
    std::int64_t display_order = 0;
    /// Which optional keys the request sent: an update by `id` changes only those (the rest
    /// keep their stored values); a new line takes the defaults for the others.
    struct Sent {
        bool description = false, qty = false, discount_type = false, discount_total = false;
        bool tax_label = false, tax_rate = false, unit = false, note = false;
        bool display_order = false;
    } sent;
};

/// Save a deal's billable (contract §7.2): tax type, lines added or updated, lines removed.
struct SaveBillable {
    std::optional<TaxType> tax_type;
    std::vector<LineChange> lines;
    std::vector<BillableProductId> removed;
};

/// Validates a billable body; errors use keys like `products.0.unit_price` and Laravel's
/// messages.
Result<SaveBillable> validate_billable(const BillableInput& input);

/// Where new ids come from (allocated by the caller; deterministic in tests).
struct BillableIds {
    std::function<BillableProductId()> next_line;
    std::function<ProductId()> next_product;
};

/// What a save decides: catalog products to create first (each on its own stream), then the
/// deal's events.
struct BillableDecision {
    std::vector<Event> catalog;
    std::vector<Event> deal;
};

/// The default tax type of a new billable (Concord's setting; `no_tax` out of the box).
inline constexpr TaxType kDefaultTaxType = TaxType::kNoTax;

/// Decides a save against the deal's state and the catalog. Lines whose `id` is not a line of
/// this deal are an error (404 in Concord's terms, 422 here); removed ids of other deals are
/// ignored. `actor` becomes `created_by` of products created from lines.
Result<BillableDecision> decide(const projections::Views& views, const projections::Deal& deal,
                                const SaveBillable& command, const BillableIds& ids,
                                std::optional<UserId> actor);

/// The figures events carry after a change: the billable's display totals and the deal amount
/// after it (`amount_before` is the deal's amount before the save).
BillableTotals totals_of(const projections::BillableView& billable,
                         std::optional<Money> amount_before);
/// The same from a tally's figures (which the lines' amounts have been checked against).
BillableTotals totals_of(const projections::BillableTally::Figures& figures,
                         std::optional<Money> amount_before);

}  // namespace deals::commands
