// Billable saves (contract §7): given a deal (and the catalog), when a valid body is decided,
// then these catalog and deal events, carrying these totals (or this error).

#include "commands/billable_commands.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <tuple>

#include "tests/commands/billable_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::FieldErrors;

namespace {

const DealId kDeal{42};

/// V2's line (contract §7.7): 2 × 1000 with a 10 % discount at 10 %.
BillableLineInput v2_line(std::string name = "Consulting") {
    BillableLineInput in = line(std::move(name), "1000");
    in.qty = num("2");
    in.discount_total = num("10");
    in.tax_rate = num("10");
    return in;
}

BillableLineInput taxed(std::string name, std::string unit_price, std::string rate,
                        std::string label = {}) {
    BillableLineInput in = line(std::move(name), std::move(unit_price));
    in.tax_rate = num(std::move(rate));
    if (!label.empty()) {
        in.tax_label = str(std::move(label));
    }
    return in;
}

/// A line as stored with the defaults of a new line.
BillableLine stored(std::int64_t id, std::int64_t product, std::string name, std::string price,
                    std::int64_t display_order) {
    return BillableLine{BillableProductId{id},
                        ProductId{product},
                        std::move(name),
                        std::nullopt,
                        money(price),
                        money("1"),
                        DiscountType::kPercent,
                        money("0"),
                        money("0"),
                        "TAX",
                        std::nullopt,
                        std::nullopt,
                        display_order};
}

/// Totals without discount or tax: subtotal = total = `total`, and the deal amount.
BillableTotals plain(std::string total, std::optional<std::string> amount) {
    BillableTotals t;
    t.subtotal = money(total);
    t.total = money(total);
    if (amount) {
        t.amount = money(*amount);
    }
    return t;
}

/// The stored line `id` of deal 42.
BillableLine line_of(const BillableWorld& w, std::int64_t id) {
    const auto& billable = w.deal().billable;
    REQUIRE(billable.has_value());
    for (const auto& l : billable->lines) {
        if (l.line.id.value == id) {
            return l.line;
        }
    }
    FAIL("no line " << id);
    return {};
}

/// A catalog product `id` named `name` at `price`, recorded in the world.
void catalog_product(BillableWorld& w, std::int64_t id, std::string name, std::string price) {
    CatalogProductFields fields;
    fields.name = std::move(name);
    fields.unit_price = money(price);
    fields.tax_label = "TAX";
    w.world.given({CatalogProductCreated{ProductId{id}, fields, kAlice}}, at(-10));
}

/// Catalog product 7 "Old" at 1, in the trash.
void trashed_product_old(BillableWorld& w) {
    catalog_product(w, 7, "Old", "1");
    w.world.given({CatalogProductTrashed{ProductId{7}}}, at(-5));
}

/// A new line "Support" at `price` that sends every key: `description`, `qty`, a fixed
/// discount of 5, tax "VAT" at 20 %, unit "h", note "weekdays", display order 7.
BillableLineInput every_key(std::string price, std::string description, std::string qty) {
    BillableLineInput in = line("Support", std::move(price));
    in.description = str(std::move(description));
    in.qty = num(std::move(qty));
    in.discount_type = str("fixed");
    in.discount_total = num("5");
    in.tax_label = str("VAT");
    in.tax_rate = num("20");
    in.unit = str("h");
    in.note = str("weekdays");
    in.display_order = num("7");
    return in;
}

}  // namespace

// ---- tax type and the first save ----

TEST_CASE("a first save creates the billable with its tax type, then adds each line (V2)",
          "[commands][billable]") {
    BillableWorld w;

    const BillableDecision d = value_of(w.decide(body({v2_line()}, "exclusive")));

    const BillableLine added{BillableProductId{101},
                             ProductId{501},
                             "Consulting",
                             std::nullopt,
                             money("1000"),
                             money("2"),
                             DiscountType::kPercent,
                             money("10"),
                             money("10"),
                             "TAX",
                             std::nullopt,
                             std::nullopt,
                             1};
    const BillableTotals v2{money("1800"), money("200"),
                            true,          {TaxTotal{"TAX10", "TAX", money("10"), money("180")}},
                            money("180"),  money("1980"),
                            money("1980")};
    CHECK(d.deal == Events{TaxTypeChanged{kDeal, std::nullopt, TaxType::kExclusive, {}},
                           ProductAdded{kDeal, added, v2}});
    CatalogProductFields fields;
    fields.name = "Consulting";
    fields.unit_price = money("1000");
    fields.tax_rate = money("10");
    fields.tax_label = "TAX";
    CHECK(d.catalog == Events{CatalogProductCreated{ProductId{501}, fields, kAlice}});
}

