#include "projections/billable_math.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using deals::events::Decimal;
using deals::events::DiscountType;
using deals::events::Money;
using deals::events::TaxType;
using deals::projections::amount_after_change;
using deals::projections::amount_tax_exl;
using deals::projections::BillableFigures;
using deals::projections::compute_billable;
using deals::projections::deal_amount;
using deals::projections::display_money;
using deals::projections::LineInput;
using deals::projections::rate_text;

namespace {

constexpr DiscountType kPercent = DiscountType::kPercent;
constexpr DiscountType kFixed = DiscountType::kFixed;

Money money(const std::string& text) {
    const auto m = Money::parse(text);
    INFO("parsing " << text);
    REQUIRE(m);
    return *m;
}

Decimal dec(const std::string& text) { return Decimal::from_money(money(text)); }

LineInput line(const std::string& qty, const std::string& unit_price, const std::string& rate,
               const std::string& discount = "0", DiscountType type = kPercent,
               std::string label = "TAX") {
    return LineInput{money(unit_price), money(qty),  type,
                     money(discount),   money(rate), std::move(label)};
}

/// A money value as the billable JSON shows it.
std::string shown(const Decimal& value) { return display_money(value).str(); }

/// A line's `amount` as shown: from the stored 3-decimal amount.
std::string shown_stored(const Decimal& amount) {
    return shown(Decimal::from_money(deal_amount(amount)));
}

struct ExpectedTax {
    std::string key;
    std::string rate;
    double raw_total;
    std::string total;
};

/// One row of the contract's vector tables (§7.7, reference §13), as the JSON shows it.
struct Expected {
    std::string subtotal;
    std::string total_discount;
    bool has_discount;
    std::vector<ExpectedTax> taxes;
    std::string total_tax;
    std::string total;
    std::vector<std::string> line_amounts;
    std::string deal_amount;
};

void check_figures(const BillableFigures& f, const Expected& e) {
    CHECK(shown(f.subtotal) == e.subtotal);
    CHECK(shown(f.total_discount) == e.total_discount);
    CHECK(f.has_discount == e.has_discount);
    REQUIRE(f.taxes.size() == e.taxes.size());
    for (std::size_t i = 0; i < e.taxes.size(); ++i) {
        INFO("tax group " << i);
        CHECK(f.taxes[i].key == e.taxes[i].key);
        CHECK(f.taxes[i].rate.str() == e.taxes[i].rate);
        CHECK(f.taxes[i].raw_total == e.taxes[i].raw_total);
        CHECK(shown(f.taxes[i].total) == e.taxes[i].total);
    }
    CHECK(shown(f.total_tax) == e.total_tax);
    CHECK(shown(f.total) == e.total);
    REQUIRE(f.line_amounts.size() == e.line_amounts.size());
    for (std::size_t i = 0; i < e.line_amounts.size(); ++i) {
        INFO("line " << i);
        CHECK(shown_stored(f.line_amounts[i]) == e.line_amounts[i]);
    }
    CHECK(deal_amount(f.total).str() == e.deal_amount);
}

}  // namespace

TEST_CASE("V1: a no-tax billable has no taxes and totals its discounted lines", "[billable]") {
    check_figures(compute_billable(TaxType::kNoTax, {line("2", "1000", "0", "10")}),
                  {"1800", "200", true, {}, "0", "1800", {"1800"}, "1800"});
}

TEST_CASE("V2: an exclusive tax is added to the subtotal", "[billable]") {
    check_figures(
        compute_billable(TaxType::kExclusive, {line("2", "1000", "10", "10")}),
        {"1800", "200", true, {{"TAX10", "10", 180.0, "180"}}, "180", "1980", {"1800"}, "1980"});
}

TEST_CASE("V3: an inclusive tax is taken out of the amount and not added", "[billable]") {
    check_figures(compute_billable(TaxType::kInclusive, {line("2", "1000", "10", "10")}),
                  {"1800",
                   "200",
                   true,
                   {{"TAX10", "10", 163.63636363636374, "163.64"}},
                   "163.64",
                   "1800",
                   {"1800"},
                   "1800"});
}

