#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/billable_types.hpp"
#include "events/ids.hpp"
#include "events/money.hpp"

namespace deals::events {

/// A product line of a deal as events carry it: the values as stored (unit_price 3 dp, qty and
/// discount_total 2 dp, tax_rate 3 dp and 0 under no_tax).
struct BillableLine {
    BillableProductId id;
    std::optional<ProductId> product_id;  ///< the catalog product it is linked to
    std::string name;
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
    friend bool operator==(const BillableLine&, const BillableLine&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id), f("product_id", s.product_id), f("name", s.name);
        f("description", s.description), f("unit_price", s.unit_price), f("qty", s.qty);
        f("discount_type", s.discount_type), f("discount_total", s.discount_total);
        f("tax_rate", s.tax_rate), f("tax_label", s.tax_label), f("unit", s.unit);
        f("note", s.note), f("display_order", s.display_order);
    }
};

/// One tax group of a billable as its JSON shows it (`raw_total`, a binary artefact, is left
/// out).
struct TaxTotal {
    std::string key;  ///< `TAX10`
    std::string label;
    Money rate;
    Money total;
    friend bool operator==(const TaxTotal&, const TaxTotal&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("key", s.key), f("label", s.label), f("rate", s.rate), f("total", s.total);
    }
};

/// A deal's billable figures after a change, as the billable JSON shows them (rounded for
/// display, contract §7.3), and the deal's amount after it (3 dp; null when it has none), so a
/// consumer can keep its own view without recomputing.
struct BillableTotals {
    Money subtotal;
    Money total_discount;
    bool has_discount = false;
    std::vector<TaxTotal> taxes;
    Money total_tax;
    Money total;
    std::optional<Money> amount;
    friend bool operator==(const BillableTotals&, const BillableTotals&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("subtotal", s.subtotal), f("total_discount", s.total_discount);
        f("has_discount", s.has_discount), f("taxes", s.taxes), f("total_tax", s.total_tax);
        f("total", s.total), f("amount", s.amount);
    }
};

/// A product line was added to a deal (stream `deal-N`).
struct ProductAdded {
    static constexpr std::string_view kType = "ProductAdded";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    BillableLine line;
    BillableTotals totals;
    friend bool operator==(const ProductAdded&, const ProductAdded&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("line", s.line), f("totals", s.totals);
    }
};

/// A product line of a deal changed; `line` is the whole line after the change.
struct ProductUpdated {
    static constexpr std::string_view kType = "ProductUpdated";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    BillableLine line;
    BillableTotals totals;
    friend bool operator==(const ProductUpdated&, const ProductUpdated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("line", s.line), f("totals", s.totals);
    }
};

/// A product line was removed from a deal.
struct ProductRemoved {
    static constexpr std::string_view kType = "ProductRemoved";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    BillableProductId line_id;
    BillableTotals totals;
    friend bool operator==(const ProductRemoved&, const ProductRemoved&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("line_id", s.line_id), f("totals", s.totals);
    }
};

/// A deal's billable got a tax type: `from` is null when this created the billable (its first
/// save, even without products).
struct TaxTypeChanged {
    static constexpr std::string_view kType = "TaxTypeChanged";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    std::optional<TaxType> from;
    TaxType to = TaxType::kNoTax;
    BillableTotals totals;
    friend bool operator==(const TaxTypeChanged&, const TaxTypeChanged&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("from", s.from), f("to", s.to), f("totals", s.totals);
    }
};

/// A catalog product's fields (contract §7.6), as created or after an update.
struct CatalogProductFields {
    std::string name;
    std::optional<std::string> sku;
    std::optional<std::string> description;
    Money unit_price;
    std::optional<Money> direct_cost;
    Money tax_rate;
    std::string tax_label;
    std::optional<std::string> unit;
    bool is_active = true;
    friend bool operator==(const CatalogProductFields&, const CatalogProductFields&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("name", s.name), f("sku", s.sku), f("description", s.description);
        f("unit_price", s.unit_price), f("direct_cost", s.direct_cost);
        f("tax_rate", s.tax_rate), f("tax_label", s.tax_label), f("unit", s.unit);
        f("is_active", s.is_active);
    }
};

/// A product was added to the catalog (stream `product-N`), by the API or from a deal's line.
struct CatalogProductCreated {
    static constexpr std::string_view kType = "CatalogProductCreated";
    static constexpr int kSchemaVersion = 1;
    ProductId product_id;
    CatalogProductFields fields;
    std::optional<UserId> created_by;
    friend bool operator==(const CatalogProductCreated&, const CatalogProductCreated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("product_id", s.product_id), f("fields", s.fields), f("created_by", s.created_by);
    }
};

/// A catalog product's fields changed; `fields` holds all of them after the change.
struct CatalogProductUpdated {
    static constexpr std::string_view kType = "CatalogProductUpdated";
    static constexpr int kSchemaVersion = 1;
    ProductId product_id;
    CatalogProductFields fields;
    friend bool operator==(const CatalogProductUpdated&, const CatalogProductUpdated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("product_id", s.product_id), f("fields", s.fields);
    }
};

/// A catalog product was soft-deleted (it still matches lines by name, which restore it).
struct CatalogProductTrashed {
    static constexpr std::string_view kType = "CatalogProductTrashed";
    static constexpr int kSchemaVersion = 1;
    ProductId product_id;
    friend bool operator==(const CatalogProductTrashed&, const CatalogProductTrashed&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("product_id", s.product_id);
    }
};

/// A soft-deleted catalog product is back.
struct CatalogProductRestored {
    static constexpr std::string_view kType = "CatalogProductRestored";
    static constexpr int kSchemaVersion = 1;
    ProductId product_id;
    friend bool operator==(const CatalogProductRestored&, const CatalogProductRestored&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("product_id", s.product_id);
    }
};

}  // namespace deals::events