TEST_CASE("a new billable is no_tax by default and stores every line's tax rate as 0 (V1)",
          "[commands][billable]") {
    BillableWorld w;

    const BillableDecision d = value_of(w.decide(body({v2_line()})));

    REQUIRE(types_of(d.deal) == std::vector<std::string>{"TaxTypeChanged", "ProductAdded"});
    const auto& created = std::get<TaxTypeChanged>(d.deal[0]);
    CHECK_FALSE(created.from.has_value());
    CHECK(created.to == TaxType::kNoTax);
    CHECK(deals::commands::kDefaultTaxType == TaxType::kNoTax);
    const auto& added = std::get<ProductAdded>(d.deal[1]);
    CHECK(added.line.tax_rate == money("0"));
    CHECK(added.totals ==
          BillableTotals{
              money("1800"), money("200"), true, {}, money("0"), money("1800"), money("1800")});
    // The catalog product is made from the line as stored.
    CHECK(std::get<CatalogProductCreated>(d.catalog.at(0)).fields.tax_rate == money("0"));
}

TEST_CASE("a first save without products still creates the billable", "[commands][billable]") {
    BillableWorld w;

    const BillableDecision d = value_of(w.decide(body({}, "inclusive")));

    CHECK(d.deal == Events{TaxTypeChanged{kDeal, std::nullopt, TaxType::kInclusive, {}}});
    CHECK(d.catalog.empty());
}

TEST_CASE("an existing billable changes its tax type only when another one is given",
          "[commands][billable]") {
    BillableWorld w;
    w.save(body({taxed("A", "100", "10")}, "exclusive"));

    CHECK(types_of(value_of(w.decide(body({line("B", "50")}))).deal) ==
          std::vector<std::string>{"ProductAdded"});
    CHECK(value_of(w.decide(body({}, "exclusive"))).deal.empty());

    const BillableDecision d = value_of(w.decide(body({}, "inclusive")));
    const BillableTotals inclusive{
        money("100"),  money("0"),
        false,         {TaxTotal{"TAX10", "TAX", money("10"), money("9.09")}},
        money("9.09"), money("100"),
        money("100")};
    CHECK(d.deal ==
          Events{TaxTypeChanged{kDeal, TaxType::kExclusive, TaxType::kInclusive, inclusive}});
}

TEST_CASE("switching to no_tax stores 0 as the tax rate of every line, named or not",
          "[commands][billable]") {
    BillableWorld w;
    w.save(body({taxed("A", "100", "10"), line("B", "50"), taxed("C", "20", "20")}, "exclusive"));
    const Deal before = w.deal();

    const BillableDecision d = value_of(w.decide(body({line(102, "B", "60")}, "no_tax")));

    REQUIRE(types_of(d.deal) == std::vector<std::string>{"TaxTypeChanged", "ProductUpdated",
                                                         "ProductUpdated", "ProductUpdated"});
    BillableLine a = line_of(w, 101);
    a.tax_rate = money("0");
    BillableLine c = line_of(w, 103);
    c.tax_rate = money("0");
    BillableLine b = line_of(w, 102);
    b.unit_price = money("60");
    CHECK(d.deal ==
          Events{TaxTypeChanged{kDeal, TaxType::kExclusive, TaxType::kNoTax, plain("170", "170")},
                 ProductUpdated{kDeal, a, plain("170", "170")},
                 ProductUpdated{kDeal, c, plain("170", "170")},
                 ProductUpdated{kDeal, b, plain("180", "180")}});
    check_totals_follow_math(before, d.deal);
}

// ---- lines added, updated and removed ----