TEST_CASE("V4: a fixed discount is taken off the line as is", "[billable]") {
    check_figures(
        compute_billable(TaxType::kExclusive, {line("2", "2000", "10", "200", kFixed)}),
        {"3800", "200", true, {{"TAX10", "10", 380.0, "380"}}, "380", "4180", {"3800"}, "4180"});
}

TEST_CASE("V5: lines of the same label and rate share one tax group", "[billable]") {
    check_figures(
        compute_billable(TaxType::kInclusive, {line("1", "2000", "10"), line("1", "2000", "10")}),
        {"4000",
         "0",
         false,
         {{"TAX10", "10", 363.63636363636397, "363.64"}},
         "363.64",
         "4000",
         {"2000", "2000"},
         "4000"});
}

TEST_CASE("V6: each label and rate makes its own tax group", "[billable]") {
    check_figures(
        compute_billable(TaxType::kExclusive, {line("1", "2000", "10", "0", kPercent, "TAX1"),
                                               line("1", "2000", "10", "0", kPercent, "TAX1"),
                                               line("1", "2000", "15", "0", kPercent, "TAX2")}),
        {"6000",
         "0",
         false,
         {{"TAX110", "10", 400.0, "400"}, {"TAX215", "15", 300.0, "300"}},
         "700",
         "6700",
         {"2000", "2000", "2000"},
         "6700"});
}

TEST_CASE("V7: the deal amount keeps three decimals where the billable shows two", "[billable]") {
    const std::vector<LineInput> lines = {line("3", "33.333", "7.5"),
                                          line("1.5", "19.99", "7.5", "0.99", kFixed)};
    const BillableFigures f = compute_billable(TaxType::kExclusive, lines);

    check_figures(f, {"128.99",
                      "0.99",
                      true,
                      {{"TAX7.5", "7.5", 9.67455, "9.67"}},
                      "9.67",
                      "138.67",
                      {"100", "29"},
                      "138.669"});
    CHECK(f.line_amounts[0].str() == "99.999");
    CHECK(f.line_amounts[1].str() == "28.995");
    CHECK(f.subtotal.str() == "128.994");
    CHECK(f.total.str() == "138.66855");
    CHECK(shown(Decimal::from_money(lines[0].unit_price)) == "33.33");
    CHECK(shown(Decimal::from_money(lines[1].unit_price)) == "19.99");
    CHECK(Decimal::from_money(lines[1].qty).fixed(2) == "1.50");
    CHECK(Decimal::from_money(lines[1].discount_total).fixed(2) == "0.99");
}

TEST_CASE("V8: inclusive taxes are ordered by rate and summed exactly", "[billable]") {
    const std::vector<LineInput> lines = {line("1", "99.99", "19"),
                                          line("2", "10.005", "7", "12.5")};
    const BillableFigures f = compute_billable(TaxType::kInclusive, lines);

    check_figures(f, {"117.5",
                      "2.5",
                      true,
                      {{"TAX7", "7", 1.1454322429906547, "1.15"},
                       {"TAX19", "19", 15.964789915966378, "15.96"}},
                      "17.11",
                      "117.5",
                      {"99.99", "17.51"},
                      "117.499"});
    CHECK(f.line_amounts[1].str() == "17.50875");
    CHECK(deal_amount(f.line_amounts[1]).str() == "17.509");
    CHECK(f.subtotal.str() == "117.49875");
    CHECK(shown(Decimal::from_money(lines[1].unit_price)) == "10.01");
    CHECK(Decimal::from_money(lines[1].qty).fixed(2) == "2.00");
    CHECK(Decimal::from_money(lines[1].discount_total).fixed(2) == "12.50");
}

