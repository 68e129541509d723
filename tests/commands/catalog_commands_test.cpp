// The products catalog (contract §7.6): given the catalog, when a product body is validated
// for a create or an update, then these fields (or these errors), and the update's events.

#include "commands/catalog_commands.hpp"

#include <catch2/catch.hpp>

#include "tests/commands/field_values.hpp"
#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::decide_product_update;
using deals::commands::FieldErrors;
using deals::commands::ProductInput;
using deals::commands::validate_product;

namespace {

CatalogProductFields fields(std::string name, std::string price, std::optional<std::string> sku) {
    CatalogProductFields f;
    f.name = std::move(name);
    f.sku = std::move(sku);
    f.unit_price = money(price);
    f.tax_label = "TAX";
    return f;
}

/// The catalog: 7 "Café Crème" (sku CC-1, with every field set), 8 "Widget" (sku W-1) and
/// 9 "Old Thing" in the trash.
World with_catalog() {
    World w = World::seeded();
    CatalogProductFields cafe = fields("Café Crème", "9.5", "CC-1");
    cafe.description = "A cup";
    cafe.direct_cost = money("2.125");
    cafe.tax_rate = money("7.5");
    cafe.tax_label = "VAT";
    cafe.unit = "cup";
    w.given({CatalogProductCreated{ProductId{7}, cafe, kAlice},
             CatalogProductCreated{ProductId{8}, fields("Widget", "10", "W-1"), kBob},
             CatalogProductCreated{ProductId{9}, fields("Old Thing", "1", std::nullopt), kAlice},
             CatalogProductTrashed{ProductId{9}}},
            at(-20));
    return w;
}

ProductInput product(std::string name, std::string price) {
    ProductInput in;
    in.name = str(std::move(name));
    in.unit_price = num(std::move(price));
    return in;
}

const deals::projections::Product& stored(const World& w, std::int64_t id) {
    const auto* p = w.views.product(ProductId{id});
    REQUIRE(p != nullptr);
    return *p;
}

FieldErrors one(std::string key, std::string message) {
    return FieldErrors{{std::move(key), {std::move(message)}}};
}

}  // namespace

// ---- create ----

TEST_CASE("a product created with a name and a price gets the defaults", "[commands][catalog]") {
    const World w = with_catalog();

    const CatalogProductFields f =
        value_of(validate_product(product("Gadget", "12.5"), nullptr, w.views));

    CHECK(f == fields("Gadget", "12.5", std::nullopt));
    CHECK(f.tax_rate == money("0"));
    CHECK(f.tax_label == "TAX");
    CHECK(f.is_active);
    CHECK_FALSE(f.direct_cost.has_value());
}

TEST_CASE("every field of a product is stored as sent", "[commands][catalog]") {
    const World w = with_catalog();
    ProductInput in = product("Gadget", "12.345");
    in.sku = str("G-1");
    in.description = str(std::string(1000, 'd'));
    in.direct_cost = str("3.5");
    in.tax_rate = num("100");
    in.tax_label = str("VAT");
    in.unit = str("box");
    in.is_active = boolean(false);

    const CatalogProductFields f = value_of(validate_product(in, nullptr, w.views));

    CatalogProductFields expected = fields("Gadget", "12.345", "G-1");
    expected.description = std::string(1000, 'd');
    expected.direct_cost = money("3.5");
    expected.tax_rate = money("100");
    expected.tax_label = "VAT";
    expected.unit = "box";
    expected.is_active = false;
    CHECK(f == expected);
}

TEST_CASE("a product needs a name and a unit price", "[commands][catalog]") {
    const World w = with_catalog();

    const Error e = error_of(validate_product(ProductInput{}, nullptr, w.views));

    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.message == "The Name field is required. (and 1 more error)");
    CHECK(e.fields == FieldErrors{{"name", {"The Name field is required."}},
                                  {"unit_price", {"The Unit Price field is required."}}});
    ProductInput blank = product("   ", "1");
    CHECK(error_of(validate_product(blank, nullptr, w.views)).fields ==
          one("name", "The Name field is required."));
}

TEST_CASE("a product name is unique ignoring case and accents, trashed products included",
          "[commands][catalog]") {
    const World w = with_catalog();
    const auto taken = one("name", "The Name has already been taken.");
    for (const auto* name : {"cafe creme", "CAFÉ CRÈME", "old thing"}) {
        INFO("name " << name);
        CHECK(error_of(validate_product(product(name, "1"), nullptr, w.views)).fields == taken);
    }
    CHECK(
        error_of(validate_product(product(std::string(192, 'n'), "1"), nullptr, w.views)).fields ==
        one("name", "The Name field must not be greater than 191 characters."));
    ProductInput number = product("x", "1");
    number.name = num("5");
    CHECK(error_of(validate_product(number, nullptr, w.views)).fields ==
          one("name", "The Name field must be a string."));
}

TEST_CASE("a product sku is unique ignoring case, and may be null", "[commands][catalog]") {
    const World w = with_catalog();
    ProductInput in = product("Gadget", "1");
    in.sku = str("w-1");
    CHECK(error_of(validate_product(in, nullptr, w.views)).fields ==
          one("sku", "A product with this SKU already exists."));
    in.sku = null();
    CHECK_FALSE(value_of(validate_product(in, nullptr, w.views)).sku.has_value());
    in.sku = str(std::string(192, 's'));
    CHECK(error_of(validate_product(in, nullptr, w.views)).fields ==
          one("sku", "The SKU field must not be greater than 191 characters."));
}