TEST_CASE("a new line takes the defaults for the keys it leaves out", "[commands][billable]") {
    BillableWorld w;

    const BillableDecision d = value_of(w.decide(body({line("A", "12.5"), line("B", "1")})));

    CHECK(std::get<ProductAdded>(d.deal.at(1)).line == stored(101, 501, "A", "12.5", 1));
    CHECK(std::get<ProductAdded>(d.deal.at(2)).line == stored(102, 502, "B", "1", 2));
}

TEST_CASE("every key of a new line is stored as sent", "[commands][billable]") {
    BillableWorld w;
    const BillableLineInput in = every_key("100.125", "Hours of support", "3.5");

    const BillableDecision d = value_of(w.decide(body({in}, "exclusive"), 42, std::nullopt));

    const BillableLine expected{BillableProductId{101},
                                ProductId{501},
                                "Support",
                                "Hours of support",
                                money("100.125"),
                                money("3.5"),
                                DiscountType::kFixed,
                                money("5"),
                                money("20"),
                                "VAT",
                                "h",
                                "weekdays",
                                7};
    CHECK(std::get<ProductAdded>(d.deal.at(1)).line == expected);
    // The catalog product is made from the line, with no creator when there is no actor.
    CatalogProductFields fields;
    fields.name = "Support";
    fields.description = "Hours of support";
    fields.unit_price = money("100.125");
    fields.tax_rate = money("20");
    fields.tax_label = "VAT";
    fields.unit = "h";
    CHECK(d.catalog == Events{CatalogProductCreated{ProductId{501}, fields, std::nullopt}});
}

TEST_CASE("an update by id changes only the keys the request sends", "[commands][billable]") {
    BillableWorld w;
    w.save(body({every_key("100", "Hours", "3")}, "exclusive"));
    const BillableLine saved = line_of(w, 101);
    const Deal before = w.deal();

    SECTION("keys left out keep their stored values") {
        const BillableDecision d = value_of(w.decide(body({line(101, "Support", "120")})));

        BillableLine expected = saved;
        expected.unit_price = money("120");
        REQUIRE(types_of(d.deal) == std::vector<std::string>{"ProductUpdated"});
        CHECK(std::get<ProductUpdated>(d.deal[0]).line == expected);
        CHECK(d.catalog.empty());
        check_totals_follow_math(before, d.deal);
    }
    SECTION("null clears description, unit and note and keeps the others") {
        BillableLineInput nulls = line(101, "Support", "100");
        nulls.description = null();
        nulls.unit = null();
        nulls.note = null();
        nulls.qty = null();
        nulls.discount_type = null();
        nulls.discount_total = null();
        nulls.tax_label = null();
        nulls.tax_rate = null();
        nulls.display_order = null();

        const BillableDecision d = value_of(w.decide(body({nulls})));

        BillableLine expected = saved;
        expected.description.reset();
        expected.unit.reset();
        expected.note.reset();
        REQUIRE(types_of(d.deal) == std::vector<std::string>{"ProductUpdated"});
        CHECK(std::get<ProductUpdated>(d.deal[0]).line == expected);
        check_totals_follow_math(before, d.deal);
    }
    SECTION("every key sent changes") {
        BillableLineInput all = line(101, "Support", "100");
        all.description = str("Days");
        all.qty = num("1");
        all.discount_type = str("percent");
        all.discount_total = num("0");
        all.tax_label = str("TAX");
        all.tax_rate = num("0");
        all.unit = str("d");
        all.note = str("any day");
        all.display_order = num("1");

        const BillableDecision d = value_of(w.decide(body({all})));

        const BillableLine expected{BillableProductId{101},
                                    ProductId{501},
                                    "Support",
                                    "Days",
                                    money("100"),
                                    money("1"),
                                    DiscountType::kPercent,
                                    money("0"),
                                    money("0"),
                                    "TAX",
                                    "d",
                                    "any day",
                                    1};
        CHECK(d.deal == Events{ProductUpdated{kDeal, expected, plain("100", "100")}});
    }
}

