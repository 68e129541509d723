// Stored views read front to back (store/reflect_scan.hpp), the way decode_view reads the writer's
// form, against RapidJSON's DOM (store/reflect_json.hpp), the way it reads any other: the same
// views from the writer's form, and the DOM's answer for any other form.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "projections/deal.hpp"
#include "projections/directory.hpp"
#include "store/codec.hpp"
#include "store/reflect_scan.hpp"
#include "support/json.hpp"

using namespace deals::events;  // NOLINT
using deals::projections::Deal;
using deals::store::decode_view;
using deals::store::encode_view;
using deals::store::JsonScanner;

namespace {

constexpr Timestamp kT0{1'772'359'200'000'000};
Timestamp at(std::int64_t seconds) { return Timestamp{kT0.micros + seconds * 1'000'000}; }
Money money(const char* text) { return *Money::parse(text); }

BillableLine line(std::int64_t id, bool every_field) {
    return BillableLine{BillableProductId{id},
                        every_field ? std::optional(ProductId{3}) : std::nullopt,
                        "Consulting day",
                        every_field ? std::optional<std::string>("On site, Zürich") : std::nullopt,
                        money("33.333"),
                        money("-1.5"),
                        every_field ? DiscountType::kPercent : DiscountType::kFixed,
                        money("0"),
                        money("7.5"),
                        "VAT",
                        every_field ? std::optional<std::string>("day") : std::nullopt,
                        std::nullopt,
                        id};
}

CustomFieldValue custom(std::int64_t id, CustomFieldType type, CustomValue value) {
    return CustomFieldValue{CustomFieldId{id}, type, std::move(value)};
}

/// Deals with every kind of field, empty and set.
std::vector<Deal> sample_deals() {
    std::vector<Deal> out;
    Deal plain;
    plain.id = DealId{1};
    plain.name = "Acme renewal";
    plain.pipeline_id = PipelineId{1};
    plain.stage_id = StageId{1};
    plain.created_at = plain.updated_at = kT0;
    plain.stage_history.push_back({StageId{1}, kT0, std::nullopt});
    plain.version = 1;
    out.push_back(plain);

    Deal full = plain;
    full.id = DealId{4'000'000'000};
    full.name = "Señor Müller GmbH — 2026";
    full.amount = money("-35.663");
    full.expected_close_date = Date::parse("2026-04-30");
    full.status = DealStatus::kLost;
    full.lost_reason = "No budget";
    full.won_date = at(5);
    full.lost_date = at(10);
    full.stage_changed_date = at(7);
    full.user_id = UserId{2};
    full.owner_assigned_date = at(3);
    full.swatch_color = "#abc";
    full.board_order = -3;
    full.products_count = 2;
    full.stage_history.push_back({StageId{2}, at(7), at(9)});
    full.updated_at = at(20);
    full.deleted_at = at(30);
    full.billable = deals::projections::BillableView{
        TaxType::kInclusive,
        {{line(5, true), at(1), at(2)}, {line(6, false), at(1), at(1)}},
        at(1)};
    full.associations = AssociatedIds{{1, 2}, {}, {9}};
    full.custom_fields.values = {
        custom(1, CustomFieldType::kText, CustomValue{std::string("Call back in May")}),
        custom(2, CustomFieldType::kSelect, CustomValue{std::vector<std::int64_t>{5}}),
        custom(3, CustomFieldType::kNumeric, CustomValue{money("1250.125")}),
        custom(4, CustomFieldType::kDate, CustomValue{*Date::parse("2026-03-03")}),
        custom(5, CustomFieldType::kBoolean, CustomValue{true}),
        custom(6, CustomFieldType::kMultiSelect, CustomValue{std::vector<std::int64_t>{7, 9}}),
        custom(7, CustomFieldType::kTextarea, CustomValue{std::string("")})};
    full.version = 12;
    out.push_back(full);
    return out;
}

/// `text` read through RapidJSON's DOM only.
Deal dom_read(const std::string& text) {
    deals::json::Document doc;
    doc.Parse<deals::json::kExactNumbers>(text.data(), text.size());
    REQUIRE_FALSE(doc.HasParseError());
    Deal out;
    deals::store::reflect::read(doc, out);
    return out;
}

/// The DOM's reading of `text` and the scan's, when the scan takes it (`scanned`).
struct Readings {
    Deal dom;
    Deal scanned;
    bool scan_took = false;
};
Readings read_both(const std::string& text) {
    Readings r;
    r.dom = dom_read(text);
    JsonScanner scanner(text);
    r.scan_took = deals::store::reflect::scan(scanner, r.scanned) && scanner.at_end();
    return r;
}

}  // namespace

TEST_CASE("a deal view in the writer's form is scanned to what the DOM reads", "[codec][views]") {
    for (const Deal& deal : sample_deals()) {
        const std::string text = encode_view(deal);
        const auto r = read_both(text);
        CHECK(r.scan_took);
        CHECK(r.scanned == r.dom);
        CHECK(r.dom == deal);
        Deal loaded;
        decode_view(text, loaded);
        CHECK(loaded == deal);
    }
}

TEST_CASE("a deal view in another form is left to the DOM and loads the same", "[codec][views]") {
    const Deal deal = sample_deals().back();
    const std::string text = encode_view(deal);
    const auto replaced = [&](const std::string& from, const std::string& to) {
        std::string out = text;
        REQUIRE(out.find(from) != std::string::npos);
        return out.replace(out.find(from), from.size(), to);
    };
    // Whitespace, another order, an escape, an older form, a number as text, an unknown key.
    const std::vector<std::string> others{
        replaced(R"("name":)", R"("name" : )"),
        replaced(R"({"id":4000000000,"name":"Señor Müller GmbH — 2026",)",
                 R"({"name":"Señor Müller GmbH — 2026","id":4000000000,)"),
        replaced(R"("No budget")", R"("No \u0062udget")"),
        replaced(R"("custom_fields":[)", R"("unknown":1,"custom_fields":[)"),
        replaced(R"("board_order":-3)", R"("board_order":"-3")"),
        replaced(R"("associations":{"contacts":[1,2],"companies":[],"activities":[9]},)", ""),
    };
    for (const auto& other : others) {
        Deal loaded;
        loaded.name = "stale";
        decode_view(other, loaded);
        CHECK(loaded == dom_read(other));
    }
    const auto number_as_text = read_both(others[4]);
    CHECK(number_as_text.scan_took);
    CHECK(number_as_text.scanned == number_as_text.dom);
    CHECK_FALSE(read_both(others[0]).scan_took);
    CHECK_FALSE(read_both(others[2]).scan_took);
}

TEST_CASE("a corrupt deal view is refused by the scanning decoder too", "[codec][views]") {
    const std::string text = encode_view(sample_deals().front());
    for (const std::string& corrupt :
         {text.substr(0, text.size() - 1), text + "x", std::string(R"({"id":1,"name":"x"})"),
          std::string(R"({"id":01)") + text.substr(7)}) {
        Deal loaded;
        CHECK_THROWS_AS(decode_view(corrupt, loaded), std::runtime_error);
    }
}

namespace {

/// What `number_text` takes of `text` when it takes all of it, else "-".
std::string number(const std::string& text) {
    JsonScanner s(text);
    const auto n = s.number_text();
    return n && s.at_end() ? std::string(*n) : std::string("-");
}

}  // namespace

TEST_CASE("numbers are scanned in JSON's grammar only", "[codec][views]") {
    CHECK(number("0") == "0");
    CHECK(number("-12.5e+3") == "-12.5e+3");
    CHECK(number("1E9") == "1E9");
    CHECK(number("01") == "-");
    CHECK(number("1.") == "-");
    CHECK(number("-") == "-");
    CHECK(number(".5") == "-");
    CHECK(number("1e") == "-");
}

TEST_CASE("numbers RapidJSON refuses as too big are left to it", "[codec][views]") {
    CHECK(number("1e99") == "1e99");
    CHECK(number("0e400") == "-");
    CHECK(number("0.0e309") == "-");
    CHECK(number(std::string(301, '1')) == "-");
    // A stored view with such an amount is refused, as the DOM path refuses it.
    std::string text = encode_view(sample_deals().front());
    const auto at = text.find("\"amount\":");
    REQUIRE(at != std::string::npos);
    const auto end = text.find_first_of(",}", at);
    text.replace(at, end - at, "\"amount\":0e400");
    Deal loaded;
    CHECK_THROWS_AS(decode_view(text, loaded), std::runtime_error);
}

TEST_CASE("a string cut after a backslash does not take the scanner past its text",
          "[codec][views]") {
    const std::string text = R"("abc\)";
    JsonScanner s{std::string_view(text)};
    CHECK_FALSE(s.skip_string());
    CHECK_FALSE(s.take("x"));
    CHECK(s.at_end());
}