TEST_CASE("product prices are numbers of at least 0 with at most three decimals",
          "[commands][catalog]") {
    const World w = with_catalog();
    auto errors = [&](ProductInput in) {
        return error_of(validate_product(in, nullptr, w.views)).fields;
    };
    ProductInput in = product("Gadget", "1");
    in.unit_price = str("ten");
    CHECK(errors(in) == one("unit_price", "The Unit Price field must be a number."));
    in.unit_price = num("1.2345");
    CHECK(errors(in) == one("unit_price", "The Unit Price field must have 0-3 decimal places."));
    in.unit_price = num("-1");
    CHECK(errors(in) == one("unit_price", "The Unit Price field must be at least 0."));
    in.unit_price = num("1");
    in.direct_cost = num("-0.5");
    CHECK(errors(in) == one("direct_cost", "The Direct Cost field must be at least 0."));
    in.direct_cost = boolean(true);
    CHECK(errors(in) == one("direct_cost", "The Direct Cost field must be a number."));
}

TEST_CASE("a product tax rate is between 0 and 100 with at most three decimals",
          "[commands][catalog]") {
    const World w = with_catalog();
    ProductInput in = product("Gadget", "1");
    in.tax_rate = num("100.001");
    CHECK(error_of(validate_product(in, nullptr, w.views)).fields ==
          one("tax_rate", "The Tax Rate field must not be greater than 100."));
    in.tax_rate = num("7.1255");
    CHECK(error_of(validate_product(in, nullptr, w.views)).fields ==
          one("tax_rate", "The Tax Rate field must have 0-3 decimal places."));
    in.tax_rate = num("7.125");
    CHECK(value_of(validate_product(in, nullptr, w.views)).tax_rate == money("7.125"));
    in.tax_rate = null();  // stored as 0
    CHECK(value_of(validate_product(in, nullptr, w.views)).tax_rate == money("0"));
    in.tax_label = null();  // stored as TAX
    CHECK(value_of(validate_product(in, nullptr, w.views)).tax_label == "TAX");
}

TEST_CASE("is_active is true, false, 1 or 0", "[commands][catalog]") {
    const World w = with_catalog();
    ProductInput in = product("Gadget", "1");
    for (const auto& [v, active] :
         {std::pair{boolean(true), true}, std::pair{boolean(false), false},
          std::pair{num("1"), true}, std::pair{num("0"), false}, std::pair{str("0"), false}}) {
        in.is_active = v;
        CHECK(value_of(validate_product(in, nullptr, w.views)).is_active == active);
    }
    in.is_active = str("yes");
    CHECK(error_of(validate_product(in, nullptr, w.views)).fields ==
          one("is_active", "The Active field must be true or false."));
    in.is_active = null();  // as absent
    CHECK(value_of(validate_product(in, nullptr, w.views)).is_active);
}

// ---- update ----

TEST_CASE("a product update changes only the fields it names", "[commands][catalog]") {
    const World w = with_catalog();
    const auto& cafe = stored(w, 7);
    ProductInput in;
    in.unit_price = num("11");
    in.unit = null();

    const CatalogProductFields after = value_of(validate_product(in, &cafe, w.views));

    CatalogProductFields expected = cafe.fields;
    expected.unit_price = money("11");
    expected.unit.reset();
    CHECK(after == expected);
    CHECK(decide_product_update(cafe, after) ==
          std::vector<Event>{CatalogProductUpdated{ProductId{7}, expected}});
}

TEST_CASE("a product update that changes nothing records nothing", "[commands][catalog]") {
    const World w = with_catalog();
    const auto& cafe = stored(w, 7);
    ProductInput in = product("Café Crème", "9.5");
    in.sku = str("CC-1");

    const CatalogProductFields after = value_of(validate_product(in, &cafe, w.views));

    CHECK(after == cafe.fields);
    CHECK(decide_product_update(cafe, after).empty());
    CHECK(decide_product_update(cafe, value_of(validate_product({}, &cafe, w.views))).empty());
}

TEST_CASE("an update keeps its own name and sku but may not take another's",
          "[commands][catalog]") {
    const World w = with_catalog();
    const auto& cafe = stored(w, 7);
    ProductInput in = product("CAFE CREME", "9.5");
    in.sku = str("cc-1");
    CHECK(value_of(validate_product(in, &cafe, w.views)).name == "CAFE CREME");

    in = product("widget", "9.5");
    in.sku = str("W-1");
    CHECK(error_of(validate_product(in, &cafe, w.views)).fields ==
          FieldErrors{{"name", {"The Name has already been taken."}},
                      {"sku", {"A product with this SKU already exists."}}});
}

TEST_CASE("an update may not empty the name or the price (Laravel's filled rule)",
          "[commands][catalog]") {
    const World w = with_catalog();
    ProductInput in;
    in.name = str("  ");
    in.unit_price = null();

    const Error e = error_of(validate_product(in, &stored(w, 8), w.views));

    CHECK(e.fields == FieldErrors{{"name", {"The Name field must have a value."}},
                                  {"unit_price", {"The Unit Price field must have a value."}}});
}