TEST_CASE("an update that changes nothing records nothing", "[commands][billable]") {
    BillableWorld w;
    w.save(body({taxed("A", "10", "5")}, "exclusive"));

    const BillableDecision d = value_of(w.decide(body({line(101, "A", "10")}, "exclusive")));

    CHECK(d.deal.empty());
    CHECK(d.catalog.empty());
}

TEST_CASE("a line id that is not a line of this deal is refused on products.N.id",
          "[commands][billable]") {
    BillableWorld w;
    w.save(body({line("Theirs", "50")}), 43);  // line 101, of deal 43
    w.save(body({line("Ours", "5")}));         // line 102

    const auto expected =
        FieldErrors{{"products.1.id", {"The selected products.1.id is invalid."}}};
    for (const std::int64_t id : {101, 999}) {
        INFO("line id " << id);
        const Error e = error_of(w.decide(body({line("Brand new", "1"), line(id, "Stolen", "1")})));
        CHECK(e.code == ErrorCode::kValidation);
        CHECK(e.message == "The selected products.1.id is invalid.");
        CHECK(e.fields == expected);
    }
}

TEST_CASE("removed_products removes this deal's lines and ignores other ids",
          "[commands][billable]") {
    BillableWorld w;
    w.save(body({line("Theirs", "50")}), 43);                       // line 101, of deal 43
    w.save(body({line("A", "10"), line("B", "20")}, "exclusive"));  // lines 102 and 103
    const Deal before = w.deal();

    const BillableDecision d = value_of(w.decide(body({}, {}, {101, 103, 999, 102})));

    CHECK(d.deal == Events{ProductRemoved{kDeal, BillableProductId{103}, plain("10", "10")},
                           ProductRemoved{kDeal, BillableProductId{102}, plain("0", "0")}});
    check_totals_follow_math(before, d.deal);
    // Removing every line sets the amount to 0; deal 43 is not touched.
    w.world.given(d.deal, at(50));
    CHECK(w.deal().amount == money("0"));
    CHECK(w.deal(43).billable->lines.size() == 1);
    CHECK(w.deal(43).amount == money("50"));
}

TEST_CASE("lines are kept in display order, which orders tax groups of one rate",
          "[commands][billable]") {
    BillableWorld w;
    BillableLineInput second = taxed("X", "100", "10", "BBB");
    second.display_order = num("2");
    BillableLineInput first = taxed("Y", "100", "10", "AAA");
    first.display_order = num("1");
    BillableLineInput low = taxed("Z", "100", "5", "CCC");
    low.display_order = num("3");

    const BillableDecision d = value_of(w.decide(body({second, first, low}, "exclusive")));

    REQUIRE(d.deal.size() == 4);
    auto keys = [](const Event& e) {
        std::vector<std::string> out;
        for (const auto& t : totals_in(e)->taxes) {
            out.push_back(t.key);
        }
        return out;
    };
    CHECK(keys(d.deal[1]) == std::vector<std::string>{"BBB10"});
    CHECK(keys(d.deal[2]) == std::vector<std::string>{"AAA10", "BBB10"});
    // By rate first, then by first appearance in display order.
    CHECK(keys(d.deal[3]) == std::vector<std::string>{"CCC5", "AAA10", "BBB10"});
    check_totals_follow_math(w.deal(), d.deal);
}

TEST_CASE("new lines of a later save are numbered from 1 in their own request",
          "[commands][billable]") {
    BillableWorld w;
    w.save(body({line("A", "1"), line("B", "1")}));

    const BillableDecision d = value_of(w.decide(body({line("C", "1")})));

    CHECK(std::get<ProductAdded>(d.deal.at(0)).line.display_order == 1);
    w.world.given(d.deal, at(50));
    std::vector<std::int64_t> order;
    for (const auto& l : w.deal().billable->lines) {
        order.push_back(l.line.id.value);
    }
    CHECK(order == std::vector<std::int64_t>{101, 103, 102});  // ties by line id
}

// ---- the catalog ----