TEST_CASE("Concord's own figures for two lines of 2000 reproduce", "[billable]") {
    const auto two = [](const std::string& rate, const std::string& discount, DiscountType type) {
        return std::vector<LineInput>{line("1", "2000", rate, discount, type),
                                      line("1", "2000", rate, discount, type)};
    };
    const auto plain = compute_billable(TaxType::kNoTax, two("0", "0", kPercent));
    CHECK(shown(plain.subtotal) == "4000");
    CHECK(shown(plain.total) == "4000");

    for (const auto& [discount, type] : {std::pair{"200", kFixed}, std::pair{"10", kPercent}}) {
        INFO("discount " << discount);
        const auto no_tax = compute_billable(TaxType::kNoTax, two("0", discount, type));
        CHECK(shown(no_tax.total) == "3600");
        CHECK(shown(no_tax.total_discount) == "400");
        const auto exclusive = compute_billable(TaxType::kExclusive, two("10", discount, type));
        CHECK(shown(exclusive.total) == "3960");
        CHECK(shown(exclusive.total_discount) == "400");
    }

    const auto exclusive = compute_billable(TaxType::kExclusive, two("10", "0", kPercent));
    CHECK(shown(exclusive.total_tax) == "400");
    CHECK(shown(exclusive.total) == "4400");
    const auto inclusive = compute_billable(TaxType::kInclusive, two("10", "0", kPercent));
    CHECK(shown(inclusive.total_tax) == "363.64");
    CHECK(shown(inclusive.total) == "4000");
}

TEST_CASE("an inclusive line stores its amount without tax with three decimals", "[billable]") {
    using Case = std::tuple<std::string, DiscountType, std::string, std::string>;
    const auto [discount, type, tax_exl, tax] = GENERATE(
        Case{"0", kPercent, "3636.364", "363.64"}, Case{"200", kFixed, "3454.545", "345.45"},
        Case{"10", kPercent, "3272.727", "327.27"});
    const auto f = compute_billable(TaxType::kInclusive, {line("2", "2000", "10", discount, type)});

    CHECK(amount_tax_exl(TaxType::kInclusive, f.line_amounts[0], money("10")).str() == tax_exl);
    CHECK(shown(f.total_tax) == tax);
    CHECK(amount_tax_exl(TaxType::kExclusive, f.line_amounts[0], money("10")) ==
          deal_amount(f.line_amounts[0]));
}

TEST_CASE("a negative percent discount raises the amount and is no discount", "[billable]") {
    const auto f = compute_billable(TaxType::kExclusive, {line("1", "100", "10", "-10")});

    CHECK(f.subtotal.str() == "110");
    CHECK(f.total_discount.str() == "-10");
    CHECK_FALSE(f.has_discount);
    CHECK(shown(f.total) == "121");
}

TEST_CASE("a percent discount above 100 makes the amount negative", "[billable]") {
    const auto f = compute_billable(TaxType::kExclusive, {line("1", "100", "10", "150")});

    CHECK(shown(f.subtotal) == "-50");
    REQUIRE(f.taxes.size() == 1);
    CHECK(f.taxes[0].raw_total == -5.0);
    CHECK(shown(f.taxes[0].total) == "-5");
    CHECK(shown(f.total) == "-55");
    CHECK(deal_amount(f.total).str() == "-55");
}

TEST_CASE("a discount too small to show still counts as a discount", "[billable]") {
    CHECK(compute_billable(TaxType::kNoTax, {line("1", "0.001", "0", "10")}).has_discount);
    CHECK_FALSE(compute_billable(TaxType::kNoTax, {line("0.01", "0.001", "0", "10")}).has_discount);
}

TEST_CASE("lines with a zero tax rate make no tax group", "[billable]") {
    const auto f =
        compute_billable(TaxType::kExclusive, {line("1", "100", "0"), line("1", "100", "5")});

    REQUIRE(f.taxes.size() == 1);
    CHECK(f.taxes[0].key == "TAX5");
    CHECK(shown(f.total_tax) == "5");
    CHECK(shown(f.total) == "205");
}

TEST_CASE("a tax rate with three decimals is printed in full in the key", "[billable]") {
    const auto f = compute_billable(TaxType::kExclusive, {line("1", "100", "7.125")});

    REQUIRE(f.taxes.size() == 1);
    CHECK(f.taxes[0].key == "TAX7.125");
    CHECK(f.taxes[0].total.str() == "7.125");
    CHECK(shown(f.taxes[0].total) == "7.13");
    CHECK(f.taxes[0].raw_total == 100.0 * (7.125 / 100));  // the documented operation order
}

