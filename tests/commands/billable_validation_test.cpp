// Billable bodies (contract §7.1): given a body, validate_billable answers the command or the
// field errors, with Laravel's messages under keys like `products.0.unit_price`.

#include <catch2/catch.hpp>

#include "commands/billable_commands.hpp"
#include "tests/commands/billable_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::FieldErrors;
using deals::commands::validate_billable;

namespace {

/// The field errors of an invalid body.
FieldErrors errors_of(const BillableInput& in) {
    const Error e = error_of(validate_billable(in));
    CHECK(e.code == ErrorCode::kValidation);
    return e.fields;
}

/// The field errors of a body with the one line `in`.
FieldErrors line_errors(const BillableLineInput& in) { return errors_of(body({in})); }

FieldErrors one(std::string key, std::string message) {
    return FieldErrors{{std::move(key), {std::move(message)}}};
}

}  // namespace

TEST_CASE("a billable body may leave out every key", "[commands][billable]") {
    const SaveBillable command = valid(BillableInput{});

    CHECK_FALSE(command.tax_type.has_value());
    CHECK(command.lines.empty());
    CHECK(command.removed.empty());
}

TEST_CASE("tax_type must be exclusive, inclusive or no_tax", "[commands][billable]") {
    BillableInput in;
    for (const auto& [text, type] :
         {std::pair{"exclusive", TaxType::kExclusive}, std::pair{"inclusive", TaxType::kInclusive},
          std::pair{"no_tax", TaxType::kNoTax}}) {
        in.tax_type = str(text);
        CHECK(valid(in).tax_type == type);
    }
    in.tax_type = null();  // null is as absent
    CHECK_FALSE(valid(in).tax_type.has_value());

    const auto invalid = one("tax_type", "The selected tax type is invalid.");
    in.tax_type = str("vat");
    CHECK(errors_of(in) == invalid);
    in.tax_type = num("5");
    CHECK(errors_of(in) == invalid);
    in.tax_type = str("EXCLUSIVE");
    CHECK(errors_of(in) == invalid);
}

TEST_CASE("products and removed_products must be arrays", "[commands][billable]") {
    BillableInput in;
    in.products = object();
    CHECK(errors_of(in) == one("products", "The products field must be an array."));
    in.products = str("A");
    CHECK(errors_of(in) == one("products", "The products field must be an array."));
    in.products = null();
    CHECK(validate_billable(in).has_value());

    in.removed_products = num("7");
    CHECK(errors_of(in) == one("removed_products", "The removed products field must be an array."));
}

TEST_CASE("removed_products keeps integer ids and ignores anything else", "[commands][billable]") {
    BillableInput in;
    in.removed_products = array();
    in.removed = {num("7"), str("8"), str("x"), num("2.5"), null(), boolean(true), num("-3")};

    const SaveBillable command = valid(in);

    CHECK(command.removed == std::vector<BillableProductId>{BillableProductId{7},
                                                            BillableProductId{8},
                                                            BillableProductId{-3}});
}

TEST_CASE("a line needs a name of at most 191 characters unless it names a catalog product",
          "[commands][billable]") {
    const auto required = one("products.0.name", "The Product field is required.");
    BillableLineInput in = line("A", "1");
    in.name = FieldValue{};
    CHECK(line_errors(in) == required);
    in.name = str("   ");  // blank is null
    CHECK(line_errors(in) == required);
    in.name = num("5");
    CHECK(line_errors(in) == one("products.0.name", "The Product field must be a string."));
    in.name = str(std::string(192, 'n'));
    CHECK(line_errors(in) ==
          one("products.0.name", "The Product field must not be greater than 191 characters."));
    in.name = str(std::string(190, 'n') + "é");  // characters, not bytes
    CHECK(validate_billable(body({in})).has_value());

    in.name = FieldValue{};
    in.product_id = num("7");
    const SaveBillable command = valid(body({in}));
    CHECK(command.lines.at(0).product_id == ProductId{7});
    CHECK_FALSE(command.lines.at(0).name.has_value());
}

TEST_CASE("a line's unit_price is required and must be a number, three decimals kept",
          "[commands][billable]") {
    BillableLineInput in = line("A", "1");
    in.unit_price = FieldValue{};
    CHECK(line_errors(in) ==
          one("products.0.unit_price", "The products.0.unit price field is required."));
    in.unit_price = null();
    CHECK(line_errors(in) ==
          one("products.0.unit_price", "The products.0.unit price field is required."));
    for (const FieldValue& bad : {str("ten"), boolean(true), array()}) {
        in.unit_price = bad;
        CHECK(line_errors(in) ==
              one("products.0.unit_price", "The products.0.unit price field must be a number."));
    }
    in.unit_price = str("12.5");  // a numeric string is a number
    CHECK(valid(body({in})).lines.at(0).unit_price == money("12.5"));
    in.unit_price = num("12.3456");
    CHECK(valid(body({in})).lines.at(0).unit_price == money("12.346"));
    in.unit_price = num("-4");  // no minimum on a line
    CHECK(valid(body({in})).lines.at(0).unit_price == money("-4"));
}