TEST_CASE("a line with a product_id takes the catalog product's name, and keeps the link",
          "[commands][billable][catalog]") {
    BillableWorld w;
    catalog_product(w, 7, "Catalog Item", "12.5");
    BillableLineInput by_id;
    by_id.product_id = num("7");
    by_id.unit_price = num("3");
    BillableLineInput renamed = line("Own name", "4");
    renamed.product_id = num("7");

    const BillableDecision d = value_of(w.decide(body({by_id, renamed})));

    const auto& a = std::get<ProductAdded>(d.deal.at(1)).line;
    CHECK(a.name == "Catalog Item");
    CHECK(a.product_id == ProductId{7});
    CHECK(a.unit_price == money("3"));  // the line's price, not the catalog's
    const auto& b = std::get<ProductAdded>(d.deal.at(2)).line;
    CHECK(b.name == "Own name");
    CHECK(b.product_id == ProductId{7});
    CHECK(d.catalog.empty());
}

TEST_CASE("a product_id that is not in the catalog refuses the whole save",
          "[commands][billable][catalog]") {
    BillableWorld w;
    BillableLineInput unknown;
    unknown.product_id = num("999");
    unknown.unit_price = num("1");
    BillableLineInput named = line("Named", "1");
    named.product_id = num("999");

    for (const auto& in : {unknown, named}) {
        const Error e = error_of(w.decide(body({line("Brand new", "1"), in})));
        CHECK(e.fields == FieldErrors{{"products.1.product_id",
                                       {"The selected products.1.product id is invalid."}}});
    }
}

TEST_CASE("a line links to the product of its name ignoring case and accents, unchanged",
          "[commands][billable][catalog]") {
    BillableWorld w;
    catalog_product(w, 7, "Café Crème", "9");

    const BillableDecision d = value_of(w.decide(body({line("CAFE creme", "4")})));

    const auto& added = std::get<ProductAdded>(d.deal.at(1)).line;
    CHECK(added.product_id == ProductId{7});
    CHECK(added.name == "CAFE creme");
    CHECK(d.catalog.empty());
}

TEST_CASE("one catalog product is created per distinct new name in one save",
          "[commands][billable][catalog]") {
    BillableWorld w;
    BillableLineInput first = line("Widget", "10");
    first.unit = str("pc");

    const BillableDecision d = value_of(
        w.decide(body({first, line("WIDGET", "20"), line("Gadget", "5"), line("widgét", "30")})));

    CatalogProductFields widget;
    widget.name = "Widget";
    widget.unit_price = money("10");
    widget.tax_label = "TAX";
    widget.unit = "pc";
    CatalogProductFields gadget;
    gadget.name = "Gadget";
    gadget.unit_price = money("5");
    gadget.tax_label = "TAX";
    CHECK(d.catalog == Events{CatalogProductCreated{ProductId{501}, widget, kAlice},
                              CatalogProductCreated{ProductId{502}, gadget, kAlice}});
    std::vector<std::int64_t> products;
    for (std::size_t i = 1; i < d.deal.size(); ++i) {
        products.push_back(std::get<ProductAdded>(d.deal[i]).line.product_id->value);
    }
    CHECK(products == std::vector<std::int64_t>{501, 501, 502, 501});
}

TEST_CASE("a trashed catalog product matched by name is restored, once",
          "[commands][billable][catalog]") {
    BillableWorld w;
    trashed_product_old(w);

    const BillableDecision d = value_of(w.decide(body({line("old", "2"), line("OLD", "3")})));

    CHECK(d.catalog == Events{CatalogProductRestored{ProductId{7}}});
    CHECK(std::get<ProductAdded>(d.deal.at(1)).line.product_id == ProductId{7});
    CHECK(std::get<ProductAdded>(d.deal.at(2)).line.product_id == ProductId{7});
}

TEST_CASE("a line named like a restore's bookkeeping gets a product of its own",
          "[commands][billable][catalog]") {
    // The save once kept the products it restores and the names it creates in one map, so a
    // line named "restored:7" in a save that restores product 7 was linked to product 7.
    BillableWorld w;
    trashed_product_old(w);

    const BillableDecision d =
        value_of(w.decide(body({line("Old", "2"), line("restored:7", "3")})));

    REQUIRE(d.catalog.size() == 2);
    CHECK(d.catalog.at(0) == Event{CatalogProductRestored{ProductId{7}}});
    const auto& created = std::get<CatalogProductCreated>(d.catalog.at(1));
    CHECK(created.fields.name == "restored:7");
    CHECK(std::get<ProductAdded>(d.deal.at(2)).line.product_id == created.product_id);
}