TEST_CASE("tax groups of the same rate keep the order of their first line", "[billable]") {
    const auto f = compute_billable(
        TaxType::kExclusive,
        {line("1", "100", "20", "0", kPercent, "VAT"), line("1", "100", "10", "0", kPercent, "TAX"),
         line("1", "100", "10", "0", kPercent, "GST"), line("1", "100", "20", "0", kPercent, "TAX"),
         line("1", "100", "10", "0", kPercent, "tax"),
         line("1", "100", "10", "0", kPercent, "GST")});
    std::vector<std::string> keys;
    for (const auto& group : f.taxes) {
        keys.push_back(group.key + "=" + shown(group.total));
    }

    CHECK(keys ==
          std::vector<std::string>{"TAX10=10", "GST10=20", "tax10=10", "VAT20=20", "TAX20=20"});
}

TEST_CASE("money is shown rounded to four decimals and then to two", "[billable]") {
    using Case = std::pair<std::string, std::string>;
    const auto [value, text] =
        GENERATE(Case{"12.344999", "12.35"}, Case{"-12.344999", "-12.35"}, Case{"0.00499", "0.01"},
                 Case{"0.00495", "0.01"}, Case{"0.004949", "0"}, Case{"12.34449", "12.34"},
                 Case{"-0.005", "-0.01"}, Case{"99.999", "100"});
    const auto d = Decimal::parse(value);
    REQUIRE(d);

    CHECK(display_money(*d).str() == text);
    CHECK(display_money(*d).scale() <= 2);
}

TEST_CASE("the deal amount is the total rounded half away from zero to three decimals",
          "[billable]") {
    CHECK(deal_amount(*Decimal::parse("1.0005")).str() == "1.001");
    CHECK(deal_amount(*Decimal::parse("-1.0005")).str() == "-1.001");
    CHECK(deal_amount(*Decimal::parse("1.00049999")).str() == "1");
    CHECK(deal_amount(*Decimal::parse("138.66855")).str() == "138.669");
}

TEST_CASE("very large quantities and prices stay exact", "[billable]") {
    const auto f =
        compute_billable(TaxType::kExclusive, {line("9999999999.99", "999999999999.999", "10")});

    CHECK(f.subtotal.str() == "9999999999989990000000.00001");
    CHECK(f.total_tax.str() == "999999999998999000000.000001");
    CHECK(f.total.str() == "10999999999988989000000.000011");
    CHECK(shown(f.total) == "10999999999988989000000");
    CHECK_THROWS_AS(deal_amount(f.total), std::overflow_error);

    const auto inclusive =
        compute_billable(TaxType::kInclusive, {line("9999999999.99", "999999999999.999", "10")});
    CHECK(display_money(inclusive.total_tax).str() == "909090909089999090909.09");
}

TEST_CASE("a zero amount stays when the new total is zero too", "[billable]") {
    const Decimal zero;

    CHECK_FALSE(amount_after_change(money("0.5"), zero));
    CHECK_FALSE(amount_after_change(money("-0.9"), zero));
    CHECK_FALSE(amount_after_change(money("0"), zero));
    CHECK_FALSE(amount_after_change(std::nullopt, zero));
    CHECK(amount_after_change(money("3"), zero) == money("0"));
    CHECK(amount_after_change(money("0.5"), dec("12.345")) == money("12.345"));
    CHECK(amount_after_change(std::nullopt, *Decimal::parse("0.0001")) == money("0"));
    CHECK(amount_after_change(money("1800"), *Decimal::parse("138.66855")) == money("138.669"));
}

TEST_CASE("a rate prints in a tax key as PHP prints it", "[billable]") {
    CHECK(rate_text(money("10")) == "10");
    CHECK(rate_text(money("7.5")) == "7.5");
    CHECK(rate_text(money("10.5")) == "10.5");
    CHECK(rate_text(money("7.125")) == "7.125");
    CHECK(rate_text(money("0.001")) == "0.001");
    CHECK(rate_text(money("100")) == "100");
    CHECK(rate_text(money("99999999999.999")) == "99999999999.999");
    CHECK(rate_text(money("100000000000000")) == "1.0E+14");
    CHECK(rate_text(Money::from_thousandths(1'000'000'000'000'000'000)) == "1.0E+15");
}