TEST_CASE("a line's qty is a number of at least 0 with at most two decimals, 1 by default",
          "[commands][billable]") {
    BillableLineInput in = line("A", "1");
    CHECK(valid(body({in})).lines.at(0).qty == money("1"));
    CHECK_FALSE(valid(body({in})).lines.at(0).sent.qty);

    for (const FieldValue& bad :
         {num("-1"), num("1.234"), str("many"), str("-2"), str("+2"), num("1e2"), boolean(true)}) {
        INFO("qty " << bad.text);
        in.qty = bad;
        CHECK(line_errors(in) ==
              one("products.0.qty", "The products.0.qty field format is invalid."));
    }
    in.qty = str("1.25");
    CHECK(valid(body({in})).lines.at(0).qty == money("1.25"));
    in.qty = num("0");
    CHECK(valid(body({in})).lines.at(0).qty == money("0"));
    CHECK(valid(body({in})).lines.at(0).sent.qty);
}

TEST_CASE("a line's discount is percent or fixed, and its total a number kept to two decimals",
          "[commands][billable]") {
    BillableLineInput in = line("A", "1");
    const auto defaults = valid(body({in})).lines.at(0);
    CHECK(defaults.discount_type == DiscountType::kPercent);
    CHECK(defaults.discount_total == money("0"));

    in.discount_type = str("half");
    CHECK(line_errors(in) ==
          one("products.0.discount_type", "The selected products.0.discount type is invalid."));
    in.discount_type = num("1");
    CHECK(line_errors(in) ==
          one("products.0.discount_type", "The selected products.0.discount type is invalid."));
    in.discount_type = str("fixed");
    in.discount_total = str("some");
    CHECK(line_errors(in) == one("products.0.discount_total",
                                 "The products.0.discount total field must be a number."));

    in.discount_total = num("10.555");  // rounded half away from zero
    auto parsed = valid(body({in})).lines.at(0);
    CHECK(parsed.discount_type == DiscountType::kFixed);
    CHECK(parsed.discount_total == money("10.56"));
    in.discount_total = num("-1.005");
    CHECK(valid(body({in})).lines.at(0).discount_total == money("-1.01"));
    in.discount_total = num("150");  // no cap: a negative line amount
    CHECK(valid(body({in})).lines.at(0).discount_total == money("150"));
}

TEST_CASE("a line's tax_rate is a number of at least 0 with at most three decimals",
          "[commands][billable]") {
    BillableLineInput in = line("A", "1");
    CHECK(valid(body({in})).lines.at(0).tax_rate == money("0"));

    in.tax_rate = str("ten");
    CHECK(line_errors(in) ==
          one("products.0.tax_rate", "The products.0.tax rate field must be a number."));
    in.tax_rate = num("10.1234");
    CHECK(line_errors(in) == one("products.0.tax_rate",
                                 "The products.0.tax rate field must have 0-3 decimal places."));
    in.tax_rate = num("1e1");
    CHECK(line_errors(in) == one("products.0.tax_rate",
                                 "The products.0.tax rate field must have 0-3 decimal places."));
    in.tax_rate = num("-5");
    CHECK(line_errors(in) ==
          one("products.0.tax_rate", "The products.0.tax rate field must be at least 0."));
    in.tax_rate = num("150.125");  // no maximum on a line (the catalog caps at 100)
    CHECK(valid(body({in})).lines.at(0).tax_rate == money("150.125"));
}

TEST_CASE("a line's tax_label is TAX by default; it and unit are strings of at most 191",
          "[commands][billable]") {
    BillableLineInput in = line("A", "1");
    CHECK(valid(body({in})).lines.at(0).tax_label == "TAX");
    in.tax_label = null();
    CHECK(valid(body({in})).lines.at(0).tax_label == "TAX");
    in.tax_label = str("VAT");
    CHECK(valid(body({in})).lines.at(0).tax_label == "VAT");

    const std::string long_text(192, 'x');
    in.tax_label = str(long_text);
    CHECK(line_errors(in) ==
          one("products.0.tax_label",
              "The products.0.tax label field must not be greater than 191 characters."));
    in.tax_label = num("7");
    CHECK(line_errors(in) ==
          one("products.0.tax_label", "The products.0.tax label field must be a string."));
    in.tax_label = FieldValue{};
    in.unit = str(long_text);
    CHECK(line_errors(in) ==
          one("products.0.unit",
              "The products.0.unit field must not be greater than 191 characters."));
}

TEST_CASE("a line's description and note are strings of any length", "[commands][billable]") {
    BillableLineInput in = line("A", "1");
    in.description = str(std::string(5000, 'd'));
    in.note = str(std::string(5000, 'n'));
    const auto parsed = valid(body({in})).lines.at(0);
    CHECK(parsed.description->size() == 5000);
    CHECK(parsed.note->size() == 5000);

    in.description = num("1");
    in.note = boolean(false);
    CHECK(line_errors(in) ==
          FieldErrors{
              {"products.0.description", {"The products.0.description field must be a string."}},
              {"products.0.note", {"The products.0.note field must be a string."}}});
}