TEST_CASE("renaming a line links it to the catalog product of the new name",
          "[commands][billable][catalog]") {
    BillableWorld w;
    catalog_product(w, 7, "Catalog Item", "12.5");
    w.save(body({line("A", "10")}));  // line 101, product 501

    const BillableDecision to_new = value_of(w.decide(body({line(101, "B", "10")})));
    const BillableDecision to_existing =
        value_of(w.decide(body({line(101, "catalog item", "10")})));

    CHECK(std::get<ProductUpdated>(to_new.deal.at(0)).line.product_id == ProductId{502});
    CHECK(std::get<CatalogProductCreated>(to_new.catalog.at(0)).fields.name == "B");
    CHECK(std::get<ProductUpdated>(to_existing.deal.at(0)).line.product_id == ProductId{7});
    CHECK(to_existing.catalog.empty());
}

// ---- the deal amount ----

TEST_CASE("products overwrite the amount a deal had", "[commands][billable][amount]") {
    BillableWorld w;
    DealCreated with_amount = open_deal(44, "Priced");
    with_amount.amount = money("500");
    w.world.given({with_amount}, at(0));

    const BillableDecision d = value_of(w.decide(body({line("A", "100")}), 44));

    CHECK(totals_in(d.deal.at(0))->amount == money("0"));  // an empty billable is worth 0
    CHECK(totals_in(d.deal.at(1))->amount == money("100"));
}

TEST_CASE("an amount below 1 survives a billable whose total is 0 (the both-zero rule)",
          "[commands][billable][amount]") {
    BillableWorld w;
    DealCreated small = open_deal(44, "Small");
    small.amount = money("0.5");
    DealCreated one = open_deal(45, "One");
    one.amount = money("1.5");
    w.world.given({small, one}, at(0));

    CHECK(totals_in(value_of(w.decide(body({}), 44)).deal.at(0))->amount == money("0.5"));
    CHECK(totals_in(value_of(w.decide(body({}), 45)).deal.at(0))->amount == money("0"));
    // A deal without an amount keeps none.
    CHECK_FALSE(totals_in(value_of(w.decide(body({}), 42)).deal.at(0))->amount.has_value());
}

TEST_CASE("the deal amount keeps three decimals where the billable shows two (V7)",
          "[commands][billable][amount]") {
    BillableWorld w;
    BillableLineInput a = taxed("A", "33.333", "7.5");
    a.qty = num("3");
    BillableLineInput b = taxed("B", "19.99", "7.5");
    b.qty = num("1.5");
    b.discount_type = str("fixed");
    b.discount_total = num("0.99");

    const BillableDecision d = value_of(w.decide(body({a, b}, "exclusive")));

    CHECK(*totals_in(d.deal.at(1)) ==
          BillableTotals{money("100"),
                         money("0"),
                         false,
                         {TaxTotal{"TAX7.5", "TAX", money("7.5"), money("7.5")}},
                         money("7.5"),
                         money("107.5"),
                         money("107.499")});
    CHECK(*totals_in(d.deal.at(2)) ==
          BillableTotals{money("128.99"),
                         money("0.99"),
                         true,
                         {TaxTotal{"TAX7.5", "TAX", money("7.5"), money("9.67")}},
                         money("9.67"),
                         money("138.67"),
                         money("138.669")});
}

TEST_CASE("a save that changes nothing still syncs the deal amount to the billable total",
          "[commands][billable][amount]") {
    BillableWorld w;
    w.save(body({}));
    DealUpdated changed;
    changed.deal_id = kDeal;
    changed.amount = Change<std::optional<Money>>{std::nullopt, money("300")};
    w.world.given({changed}, at(20));

    const BillableDecision empty = value_of(w.decide(body({})));

    DealUpdated synced;
    synced.deal_id = kDeal;
    synced.amount = Change<std::optional<Money>>{money("300"), money("0")};
    CHECK(empty.deal == Events{synced});

    w.save(body({line("A", "110")}));
    changed.amount = Change<std::optional<Money>>{money("110"), money("250")};
    w.world.given({changed}, at(30));
    synced.amount = Change<std::optional<Money>>{money("250"), money("110")};
    CHECK(value_of(w.decide(body({line(101, "A", "110")}))).deal == Events{synced});
}

TEST_CASE("a total beyond what a deal amount holds is refused on products",
          "[commands][billable][amount]") {
    BillableWorld w;
    BillableLineInput huge = line("Huge", "999999999999999");
    huge.qty = num("10");

    const Error e = error_of(w.decide(body({line("Small", "1"), huge})));

    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.fields == FieldErrors{{"products", {"The products total is too large."}}});
    CHECK(e.message == "The products total is too large.");
    // Just within the range is fine.
    huge.qty = num("1");
    CHECK(w.decide(body({huge})).has_value());
}

// ---- one save: the order of its events ----

TEST_CASE("a save records the tax type, then its lines in request order, then removals",
          "[commands][billable]") {
    BillableWorld w;
    w.save(body({taxed("A", "100", "10"), line("B", "50")}, "exclusive"));  // lines 101, 102
    const Deal before = w.deal();

    const BillableDecision d = value_of(
        w.decide(body({line("C", "5"), line(102, "B", "55"), line("D", "1")}, "inclusive", {101})));

    CHECK(types_of(d.deal) == std::vector<std::string>{"TaxTypeChanged", "ProductAdded",
                                                       "ProductUpdated", "ProductAdded",
                                                       "ProductRemoved"});
    CHECK(std::get<ProductAdded>(d.deal[1]).line.id == BillableProductId{103});
    CHECK(std::get<ProductUpdated>(d.deal[2]).line.id == BillableProductId{102});
    CHECK(std::get<ProductAdded>(d.deal[3]).line.id == BillableProductId{104});
    CHECK(std::get<ProductRemoved>(d.deal[4]).line_id == BillableProductId{101});
    CHECK(*totals_in(d.deal.back()) == plain("61", "61"));
    check_totals_follow_math(before, d.deal);
}

// ---- a save of hundreds of lines ----

namespace {

/// One line of the large saves: the body's values (empty: left out).
struct Spec {
    std::string name, price, qty, discount_type, discount, rate, label;
    std::optional<std::int64_t> display_order;

    [[nodiscard]] BillableLineInput input() const {
        BillableLineInput in = line(name, price);
        if (!qty.empty()) {
            in.qty = num(qty);
        }
        in.discount_type = str(discount_type);
        if (!discount.empty()) {
            in.discount_total = num(discount);
        }
        in.tax_rate = num(rate);
        if (!label.empty()) {
            in.tax_label = str(label);
        }
        if (display_order) {
            in.display_order = num(std::to_string(*display_order));
        }
        return in;
    }

    /// The line as stored when it is item `index` of its request.
    [[nodiscard]] BillableLine stored_as(std::int64_t id, std::size_t index) const {
        BillableLine l;
        l.id = BillableProductId{id};
        l.name = name;
        l.unit_price = money(price);
        l.qty = money(qty.empty() ? "1" : qty);
        l.discount_type = *parse_discount_type(discount_type);
        l.discount_total = money(discount.empty() ? "0" : discount);
        l.tax_rate = money(rate);
        l.tax_label = label.empty() ? "TAX" : label;
        l.display_order = display_order.value_or(static_cast<std::int64_t>(index) + 1);
        return l;
    }
};

/// A line whose values vary with `i`: prices with three decimals, quantities with two, both
/// kinds of discount, five tax rates under two labels, and display orders that collide.
Spec varied(std::string name, std::int64_t i) {
    static const char* const kRates[] = {"0", "7.5", "10", "19", "21.125", "10", "5"};
    char decimals[8];
    std::snprintf(decimals, sizeof decimals, "%03lld", static_cast<long long>(i * 7919 % 1000));
    Spec s;
    s.name = std::move(name);
    s.price = std::to_string(10 + i * 37 % 990) + "." + decimals;
    s.qty = i % 4 == 0 ? "" : std::to_string(1 + i % 7) + ".25";
    s.discount_type = i % 5 == 2 ? "fixed" : "percent";
    s.discount = i % 5 == 1 ? "12.5" : i % 5 == 2 ? "3.75" : "";
    s.rate = kRates[i % 7];
    s.label = i % 3 == 0 ? "VAT" : "";
    if (i % 2 == 0) {
        s.display_order = i * 53 % 150;
    }
    return s;
}

/// What the billable math reads of a line, and where it stands.
auto math_fields(const BillableLine& l) {
    return std::tuple(l.id.value, l.display_order, l.unit_price, l.qty, l.discount_type,
                      l.discount_total, l.tax_rate, l.tax_label);
}

}  // namespace