TEST_CASE("a line's display_order, product_id and id must be integers", "[commands][billable]") {
    BillableLineInput in = line("A", "1");
    for (const FieldValue& bad : {str("first"), num("1.5")}) {
        in.display_order = bad;
        CHECK(line_errors(in) == one("products.0.display_order",
                                     "The products.0.display order field must be an integer."));
    }
    in.display_order = FieldValue{};
    in.product_id = str("x");
    CHECK(line_errors(in) ==
          one("products.0.product_id", "The products.0.product id field must be an integer."));
    in.product_id = FieldValue{};
    for (const FieldValue& bad : {str("x"), num("2.5"), boolean(true)}) {
        in.id = bad;
        CHECK(line_errors(in) ==
              one("products.0.id", "The products.0.id field must be an integer."));
    }
    in.id = null();  // a null id is a new line
    CHECK_FALSE(valid(body({in})).lines.at(0).id.has_value());
    in.id = str("12");
    CHECK(valid(body({in})).lines.at(0).id == BillableProductId{12});
}

TEST_CASE("display_order defaults to the line's 1-based position in the request",
          "[commands][billable]") {
    BillableLineInput third = line("C", "1");
    third.display_order = num("-2");

    const SaveBillable command = valid(body({line("A", "1"), line("B", "1"), third}));

    CHECK(command.lines.at(0).display_order == 1);
    CHECK(command.lines.at(1).display_order == 2);
    CHECK(command.lines.at(2).display_order == -2);
    CHECK_FALSE(command.lines.at(0).sent.display_order);
    CHECK(command.lines.at(2).sent.display_order);
}

TEST_CASE("a line records which optional keys were sent; null counts for the nullable texts",
          "[commands][billable]") {
    BillableLineInput in = line("A", "1");
    in.description = null();
    in.unit = null();
    in.note = null();
    in.qty = null();
    in.discount_type = null();
    in.discount_total = null();
    in.tax_label = null();
    in.tax_rate = null();
    in.display_order = null();

    const auto sent = valid(body({in})).lines.at(0).sent;

    // description, unit and note can be cleared with null; the others keep their value.
    CHECK(sent.description);
    CHECK(sent.unit);
    CHECK(sent.note);
    CHECK_FALSE(sent.qty);
    CHECK_FALSE(sent.discount_type);
    CHECK_FALSE(sent.discount_total);
    CHECK_FALSE(sent.tax_label);
    CHECK_FALSE(sent.tax_rate);
    CHECK_FALSE(sent.display_order);
}

TEST_CASE("every error of a billable body is reported, in field and line order",
          "[commands][billable]") {
    const std::string long_text(192, 'x');
    BillableLineInput first;
    first.id = str("a");
    first.product_id = str("b");
    first.name = str(long_text);
    first.unit_price = str("abc");
    first.qty = num("1.234");
    first.discount_type = str("half");
    first.discount_total = str("z");
    first.tax_label = str(long_text);
    first.tax_rate = num("10.1234");
    first.unit = str(long_text);
    first.display_order = str("first");
    BillableLineInput second;
    second.unit_price = num("1");
    second.qty = num("-1");
    second.tax_rate = num("-5");
    BillableInput in = body({first, second, BillableLineInput{}}, "bad");
    in.removed_products = str("1");

    const Error e = error_of(validate_billable(in));

    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.message == "The selected tax type is invalid. (and 17 more errors)");
    CHECK(e.fields ==
          FieldErrors{
              {"tax_type", {"The selected tax type is invalid."}},
              {"products.0.id", {"The products.0.id field must be an integer."}},
              {"products.0.product_id", {"The products.0.product id field must be an integer."}},
              {"products.0.name", {"The Product field must not be greater than 191 characters."}},
              {"products.0.unit_price", {"The products.0.unit price field must be a number."}},
              {"products.0.qty", {"The products.0.qty field format is invalid."}},
              {"products.0.discount_type", {"The selected products.0.discount type is invalid."}},
              {"products.0.discount_total",
               {"The products.0.discount total field must be a number."}},
              {"products.0.tax_label",
               {"The products.0.tax label field must not be greater than 191 characters."}},
              {"products.0.tax_rate",
               {"The products.0.tax rate field must have 0-3 decimal places."}},
              {"products.0.unit",
               {"The products.0.unit field must not be greater than 191 characters."}},
              {"products.0.display_order",
               {"The products.0.display order field must be an integer."}},
              {"products.1.name", {"The Product field is required."}},
              {"products.1.qty", {"The products.1.qty field format is invalid."}},
              {"products.1.tax_rate", {"The products.1.tax rate field must be at least 0."}},
              {"products.2.name", {"The Product field is required."}},
              {"products.2.unit_price", {"The products.2.unit price field is required."}},
              {"removed_products", {"The removed products field must be an array."}},
          });
}