TEST_CASE("each event of a save of hundreds of lines carries the totals of the lines so far",
          "[commands][billable][large]") {
    BillableWorld w;
    w.save(body({line("Theirs", "50")}), 43);
    const std::int64_t first_id = w.last_line + 1;
    std::map<std::int64_t, BillableLine> model;  // deal 42's lines as they should be, by id

    // A first save of 150 lines.
    std::vector<BillableLineInput> first;
    for (std::int64_t i = 0; i < 150; ++i) {
        const Spec spec = varied("Item " + std::to_string(i), i);
        first.push_back(spec.input());
        model[first_id + i] = spec.stored_as(first_id + i, static_cast<std::size_t>(i));
    }
    const Deal empty = w.deal();
    const BillableDecision created = w.save(body(first, "exclusive"));
    REQUIRE(created.deal.size() == 151);
    check_totals_follow_math(empty, created.deal);

    // Then, in one save: inclusive, 50 lines repriced (half of them moved), 200 new lines,
    // 25 lines removed, and ids of another deal's line and of no line.
    std::vector<BillableLineInput> second;
    std::vector<std::int64_t> removed;
    for (std::int64_t i = 0; i < 150; ++i) {
        const std::int64_t id = first_id + i;
        if (i % 3 == 0) {
            const std::string price = std::to_string(i + 1) + ".5";
            BillableLineInput in = line(id, "Item " + std::to_string(i), price);
            model[id].unit_price = money(price);
            if (i % 2 == 1) {
                in.display_order = num(std::to_string(i * 11 % 200));
                model[id].display_order = i * 11 % 200;
            }
            second.push_back(in);
        } else if (i % 6 == 1) {
            removed.push_back(id);
            model.erase(id);
        }
    }
    removed.push_back(first_id - 1);  // deal 43's line
    removed.push_back(99'999);
    std::int64_t next_id = w.last_line + 1;
    for (std::int64_t j = 0; j < 200; ++j) {
        const Spec spec = varied("New " + std::to_string(j), 1000 + j);
        model[next_id] = spec.stored_as(next_id, second.size());
        ++next_id;
        second.push_back(spec.input());
    }
    const Deal before = w.deal();
    const BillableDecision d = value_of(w.decide(body(second, "inclusive", removed)));

    REQUIRE(d.deal.size() == 1 + 50 + 200 + 25);
    CHECK(types_of({d.deal[0]}) == std::vector<std::string>{"TaxTypeChanged"});
    CHECK(types_of({d.deal[138]}) == std::vector<std::string>{"ProductAdded"});
    check_totals_follow_math(before, d.deal);

    // The last event's totals are the math over the lines the requests describe.
    deals::projections::BillableView expected{TaxType::kInclusive, {}, {}};
    for (const auto& [_, l] : model) {
        expected.lines.push_back({l, {}, {}});
    }
    std::stable_sort(expected.lines.begin(), expected.lines.end(),
                     [](const auto& a, const auto& b) {
                         return std::pair(a.line.display_order, a.line.id.value) <
                                std::pair(b.line.display_order, b.line.id.value);
                     });
    CHECK(*totals_in(d.deal.back()) == billable_math(expected, before.amount));
    w.world.given(d.deal, at(100));
    const auto& lines = w.deal().billable->lines;
    REQUIRE(lines.size() == expected.lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO("line " << i);
        CHECK(math_fields(lines[i].line) == math_fields(expected.lines[i].line));
    }
}
