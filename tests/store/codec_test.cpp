// Golden tests of the wire format (contract §16, events/README.md): the JSON of every event's
// `data`, the envelope, and the stored views. A change that breaks one of these strings breaks
// every consumer and every stored log: it needs a new schema version, not a new golden string.

#include "store/codec.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "events/event.hpp"
#include "projections/deal.hpp"
#include "projections/directory.hpp"
#include "projections/views.hpp"

using namespace deals::events;  // NOLINT
using deals::store::decode_record;
using deals::store::decode_view;
using deals::store::encode_body;
using deals::store::encode_data;
using deals::store::encode_view;
using deals::store::envelope_json;
using deals::store::make_record;
using deals::store::split_record;

namespace {

const DealId kDeal{42};
const std::string kPrevHash(64, '0');
const std::string kHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// 2026-03-01T10:00:00.000000Z.
constexpr Timestamp kT0{1'772'359'200'000'000};

Timestamp at(std::int64_t seconds) { return Timestamp{kT0.micros + seconds * 1'000'000}; }

/// An exact amount from its decimal text.
Money money(const char* text) { return *Money::parse(text); }

/// Contract §7.7 V7's first line (3 × 33.333 @ 7.5, exclusive) with every optional field set.
BillableLine consulting_line() {
    return BillableLine{BillableProductId{5},
                        ProductId{3},
                        "Consulting day",
                        "On site, Zürich",
                        money("33.333"),
                        money("3"),
                        DiscountType::kPercent,
                        money("0"),
                        money("7.5"),
                        "VAT",
                        "day",
                        "Booked for April",
                        1};
}

/// V7's second line (1.5 × 19.99, fixed 0.99 @ 7.5), every optional field null.
BillableLine travel_line() {
    return BillableLine{BillableProductId{6},
                        std::nullopt,
                        "Travel",
                        std::nullopt,
                        money("19.99"),
                        money("1.5"),
                        DiscountType::kFixed,
                        money("0.99"),
                        money("7.5"),
                        "TAX",
                        std::nullopt,
                        std::nullopt,
                        2};
}

const std::string kConsultingLineJson =
    R"({"id":5,"product_id":3,"name":"Consulting day","description":"On site, Zürich",)"
    R"("unit_price":33.333,"qty":3,"discount_type":"percent","discount_total":0,"tax_rate":7.5,)"
    R"("tax_label":"VAT","unit":"day","note":"Booked for April","display_order":1})";
const std::string kTravelLineJson =
    R"({"id":6,"product_id":null,"name":"Travel","description":null,"unit_price":19.99,)"
    R"("qty":1.5,"discount_type":"fixed","discount_total":0.99,"tax_rate":7.5,)"
    R"("tax_label":"TAX","unit":null,"note":null,"display_order":2})";

/// The consulting line's tax group (label VAT): 99.999 × 7.5 % = 7.499925, shown as 7.5.
TaxTotal vat_7_5() { return TaxTotal{"VAT7.5", "VAT", money("7.5"), money("7.5")}; }
const std::string kVat75Json = R"({"key":"VAT7.5","label":"VAT","rate":7.5,"total":7.5})";

/// The travel line's tax group (label TAX): 28.995 × 7.5 % = 2.174625, shown as 2.17.
TaxTotal tax_7_5() { return TaxTotal{"TAX7.5", "TAX", money("7.5"), money("2.17")}; }
const std::string kTax75Json = R"({"key":"TAX7.5","label":"TAX","rate":7.5,"total":2.17})";

/// The figures after the consulting line alone (exclusive): 99.999 + 7.499925 tax, no discount.
BillableTotals consulting_totals() {
    return BillableTotals{money("100"), money("0"),     false,           {vat_7_5()},
                          money("7.5"), money("107.5"), money("107.499")};
}
const std::string kConsultingTotalsJson =
    R"({"subtotal":100,"total_discount":0,"has_discount":false,"taxes":[)" + kVat75Json +
    R"(],"total_tax":7.5,"total":107.5,"amount":107.499})";

/// V7's lines with their own labels (VAT and TAX): two groups at 7.5, in display order
/// (the consulting line is first), 7.499925 + 2.174625 = 9.67455 of tax.
BillableTotals v7_totals() {
    return BillableTotals{money("128.99"),        money("0.99"), true,
                          {vat_7_5(), tax_7_5()}, money("9.67"), money("138.67"),
                          money("138.669")};
}
const std::string kV7TotalsJson =
    R"({"subtotal":128.99,"total_discount":0.99,"has_discount":true,"taxes":[)" + kVat75Json + "," +
    kTax75Json + R"(],"total_tax":9.67,"total":138.67,"amount":138.669})";

/// A billable without lines; the deal had no amount and keeps none.
const BillableTotals kEmptyTotals{Money{0}, Money{0}, false, {}, Money{0}, Money{0}, std::nullopt};
const std::string kEmptyTotalsJson =
    R"({"subtotal":0,"total_discount":0,"has_discount":false,"taxes":[],"total_tax":0,"total":0,)"
    R"("amount":null})";

CatalogProductFields consulting_product() {
    return CatalogProductFields{
        "Consulting day", "CONS-DAY", "On site", money("1000"), money("650.5"),
        money("7.5"),     "VAT",      "day",     true};
}
const std::string kConsultingProductJson =
    R"({"name":"Consulting day","sku":"CONS-DAY","description":"On site","unit_price":1000,)"
    R"("direct_cost":650.5,"tax_rate":7.5,"tax_label":"VAT","unit":"day","is_active":true})";

/// A custom field value from its C++ form: text, a number, a date, a boolean or option ids.
CustomValue text_value(const char* text) { return CustomValue{std::string(text)}; }
CustomValue number_value(const char* text) { return CustomValue{money(text)}; }
CustomValue date_value(const char* text) { return CustomValue{*Date::parse(text)}; }
CustomValue bool_value(bool flag) { return CustomValue{flag}; }
CustomValue options_value(std::vector<std::int64_t> ids) { return CustomValue{std::move(ids)}; }

/// A Select field with two options, as defined and as renamed and extended later.
const std::vector<CustomFieldOption> kTierOptions{{4, "Gold", 1}, {5, "Silver", 2}};
const std::string kTierOptionsJson =
    R"([{"id":4,"name":"Gold","display_order":1},{"id":5,"name":"Silver","display_order":2}])";

/// One change per value kind (Text, Textarea, Numeric, Date, Boolean, Select, MultiSelect), from
/// nothing, between values and to nothing.
CustomFieldValuesChanged every_value_kind() {
    return CustomFieldValuesChanged{
        DealId{5},
        {CustomFieldChange{CustomFieldId{1}, "cf_notes", CustomFieldType::kText, std::nullopt,
                           text_value("Call back in May, \"Señor\"")},
         CustomFieldChange{CustomFieldId{2}, "cf_tier", CustomFieldType::kSelect,
                           options_value({4}), options_value({5})},
         CustomFieldChange{CustomFieldId{3}, "cf_budget", CustomFieldType::kNumeric,
                           number_value("1200"), number_value("1250.125")},
         CustomFieldChange{CustomFieldId{4}, "cf_renewal", CustomFieldType::kDate, std::nullopt,
                           date_value("2026-03-03")},
         CustomFieldChange{CustomFieldId{5}, "cf_signed", CustomFieldType::kBoolean,
                           bool_value(false), bool_value(true)},
         CustomFieldChange{CustomFieldId{6}, "cf_regions", CustomFieldType::kMultiSelect,
                           options_value({7}), options_value({7, 9, 12})},
         CustomFieldChange{CustomFieldId{7}, "cf_memo", CustomFieldType::kTextarea,
                           text_value("Draft\nsecond line"), std::nullopt}}};
}
const std::string kEveryValueKindJson =
    R"({"deal_id":5,"changes":[)"
    R"({"custom_field_id":1,"field_id":"cf_notes","field_type":"Text","old":null,)"
    R"("new":"Call back in May, \"Señor\""},)"
    R"({"custom_field_id":2,"field_id":"cf_tier","field_type":"Select","old":4,"new":5},)"
    R"({"custom_field_id":3,"field_id":"cf_budget","field_type":"Numeric","old":1200,)"
    R"("new":1250.125},)"
    R"({"custom_field_id":4,"field_id":"cf_renewal","field_type":"Date","old":null,)"
    R"("new":"2026-03-03"},)"
    R"({"custom_field_id":5,"field_id":"cf_signed","field_type":"Boolean","old":false,)"
    R"("new":true},)"
    R"({"custom_field_id":6,"field_id":"cf_regions","field_type":"MultiSelect","old":[7],)"
    R"("new":[7,9,12]},)"
    R"({"custom_field_id":7,"field_id":"cf_memo","field_type":"Textarea",)"
    R"("old":"Draft\nsecond line","new":null}]})";

/// One golden case: an event and the exact JSON of its `data`.
struct Golden {
    const char* what;
    Event event;
    std::string json;
};

std::vector<Golden> golden_events() {
    DealUpdated all_changes{kDeal};
    all_changes.name = Change<std::string>{"Acme renewal", "Acme renewal 2027"};
    all_changes.amount = Change<std::optional<Money>>{std::nullopt, Money::parse("1250.5")};
    all_changes.expected_close_date =
        Change<std::optional<Date>>{Date::parse("2026-04-30"), std::nullopt};
    all_changes.lost_reason = Change<std::optional<std::string>>{"No budget", "Chose a competitor"};
    all_changes.swatch_color = Change<std::optional<std::string>>{std::nullopt, "#fff"};

    DealUpdated one_change{kDeal};
    one_change.amount = Change<std::optional<Money>>{Money::units(1800), Money::parse("-0.5")};

    return {
        {"DealCreated, every field set",
         DealCreated{kDeal, "Acme renewal", PipelineId{1}, StageId{3}, Money::parse("1250.5"),
                     Date::parse("2026-04-30"), DealStatus::kLost, "No budget", UserId{2},
                     "#a1b2c3"},
         R"({"deal_id":42,"name":"Acme renewal","pipeline_id":1,"stage_id":3,"amount":1250.5,)"
         R"("expected_close_date":"2026-04-30","status":"lost","lost_reason":"No budget",)"
         R"("user_id":2,"swatch_color":"#a1b2c3"})"},
        {"DealCreated, optional fields null",
         DealCreated{kDeal, "Acme renewal", PipelineId{1}, StageId{1}, std::nullopt, std::nullopt,
                     DealStatus::kOpen, std::nullopt, std::nullopt, std::nullopt},
         R"({"deal_id":42,"name":"Acme renewal","pipeline_id":1,"stage_id":1,"amount":null,)"
         R"("expected_close_date":null,"status":"open","lost_reason":null,"user_id":null,)"
         R"("swatch_color":null})"},
        {"DealCreated, integral amount and escaped, non-ASCII name",
         DealCreated{kDeal, "Señor \"Big\" deal\n", PipelineId{1}, StageId{1}, Money::units(1800),
                     std::nullopt, DealStatus::kWon, std::nullopt, std::nullopt, std::nullopt},
         R"({"deal_id":42,"name":"Señor \"Big\" deal\n","pipeline_id":1,"stage_id":1,)"
         R"("amount":1800,"expected_close_date":null,"status":"won","lost_reason":null,)"
         R"("user_id":null,"swatch_color":null})"},
        {"DealUpdated, every field changed", all_changes,
         R"({"deal_id":42,"name":{"old":"Acme renewal","new":"Acme renewal 2027"},)"
         R"("amount":{"old":null,"new":1250.5},"expected_close_date":{"old":"2026-04-30",)"
         R"("new":null},"lost_reason":{"old":"No budget","new":"Chose a competitor"},)"
         R"("swatch_color":{"old":null,"new":"#fff"}})"},
        {"DealUpdated, unchanged fields left out", one_change,
         R"({"deal_id":42,"amount":{"old":1800,"new":-0.5}})"},
        {"StageChanged", StageChanged{kDeal, StageId{1}, StageId{6}, PipelineId{1}, PipelineId{2}},
         R"({"deal_id":42,"from_stage_id":1,"to_stage_id":6,"from_pipeline_id":1,)"
         R"("to_pipeline_id":2})"},
        {"OwnerAssigned, from nobody", OwnerAssigned{kDeal, std::nullopt, UserId{2}},
         R"({"deal_id":42,"from_user_id":null,"to_user_id":2})"},
        {"OwnerAssigned, to nobody", OwnerAssigned{kDeal, UserId{2}, std::nullopt},
         R"({"deal_id":42,"from_user_id":2,"to_user_id":null})"},
        {"StatusChanged, to lost",
         StatusChanged{kDeal, DealStatus::kOpen, DealStatus::kLost, "No budget"},
         R"({"deal_id":42,"from":"open","to":"lost","lost_reason":"No budget"})"},
        {"StatusChanged, to won",
         StatusChanged{kDeal, DealStatus::kLost, DealStatus::kWon, std::nullopt},
         R"({"deal_id":42,"from":"lost","to":"won","lost_reason":null})"},
        {"DealTrashed", DealTrashed{kDeal}, R"({"deal_id":42})"},
        {"DealRestored", DealRestored{kDeal}, R"({"deal_id":42})"},
        {"DealPurged", DealPurged{kDeal}, R"({"deal_id":42})"},
        {"PipelineCreated", PipelineCreated{PipelineId{1}, "Sales Pipeline", "default", true},
         R"({"pipeline_id":1,"name":"Sales Pipeline","flag":"default","is_primary":true})"},
        {"PipelineCreated, no flag",
         PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false},
         R"({"pipeline_id":2,"name":"Partners","flag":null,"is_primary":false})"},
        {"StageCreated", StageCreated{StageId{1}, PipelineId{1}, "Qualified To Buy", 100, 1},
         R"({"stage_id":1,"pipeline_id":1,"name":"Qualified To Buy","win_probability":100,)"
         R"("display_order":1})"},
        {"UserCreated",
         UserCreated{UserId{3}, "José Núñez", "jose@example.com", false, true, DealsScope::kOwn},
         R"({"user_id":3,"name":"José Núñez","email":"jose@example.com","super_admin":false,)"
         R"("access_api":true,"deals_scope":"own"})"},
        {"UserCreated, super-admin seeing all",
         UserCreated{UserId{1}, "Alice", "alice@example.com", true, false, DealsScope::kAll},
         R"({"user_id":1,"name":"Alice","email":"alice@example.com","super_admin":true,)"
         R"("access_api":false,"deals_scope":"all"})"},
        {"UserUpdated",
         UserUpdated{UserId{3}, "José N.", "jose@example.com", false, false, DealsScope::kAll},
         R"({"user_id":3,"name":"José N.","email":"jose@example.com","super_admin":false,)"
         R"("access_api":false,"deals_scope":"all"})"},
        {"UserDeleted", UserDeleted{UserId{3}}, R"({"user_id":3})"},
        {"TokenIssued", TokenIssued{TokenId{7}, UserId{1}, "ci", kHash},
         R"({"token_id":7,"user_id":1,"name":"ci","secret_sha256":")" + kHash + R"("})"},
        {"TokenRevoked", TokenRevoked{TokenId{7}, UserId{1}}, R"({"token_id":7,"user_id":1})"},
        {"ProductAdded, a line with every field set",
         ProductAdded{kDeal, consulting_line(), consulting_totals()},
         R"({"deal_id":42,"line":)" + kConsultingLineJson + R"(,"totals":)" +
             kConsultingTotalsJson + "}"},
        {"ProductAdded, a line with its optional fields null",
         ProductAdded{kDeal, travel_line(), v7_totals()},
         R"({"deal_id":42,"line":)" + kTravelLineJson + R"(,"totals":)" + kV7TotalsJson + "}"},
        {"ProductUpdated, under no_tax (tax rate stored as 0)",
         ProductUpdated{
             kDeal,
             BillableLine{BillableProductId{5}, ProductId{3}, "Consulting day", std::nullopt,
                          money("1000"), money("2"), DiscountType::kPercent, money("10"),
                          money("0"), "TAX", std::nullopt, std::nullopt, 1},
             BillableTotals{
                 money("1800"), money("200"), true, {}, money("0"), money("1800"), money("1800")}},
         R"({"deal_id":42,"line":{"id":5,"product_id":3,"name":"Consulting day",)"
         R"("description":null,"unit_price":1000,"qty":2,"discount_type":"percent",)"
         R"("discount_total":10,"tax_rate":0,"tax_label":"TAX","unit":null,"note":null,)"
         R"("display_order":1},"totals":{"subtotal":1800,"total_discount":200,)"
         R"("has_discount":true,"taxes":[],"total_tax":0,"total":1800,"amount":1800}})"},
        {"ProductRemoved, the last line: the amount becomes 0",
         ProductRemoved{
             kDeal, BillableProductId{6},
             BillableTotals{Money{0}, Money{0}, false, {}, Money{0}, Money{0}, Money{0}}},
         R"({"deal_id":42,"line_id":6,"totals":{"subtotal":0,"total_discount":0,)"
         R"("has_discount":false,"taxes":[],"total_tax":0,"total":0,"amount":0}})"},
        {"ProductRemoved, a deal without an amount keeps none",
         ProductRemoved{kDeal, BillableProductId{7}, kEmptyTotals},
         R"({"deal_id":42,"line_id":7,"totals":)" + kEmptyTotalsJson + "}"},
        {"TaxTypeChanged, creating the billable",
         TaxTypeChanged{kDeal, std::nullopt, TaxType::kNoTax, kEmptyTotals},
         R"({"deal_id":42,"from":null,"to":"no_tax","totals":)" + kEmptyTotalsJson + "}"},
        {"TaxTypeChanged, exclusive to inclusive (V2 to V3)",
         TaxTypeChanged{kDeal, TaxType::kExclusive, TaxType::kInclusive,
                        BillableTotals{money("1800"),
                                       money("200"),
                                       true,
                                       {TaxTotal{"TAX10", "TAX", money("10"), money("163.64")}},
                                       money("163.64"),
                                       money("1800"),
                                       money("1800")}},
         R"({"deal_id":42,"from":"exclusive","to":"inclusive","totals":{"subtotal":1800,)"
         R"("total_discount":200,"has_discount":true,"taxes":[{"key":"TAX10","label":"TAX",)"
         R"("rate":10,"total":163.64}],"total_tax":163.64,"total":1800,"amount":1800}})"},
        {"CatalogProductCreated, every field set",
         CatalogProductCreated{ProductId{3}, consulting_product(), UserId{1}},
         R"({"product_id":3,"fields":)" + kConsultingProductJson + R"(,"created_by":1})"},
        {"CatalogProductCreated, from a deal's line, optional fields null",
         CatalogProductCreated{
             ProductId{4},
             CatalogProductFields{"Travel", std::nullopt, std::nullopt, money("19.99"),
                                  std::nullopt, money("7.5"), "TAX", std::nullopt, true},
             std::nullopt},
         R"({"product_id":4,"fields":{"name":"Travel","sku":null,"description":null,)"
         R"("unit_price":19.99,"direct_cost":null,"tax_rate":7.5,"tax_label":"TAX",)"
         R"("unit":null,"is_active":true},"created_by":null})"},
        {"CatalogProductUpdated, made inactive",
         CatalogProductUpdated{
             ProductId{3},
             CatalogProductFields{"Consulting day (remote)", "CONS-DAY", std::nullopt,
                                  money("850.125"), money("600"), money("0"), "TAX", "day", false}},
         R"j({"product_id":3,"fields":{"name":"Consulting day (remote)","sku":"CONS-DAY",)j"
         R"("description":null,"unit_price":850.125,"direct_cost":600,"tax_rate":0,)"
         R"("tax_label":"TAX","unit":"day","is_active":false}})"},
        {"CatalogProductTrashed", CatalogProductTrashed{ProductId{3}}, R"({"product_id":3})"},
        {"CatalogProductRestored", CatalogProductRestored{ProductId{3}}, R"({"product_id":3})"},
        {"AssociationsChanged", AssociationsChanged{kDeal, {{3, 9}, {}, {12}}, {{1}, {4}, {}}},
         R"({"deal_id":42,"added":{"contacts":[3,9],"companies":[],"activities":[12]},)"
         R"("removed":{"contacts":[1],"companies":[4],"activities":[]}})"},
        // Pipelines and stages managed through the API (contract §9).
        {"PipelineUpdated", PipelineUpdated{PipelineId{2}, "Partners Ünd Co"},
         R"({"pipeline_id":2,"name":"Partners Ünd Co"})"},
        {"PipelineDeleted", PipelineDeleted{PipelineId{2}}, R"({"pipeline_id":2})"},
        {"StageUpdated", StageUpdated{StageId{6}, PipelineId{2}, "Négociation", 40, 3},
         R"({"stage_id":6,"pipeline_id":2,"name":"Négociation","win_probability":40,)"
         R"("display_order":3})"},
        {"StageDeleted", StageDeleted{StageId{6}, PipelineId{2}},
         R"({"stage_id":6,"pipeline_id":2})"},
        // Custom fields (contract §12): definitions on `custom-field-N`, values on the deal.
        {"CustomFieldCreated, a Select field with options",
         CustomFieldCreated{CustomFieldId{2}, "deals", "cf_tier", "Tier", CustomFieldType::kSelect,
                            kTierOptions},
         R"({"custom_field_id":2,"resource_name":"deals","field_id":"cf_tier","label":"Tier",)"
         R"("field_type":"Select","options":)" +
             kTierOptionsJson + "}"},
        {"CustomFieldCreated, a Numeric field without options",
         CustomFieldCreated{
             CustomFieldId{3}, "deals", "cf_budget", "Budget (€)", CustomFieldType::kNumeric, {}},
         R"({"custom_field_id":3,"resource_name":"deals","field_id":"cf_budget",)"
         R"j("label":"Budget (€)","field_type":"Numeric","options":[]})j"},
        {"CustomFieldUpdated, renamed with an option added",
         CustomFieldUpdated{CustomFieldId{2},
                            "cf_tier",
                            "Customer tier",
                            {{4, "Gold", 1}, {5, "Silver", 2}, {9, "Bronze", 3}}},
         R"({"custom_field_id":2,"field_id":"cf_tier","label":"Customer tier","options":[)"
         R"({"id":4,"name":"Gold","display_order":1},{"id":5,"name":"Silver","display_order":2},)"
         R"({"id":9,"name":"Bronze","display_order":3}]})"},
        {"CustomFieldDeleted", CustomFieldDeleted{CustomFieldId{2}, "cf_tier"},
         R"({"custom_field_id":2,"field_id":"cf_tier"})"},
        {"CustomFieldValuesChanged, every value kind", every_value_kind(), kEveryValueKindJson},
        {"CustomFieldValuesChanged, a create: values from nothing",
         CustomFieldValuesChanged{
             DealId{5},
             {CustomFieldChange{CustomFieldId{3}, "cf_budget", CustomFieldType::kNumeric,
                                std::nullopt, number_value("0.5")},
              CustomFieldChange{CustomFieldId{6}, "cf_regions", CustomFieldType::kMultiSelect,
                                std::nullopt, options_value({7})}}},
         R"({"deal_id":5,"changes":[)"
         R"({"custom_field_id":3,"field_id":"cf_budget","field_type":"Numeric","old":null,)"
         R"("new":0.5},)"
         R"({"custom_field_id":6,"field_id":"cf_regions","field_type":"MultiSelect",)"
         R"("old":null,"new":[7]}]})"},
    };
}

RecordedEvent recorded(Event data, Sequence sequence = 5, StreamVersion version = 2) {
    RecordedEvent e;
    e.id = "0b7e6f8a-3c1d-4e2f-9a5b-6c7d8e9f0a1b";
    e.sequence = sequence;
    e.stream = stream_of(data);
    e.stream_version = version;
    e.occurred_at = Timestamp{kT0.micros + 123'456};
    e.meta = EventMeta{Actor{UserId{1}, TokenId{7}}, "req-1", "corr-1"};
    e.data = std::move(data);
    e.prev_hash = kPrevHash;
    e.hash = kHash;
    return e;
}

std::string record_of(const RecordedEvent& e) {
    return make_record(encode_body(e, encode_data(e.data)), e.prev_hash, e.hash);
}

/// A stored record with `body` as its envelope.
std::string raw_record(const std::string& body) { return body + "\n" + kPrevHash + "\n" + kHash; }

}  // namespace

// ---- event data ----

TEST_CASE("every event type's data has a pinned JSON form", "[codec][golden]") {
    const auto cases = golden_events();
    // Every alternative of Event is covered by at least one golden case.
    std::set<std::size_t> covered;
    for (const auto& g : cases) {
        covered.insert(g.event.index());
    }
    CHECK(covered.size() == std::variant_size_v<Event>);

    for (const auto& g : cases) {
        INFO(g.what);
        CHECK(encode_data(g.event) == g.json);
    }
}

TEST_CASE("every event type reads back from its pinned JSON form", "[codec][golden]") {
    for (const auto& g : golden_events()) {
        INFO(g.what);
        const std::string type(type_name(g.event));
        const RecordedEvent e = decode_record(raw_record(
            R"({"id":"x","sequence":1,"stream":"s","stream_version":1,"type":")" + type +
            R"(","schema_version":1,"occurred_at":"2026-03-01T10:00:00.000000Z",)"
            R"("actor":{"user_id":null,"token_id":null},"request_id":"","correlation_id":"",)"
            R"("data":)" +
            g.json + "}"));
        CHECK(e.data == g.event);
    }
}

TEST_CASE("event wire names and schema versions are fixed", "[codec][golden]") {
    const std::vector<std::string> expected{"DealCreated",
                                            "DealUpdated",
                                            "StageChanged",
                                            "OwnerAssigned",
                                            "StatusChanged",
                                            "DealTrashed",
                                            "DealRestored",
                                            "DealPurged",
                                            "PipelineCreated",
                                            "StageCreated",
                                            "UserCreated",
                                            "UserUpdated",
                                            "UserDeleted",
                                            "TokenIssued",
                                            "TokenRevoked",
                                            "ProductAdded",
                                            "ProductUpdated",
                                            "ProductRemoved",
                                            "TaxTypeChanged",
                                            "CatalogProductCreated",
                                            "CatalogProductUpdated",
                                            "CatalogProductTrashed",
                                            "CatalogProductRestored",
                                            "AssociationsChanged",
                                            "PipelineUpdated",
                                            "PipelineDeleted",
                                            "StageUpdated",
                                            "StageDeleted",
                                            "CustomFieldCreated",
                                            "CustomFieldUpdated",
                                            "CustomFieldDeleted",
                                            "CustomFieldValuesChanged"};
    std::vector<std::string> names;
    for (const auto& g : golden_events()) {
        const std::string name(type_name(g.event));
        if (names.empty() || names.back() != name) {
            names.push_back(name);
        }
        CHECK(schema_version(g.event) == 1);
    }
    CHECK(names == expected);
}

TEST_CASE("events live on the streams of their aggregates", "[codec][golden]") {
    CHECK(stream_of(DealCreated{kDeal}) == "deal-42");
    CHECK(stream_of(DealPurged{kDeal}) == "deal-42");
    CHECK(stream_of(PipelineCreated{PipelineId{1}}) == "pipeline-1");
    CHECK(stream_of(StageCreated{StageId{4}, PipelineId{1}}) == "pipeline-1");
    CHECK(stream_of(UserCreated{UserId{3}}) == "user-3");
    CHECK(stream_of(UserUpdated{UserId{3}}) == "user-3");
    CHECK(stream_of(UserDeleted{UserId{3}}) == "user-3");
    CHECK(stream_of(TokenIssued{TokenId{7}}) == "token-7");
    CHECK(stream_of(TokenRevoked{TokenId{7}}) == "token-7");
    CHECK(deal_stream(DealId{9}) == "deal-9");
    // A deal's product lines are on the deal's stream, even when linked to a catalog product.
    CHECK(stream_of(ProductAdded{kDeal, consulting_line()}) == "deal-42");
    CHECK(stream_of(ProductUpdated{kDeal, consulting_line()}) == "deal-42");
    CHECK(stream_of(ProductRemoved{kDeal, BillableProductId{5}}) == "deal-42");
    CHECK(stream_of(TaxTypeChanged{kDeal}) == "deal-42");
    CHECK(stream_of(CatalogProductCreated{ProductId{3}}) == "product-3");
    CHECK(stream_of(CatalogProductUpdated{ProductId{3}}) == "product-3");
    CHECK(stream_of(CatalogProductTrashed{ProductId{3}}) == "product-3");
    CHECK(stream_of(CatalogProductRestored{ProductId{3}}) == "product-3");
    // A pipeline's stages, and their changes, are on the pipeline's stream.
    CHECK(stream_of(PipelineUpdated{PipelineId{2}}) == "pipeline-2");
    CHECK(stream_of(PipelineDeleted{PipelineId{2}}) == "pipeline-2");
    CHECK(stream_of(StageUpdated{StageId{6}, PipelineId{2}}) == "pipeline-2");
    CHECK(stream_of(StageDeleted{StageId{6}, PipelineId{2}}) == "pipeline-2");
    // A custom field's definition has its own stream; a deal's values are on the deal's.
    CHECK(stream_of(CustomFieldCreated{CustomFieldId{2}}) == "custom-field-2");
    CHECK(stream_of(CustomFieldUpdated{CustomFieldId{2}}) == "custom-field-2");
    CHECK(stream_of(CustomFieldDeleted{CustomFieldId{2}}) == "custom-field-2");
    CHECK(stream_of(CustomFieldValuesChanged{DealId{5}}) == "deal-5");
    CHECK(stream_of(every_value_kind()) == "deal-5");
}

// ---- the envelope ----

TEST_CASE("the envelope body has the contract's keys in a fixed order", "[codec][golden]") {
    const RecordedEvent e = recorded(DealTrashed{kDeal});

    CHECK(encode_body(e, encode_data(e.data)) ==
          R"({"id":"0b7e6f8a-3c1d-4e2f-9a5b-6c7d8e9f0a1b","sequence":5,"stream":"deal-42",)"
          R"("stream_version":2,"type":"DealTrashed","schema_version":1,)"
          R"("occurred_at":"2026-03-01T10:00:00.123456Z","actor":{"user_id":1,"token_id":7},)"
          R"("request_id":"req-1","correlation_id":"corr-1","data":{"deal_id":42}})");
}

TEST_CASE("an event of the system itself has a null actor", "[codec][golden]") {
    RecordedEvent e =
        recorded(PipelineCreated{PipelineId{1}, "Sales Pipeline", "default", true}, 1, 1);
    e.meta = EventMeta{};

    CHECK(encode_body(e, encode_data(e.data)) ==
          R"({"id":"0b7e6f8a-3c1d-4e2f-9a5b-6c7d8e9f0a1b","sequence":1,"stream":"pipeline-1",)"
          R"("stream_version":1,"type":"PipelineCreated","schema_version":1,)"
          R"("occurred_at":"2026-03-01T10:00:00.123456Z",)"
          R"("actor":{"user_id":null,"token_id":null},"request_id":"","correlation_id":"",)"
          R"("data":{"pipeline_id":1,"name":"Sales Pipeline","flag":"default",)"
          R"("is_primary":true}})");
}

TEST_CASE("a stored record is the body, the previous hash and the hash on three lines",
          "[codec][golden]") {
    const std::string record = make_record(R"({"a":1})", "prev", "hash");
    CHECK(record == "{\"a\":1}\nprev\nhash");

    const auto parts = split_record(record);
    CHECK(parts.body == R"({"a":1})");
    CHECK(parts.prev_hash == "prev");
    CHECK(parts.hash == "hash");
}

TEST_CASE("the full envelope adds prev_hash and hash after data", "[codec][golden]") {
    const RecordedEvent e = recorded(TokenRevoked{TokenId{7}, UserId{1}}, 9, 2);

    CHECK(envelope_json(record_of(e)) ==
          R"({"id":"0b7e6f8a-3c1d-4e2f-9a5b-6c7d8e9f0a1b","sequence":9,"stream":"token-7",)"
          R"("stream_version":2,"type":"TokenRevoked","schema_version":1,)"
          R"("occurred_at":"2026-03-01T10:00:00.123456Z","actor":{"user_id":1,"token_id":7},)"
          R"("request_id":"req-1","correlation_id":"corr-1","data":{"token_id":7,"user_id":1},)"
          R"("prev_hash":")" +
              kPrevHash + R"(","hash":")" + kHash + R"("})");
}

TEST_CASE("a stored record decodes to the recorded event, for every event type",
          "[codec][roundtrip]") {
    for (const auto& g : golden_events()) {
        INFO(g.what);
        const RecordedEvent original = recorded(g.event, 12, 3);

        const RecordedEvent back = decode_record(record_of(original));

        CHECK(back.id == original.id);
        CHECK(back.sequence == 12);
        CHECK(back.stream == original.stream);
        CHECK(back.stream_version == 3);
        CHECK(back.occurred_at == original.occurred_at);
        CHECK(back.meta.actor == original.meta.actor);
        CHECK(back.meta.request_id == "req-1");
        CHECK(back.meta.correlation_id == "corr-1");
        CHECK(back.data == original.data);
        CHECK(back.prev_hash == kPrevHash);
        CHECK(back.hash == kHash);
    }
}

TEST_CASE("a record decoded for a fold has the full decode's sequence time and data for every type",
          "[codec][roundtrip]") {
    for (const auto& g : golden_events()) {
        INFO(g.what);
        RecordedEvent original = recorded(g.event, 1'234'567'890'123, 77);
        // Escapes and quotes in the strings the fold skips, and a null actor for half of them.
        original.meta.request_id = R"(req "1" \ \u00e9)";
        if (std::string_view(g.what).size() % 2 == 0) {
            original.meta.actor = Actor{};
        }
        std::string stored = record_of(original);

        const RecordedEvent back =
            deals::store::decode_record_for_fold(stored.data(), stored.size());

        CHECK(back.sequence == original.sequence);
        CHECK(back.stream_version == 77);
        CHECK(back.occurred_at == original.occurred_at);
        CHECK(back.data == original.data);
    }
}

TEST_CASE("a record whose envelope is not in the writer's form still decodes for a fold",
          "[codec][roundtrip]") {
    // Another key order and whitespace: the fold's fast reading gives way to the full parse.
    std::string stored = raw_record(
        R"({ "sequence": 8, "id": "x", "stream": "deal-42", "stream_version": 3,)"
        R"( "type": "DealTrashed", "schema_version": 1, "occurred_at": "2026-03-01T10:00:00Z",)"
        R"( "actor": {"user_id": null, "token_id": null}, "request_id": "r",)"
        R"( "correlation_id": "c", "data": {"deal_id": 42} })");

    const RecordedEvent back = deals::store::decode_record_for_fold(stored.data(), stored.size());

    CHECK(back.sequence == 8);
    CHECK(back.stream_version == 3);
    CHECK(back.occurred_at == kT0);
    CHECK(back.data == Event{DealTrashed{kDeal}});
}

TEST_CASE("a record in the writer's form with corrupt data is refused by the fold's decoding",
          "[codec][corruption]") {
    std::string stored = record_of(recorded(DealTrashed{kDeal}));
    stored.replace(stored.find(R"("deal_id":42)"), 12, R"("deal_id":4x)");

    CHECK_THROWS_AS(deals::store::decode_record_for_fold(stored.data(), stored.size()),
                    std::runtime_error);
}

TEST_CASE("a record with a null actor decodes to no user and no token", "[codec][roundtrip]") {
    RecordedEvent e = recorded(DealTrashed{kDeal});
    e.meta.actor = Actor{};

    CHECK(decode_record(record_of(e)).meta.actor == Actor{});
}

TEST_CASE("large and negative amounts survive a round trip exactly", "[codec][roundtrip]") {
    const std::int64_t thousandths = GENERATE(1LL, -1LL, 1'000'000'000'000'000LL,
                                              -1'000'000'000'000'000LL, 999'999'999'999'999'999LL);
    DealCreated created{kDeal, "x", PipelineId{1}, StageId{1}, Money{thousandths}};

    const RecordedEvent back = decode_record(record_of(recorded(created)));

    CHECK(std::get<DealCreated>(back.data).amount == Money{thousandths});
}

TEST_CASE("a DealUpdated without a field's change decodes with that field absent",
          "[codec][roundtrip]") {
    const RecordedEvent e = decode_record(raw_record(
        R"({"id":"x","sequence":1,"stream":"deal-42","stream_version":2,"type":"DealUpdated",)"
        R"("schema_version":1,"occurred_at":"2026-03-01T10:00:00.000000Z",)"
        R"("actor":{"user_id":null,"token_id":null},"request_id":"","correlation_id":"",)"
        R"("data":{"deal_id":42,"swatch_color":{"old":"#fff","new":null}}})"));

    DealUpdated expected{kDeal};
    expected.swatch_color = Change<std::optional<std::string>>{"#fff", std::nullopt};
    CHECK(std::get<DealUpdated>(e.data) == expected);
}

TEST_CASE("a Select value is written as its option id and a MultiSelect value as an array",
          "[codec][roundtrip]") {
    // In C++ both are option ids (one for Select); only the JSON tells them apart, by field_type.
    const CustomFieldValuesChanged changed{
        DealId{5},
        {CustomFieldChange{CustomFieldId{2}, "cf_tier", CustomFieldType::kSelect, std::nullopt,
                           options_value({4})},
         CustomFieldChange{CustomFieldId{6}, "cf_regions", CustomFieldType::kMultiSelect,
                           options_value({4}), options_value({4, 9})}}};

    const std::string json = encode_data(changed);
    CHECK(json == R"({"deal_id":5,"changes":[)"
                  R"({"custom_field_id":2,"field_id":"cf_tier","field_type":"Select",)"
                  R"("old":null,"new":4},)"
                  R"({"custom_field_id":6,"field_id":"cf_regions","field_type":"MultiSelect",)"
                  R"("old":[4],"new":[4,9]}]})");

    const RecordedEvent back = decode_record(record_of(recorded(changed, 12, 3)));
    CHECK(back.stream == "deal-5");
    REQUIRE(std::holds_alternative<CustomFieldValuesChanged>(back.data));
    const auto& read = std::get<CustomFieldValuesChanged>(back.data);
    CHECK(read == changed);
    REQUIRE(read.changes.size() == 2);
    CHECK(read.changes[0].new_value == options_value({4}));
    CHECK(read.changes[1].old_value == options_value({4}));
    CHECK(read.changes[1].new_value == options_value({4, 9}));
}

TEST_CASE("a custom field value that does not fit its field type is refused",
          "[codec][corruption]") {
    struct Bad {
        const char* what;
        const char* change;
    };
    const auto bad = GENERATE(
        Bad{"a Numeric value that is not a number",
            R"({"custom_field_id":3,"field_id":"cf_budget","field_type":"Numeric","old":null,)"
            R"("new":"lots"})"},
        Bad{"a Date value that is not a date",
            R"({"custom_field_id":4,"field_id":"cf_renewal","field_type":"Date","old":null,)"
            R"("new":"tomorrow"})"},
        Bad{"a Boolean value that is a number",
            R"({"custom_field_id":5,"field_id":"cf_signed","field_type":"Boolean","old":null,)"
            R"("new":1})"},
        Bad{"a MultiSelect value that is one id",
            R"({"custom_field_id":6,"field_id":"cf_regions","field_type":"MultiSelect",)"
            R"("old":null,"new":7})"},
        Bad{"a Select value that is not an id",
            R"({"custom_field_id":2,"field_id":"cf_tier","field_type":"Select","old":null,)"
            R"("new":"Gold"})"},
        Bad{"an unknown field type",
            R"({"custom_field_id":2,"field_id":"cf_tier","field_type":"Radio","old":null,)"
            R"("new":4})"},
        Bad{"a change without old",
            R"({"custom_field_id":2,"field_id":"cf_tier","field_type":"Select","new":4})"});
    INFO(bad.what);
    CHECK_THROWS_AS(
        decode_record(raw_record(
            R"({"id":"x","sequence":1,"stream":"deal-5","stream_version":2,)"
            R"("type":"CustomFieldValuesChanged","schema_version":1,)"
            R"("occurred_at":"2026-03-01T10:00:00.000000Z",)"
            R"("actor":{"user_id":null,"token_id":null},"request_id":"","correlation_id":"",)"
            R"("data":{"deal_id":5,"changes":[)" +
            std::string(bad.change) + "]}}")),
        std::runtime_error);
}

// ---- corruption ----

TEST_CASE("a record that is not body, previous hash and hash is refused", "[codec][corruption]") {
    const std::string record = GENERATE("", "{}", "{}\nhash", "\nhash");

    CHECK_THROWS_AS(split_record(record), std::runtime_error);
    CHECK_THROWS_AS(decode_record(record), std::runtime_error);
}

TEST_CASE("a corrupt or unknown envelope is refused", "[codec][corruption]") {
    const std::string good_tail =
        R"("schema_version":1,"occurred_at":"2026-03-01T10:00:00.000000Z",)"
        R"("actor":{"user_id":null,"token_id":null},"request_id":"","correlation_id":"",)"
        R"("data":{"deal_id":42}})";
    const std::string head = R"({"id":"x","sequence":1,"stream":"deal-42","stream_version":1,)";

    SECTION("the body is valid") {
        CHECK_NOTHROW(decode_record(raw_record(head + R"("type":"DealTrashed",)" + good_tail)));
    }
    SECTION("not JSON") {
        CHECK_THROWS_AS(decode_record(raw_record(R"({"id":)")), std::runtime_error);
    }
    SECTION("not an object") {
        CHECK_THROWS_AS(decode_record(raw_record("[1,2]")), std::runtime_error);
    }
    SECTION("an unknown event type") {
        CHECK_THROWS_WITH(decode_record(raw_record(head + R"("type":"DealExploded",)" + good_tail)),
                          Catch::Contains("unknown event type DealExploded"));
    }
    SECTION("an unknown schema version") {
        std::string tail = good_tail;
        tail.replace(tail.find("\"schema_version\":1"), 18, "\"schema_version\":2");
        CHECK_THROWS_WITH(decode_record(raw_record(head + R"("type":"DealTrashed",)" + tail)),
                          Catch::Contains("unsupported schema version"));
    }
    SECTION("a missing envelope field") {
        CHECK_THROWS_WITH(decode_record(raw_record(R"({"id":"x"})")),
                          Catch::Contains("missing envelope field"));
    }
    SECTION("data without a required field") {
        std::string tail = good_tail;
        tail.replace(tail.find(R"({"deal_id":42})"), 14, "{}");
        CHECK_THROWS_WITH(decode_record(raw_record(head + R"("type":"DealTrashed",)" + tail)),
                          Catch::Contains("missing field deal_id"));
    }
    SECTION("a field of the wrong type") {
        std::string tail = good_tail;
        tail.replace(tail.find(R"({"deal_id":42})"), 14, R"({"deal_id":"forty-two"})");
        CHECK_THROWS_AS(decode_record(raw_record(head + R"("type":"DealTrashed",)" + tail)),
                        std::runtime_error);
    }
    SECTION("a bad timestamp") {
        std::string tail = good_tail;
        tail.replace(tail.find("2026-03-01T10:00:00.000000Z"), 27, "yesterday");
        CHECK_THROWS_AS(decode_record(raw_record(head + R"("type":"DealTrashed",)" + tail)),
                        std::runtime_error);
    }
}

TEST_CASE("a corrupt view is refused", "[codec][corruption]") {
    deals::projections::IdWatermarks w;
    CHECK_THROWS_AS(decode_view("{", w), std::runtime_error);
    CHECK_THROWS_AS(decode_view("[]", w), std::runtime_error);
    CHECK_THROWS_AS(decode_view(R"({"deal":1})", w), std::runtime_error);

    deals::projections::Deal d;
    CHECK_THROWS_AS(decode_view(R"({"id":1,"name":"x"})", d), std::runtime_error);
}

// ---- views ----

TEST_CASE("a deal view has a pinned stored form", "[codec][golden][views]") {
    deals::projections::Deal d;
    deals::projections::apply(
        d,
        DealCreated{kDeal, "Acme renewal", PipelineId{1}, StageId{1}, std::nullopt, std::nullopt,
                    DealStatus::kOpen, std::nullopt, std::nullopt, std::nullopt},
        kT0, 1);

    CHECK(encode_view(d) ==
          R"({"id":42,"name":"Acme renewal","pipeline_id":1,"stage_id":1,"amount":null,)"
          R"("expected_close_date":null,"status":"open","lost_reason":null,"won_date":null,)"
          R"("lost_date":null,"stage_changed_date":null,"user_id":null,)"
          R"("owner_assigned_date":null,"swatch_color":null,"board_order":0,)"
          R"("products_count":0,"stage_history":[{"stage_id":1,)"
          R"("entered_at":"2026-03-01T10:00:00.000000Z","left_at":null}],)"
          R"("created_at":"2026-03-01T10:00:00.000000Z",)"
          R"("updated_at":"2026-03-01T10:00:00.000000Z","deleted_at":null,"billable":null,)"
          R"("associations":{"contacts":[],"companies":[],"activities":[]},"custom_fields":[],)"
          R"("version":1})");
}

TEST_CASE("a deal view with a billable has a pinned stored form", "[codec][golden][views]") {
    deals::projections::Deal d;
    const std::vector<Event> events{
        DealCreated{kDeal, "Acme renewal", PipelineId{1}, StageId{1}, std::nullopt, std::nullopt,
                    DealStatus::kWon, std::nullopt, std::nullopt, std::nullopt},
        TaxTypeChanged{kDeal, std::nullopt, TaxType::kExclusive, kEmptyTotals},
        // 28.995 shows as 29; 31.169625 is 31.17 both for display and as the amount.
        ProductAdded{kDeal, travel_line(),
                     BillableTotals{money("29"),
                                    money("0.99"),
                                    true,
                                    {tax_7_5()},
                                    money("2.17"),
                                    money("31.17"),
                                    money("31.17")}},
        ProductAdded{kDeal, consulting_line(), v7_totals()},
    };
    // The first save at 10 s (three events), the consulting line's note edited at 20 s.
    const std::vector<std::int64_t> seconds{0, 10, 10, 10};
    for (std::size_t i = 0; i < events.size(); ++i) {
        deals::projections::apply(d, events[i], at(seconds[i]), static_cast<StreamVersion>(i + 1));
    }
    BillableLine edited = consulting_line();
    edited.note = std::nullopt;
    deals::projections::apply(d, ProductUpdated{kDeal, edited, v7_totals()}, at(20), 5);

    CHECK(encode_view(d) ==
          R"({"id":42,"name":"Acme renewal","pipeline_id":1,"stage_id":1,"amount":138.669,)"
          R"("expected_close_date":null,"status":"won","lost_reason":null,)"
          R"("won_date":"2026-03-01T10:00:00.000000Z","lost_date":null,)"
          R"("stage_changed_date":null,"user_id":null,"owner_assigned_date":null,)"
          R"("swatch_color":null,"board_order":0,"products_count":2,"stage_history":[],)"
          R"("created_at":"2026-03-01T10:00:00.000000Z",)"
          R"("updated_at":"2026-03-01T10:00:20.000000Z","deleted_at":null,)"
          R"("billable":{"tax_type":"exclusive","lines":[)"
          R"({"line":{"id":5,"product_id":3,"name":"Consulting day",)"
          R"("description":"On site, Zürich","unit_price":33.333,"qty":3,)"
          R"("discount_type":"percent","discount_total":0,"tax_rate":7.5,"tax_label":"VAT",)"
          R"("unit":"day","note":null,"display_order":1},)"
          R"("created_at":"2026-03-01T10:00:10.000000Z",)"
          R"("updated_at":"2026-03-01T10:00:20.000000Z"},)"
          R"({"line":)" +
              kTravelLineJson +
              R"(,"created_at":"2026-03-01T10:00:10.000000Z",)"
              R"("updated_at":"2026-03-01T10:00:10.000000Z"}],)"
              R"("created_at":"2026-03-01T10:00:10.000000Z"},)"
          R"("associations":{"contacts":[],"companies":[],"activities":[]},"custom_fields":[],)"
          R"("version":5})");
}

TEST_CASE("a deal view with every field set survives a round trip", "[codec][roundtrip][views]") {
    deals::projections::Deal d;
    const std::vector<Event> events{
        DealCreated{kDeal, "Señor deal", PipelineId{1}, StageId{1}, Money::parse("-35.663"),
                    Date::parse("2026-04-30"), DealStatus::kOpen, std::nullopt, UserId{2}, "#abc"},
        StageChanged{kDeal, StageId{1}, StageId{2}, PipelineId{1}, PipelineId{1}},
        StatusChanged{kDeal, DealStatus::kOpen, DealStatus::kLost, "No budget"},
        TaxTypeChanged{kDeal, std::nullopt, TaxType::kExclusive, kEmptyTotals},
        ProductAdded{kDeal, consulting_line(), consulting_totals()},
        ProductAdded{kDeal, travel_line(), v7_totals()},
        // Inclusive: 6.976674… + 2.022906… of tax within the subtotal 128.994.
        TaxTypeChanged{kDeal, TaxType::kExclusive, TaxType::kInclusive,
                       BillableTotals{money("128.99"),
                                      money("0.99"),
                                      true,
                                      {TaxTotal{"VAT7.5", "VAT", money("7.5"), money("6.98")},
                                       TaxTotal{"TAX7.5", "TAX", money("7.5"), money("2.02")}},
                                      money("9"),
                                      money("128.99"),
                                      money("128.994")}},
        DealTrashed{kDeal},
    };
    for (std::size_t i = 0; i < events.size(); ++i) {
        deals::projections::apply(d, events[i], at(static_cast<std::int64_t>(i) * 10),
                                  static_cast<StreamVersion>(i + 1));
    }
    d.board_order = 3;
    d.products_count = 2;
    REQUIRE(d.stage_history.size() == 2);
    REQUIRE(d.deleted_at);
    REQUIRE(d.billable);
    REQUIRE(d.billable->lines.size() == 2);

    deals::projections::Deal back;
    decode_view(encode_view(d), back);

    CHECK(back == d);
}

TEST_CASE("a deal view's custom field values have a pinned stored form and survive a round trip",
          "[codec][golden][roundtrip][views]") {
    deals::projections::Deal d;
    deals::projections::apply(
        d,
        DealCreated{DealId{5}, "Acme renewal", PipelineId{1}, StageId{1}, std::nullopt,
                    std::nullopt, DealStatus::kOpen, std::nullopt, std::nullopt, std::nullopt},
        kT0, 1);
    deals::projections::apply(d, every_value_kind(), at(10), 2);
    // Cleared values have no entry; the others are kept ascending by field id.
    REQUIRE(d.custom_fields.values.size() == 6);

    const std::string json = encode_view(d);
    CHECK_THAT(
        json,
        Catch::Contains(
            R"("custom_fields":[)"
            R"({"custom_field_id":1,"field_type":"Text","value":"Call back in May, \"Señor\""},)"
            R"({"custom_field_id":2,"field_type":"Select","value":5},)"
            R"({"custom_field_id":3,"field_type":"Numeric","value":1250.125},)"
            R"({"custom_field_id":4,"field_type":"Date","value":"2026-03-03"},)"
            R"({"custom_field_id":5,"field_type":"Boolean","value":true},)"
            R"({"custom_field_id":6,"field_type":"MultiSelect","value":[7,9,12]}],)"
            R"("version":2})"));

    deals::projections::Deal back;
    decode_view(json, back);
    CHECK(back == d);
    CHECK(back.custom_fields.find(CustomFieldId{2}) != nullptr);
    CHECK(*back.custom_fields.find(CustomFieldId{2}) == options_value({5}));
    CHECK(back.custom_fields.find(CustomFieldId{7}) == nullptr);
}

TEST_CASE("a deal view stored before custom fields existed reads back without values",
          "[codec][roundtrip][views]") {
    deals::projections::Deal d;
    deals::projections::apply(
        d,
        DealCreated{kDeal, "Acme renewal", PipelineId{1}, StageId{1}, std::nullopt, std::nullopt,
                    DealStatus::kOpen, std::nullopt, std::nullopt, std::nullopt},
        kT0, 1);
    std::string old_form = encode_view(d);
    const std::string key = R"("custom_fields":[],)";
    REQUIRE(old_form.find(key) != std::string::npos);
    old_form.erase(old_form.find(key), key.size());

    deals::projections::Deal back;
    back.custom_fields.values.push_back(
        CustomFieldValue{CustomFieldId{1}, CustomFieldType::kText, text_value("stale")});
    decode_view(old_form, back);
    CHECK(back == d);
    CHECK(back.custom_fields.values.empty());
}

TEST_CASE("directory views and watermarks survive a round trip", "[codec][roundtrip][views]") {
    using namespace deals::projections;
    const Pipeline pipeline{PipelineId{1}, "Sales Pipeline", "default", true, at(0), at(5)};
    const Pipeline unflagged{PipelineId{2}, "Partners", std::nullopt, false, at(0), at(0)};
    const Stage stage{StageId{3}, PipelineId{1}, "Presentation Scheduled", 100, 3, at(0), at(1)};
    const User user{UserId{3}, "José Núñez", "jose@example.com", false, true, DealsScope::kAll,
                    at(0),     at(2)};
    const Token token{TokenId{7}, UserId{3}, "ci", kHash, true, at(4)};
    const IdWatermarks marks{42, 2, 9, 3, 7};
    const IdWatermarks with_catalog{42, 2, 9, 3, 7, 4, 11};
    const Product product{ProductId{3}, consulting_product(), UserId{1}, at(0), at(5), at(9)};
    const Product from_line{
        ProductId{4},
        CatalogProductFields{"Travel", std::nullopt, std::nullopt, money("19.99"), std::nullopt,
                             money("7.5"), "TAX", std::nullopt, true},
        std::nullopt,
        at(0),
        at(0),
        std::nullopt};

    Pipeline p;
    decode_view(encode_view(pipeline), p);
    CHECK(p == pipeline);
    decode_view(encode_view(unflagged), p);
    CHECK(p == unflagged);
    Stage s;
    decode_view(encode_view(stage), s);
    CHECK(s == stage);
    User u;
    decode_view(encode_view(user), u);
    CHECK(u == user);
    Token t;
    decode_view(encode_view(token), t);
    CHECK(t == token);
    IdWatermarks w;
    decode_view(encode_view(marks), w);
    CHECK(w == marks);
    decode_view(encode_view(with_catalog), w);
    CHECK(w == with_catalog);
    Product pr;
    decode_view(encode_view(product), pr);
    CHECK(pr == product);
    decode_view(encode_view(from_line), pr);
    CHECK(pr == from_line);
}

TEST_CASE("watermarks stored before the catalog existed read back without its ids",
          "[codec][roundtrip][views]") {
    deals::projections::IdWatermarks w{1, 1, 1, 1, 1, 5, 6};
    decode_view(R"({"deal":42,"pipeline":2,"stage":9,"user":3,"token":7})", w);
    CHECK(w == deals::projections::IdWatermarks{42, 2, 9, 3, 7, std::nullopt, std::nullopt});
}

TEST_CASE("directory views have pinned stored forms", "[codec][golden][views]") {
    using namespace deals::projections;

    CHECK(encode_view(IdWatermarks{42, 2, 9, 3, 7}) ==
          R"({"deal":42,"pipeline":2,"stage":9,"user":3,"token":7,"product":null,)"
          R"("billable_product":null,"custom_field":null,"custom_field_option":null})");
    CHECK(encode_view(IdWatermarks{42, 2, 9, 3, 7, 4, 11}) ==
          R"({"deal":42,"pipeline":2,"stage":9,"user":3,"token":7,"product":4,)"
          R"("billable_product":11,"custom_field":null,"custom_field_option":null})");
    CHECK(encode_view(
              Product{ProductId{3}, consulting_product(), UserId{1}, at(0), at(5), std::nullopt}) ==
          R"({"id":3,"fields":)" + kConsultingProductJson +
              R"(,"created_by":1,"created_at":"2026-03-01T10:00:00.000000Z",)"
              R"("updated_at":"2026-03-01T10:00:05.000000Z","deleted_at":null})");
    CHECK(encode_view(
              Product{ProductId{4},
                      CatalogProductFields{"Travel", std::nullopt, std::nullopt, money("19.99"),
                                           std::nullopt, money("0"), "TAX", std::nullopt, false},
                      std::nullopt, at(0), at(9), at(9)}) ==
          R"({"id":4,"fields":{"name":"Travel","sku":null,"description":null,)"
          R"("unit_price":19.99,"direct_cost":null,"tax_rate":0,"tax_label":"TAX","unit":null,)"
          R"("is_active":false},"created_by":null,"created_at":"2026-03-01T10:00:00.000000Z",)"
          R"("updated_at":"2026-03-01T10:00:09.000000Z",)"
          R"("deleted_at":"2026-03-01T10:00:09.000000Z"})");
    CHECK(encode_view(
              Stage{StageId{3}, PipelineId{1}, "Presentation Scheduled", 100, 3, at(0), at(1)}) ==
          R"({"id":3,"pipeline_id":1,"name":"Presentation Scheduled","win_probability":100,)"
          R"("display_order":3,"created_at":"2026-03-01T10:00:00.000000Z",)"
          R"("updated_at":"2026-03-01T10:00:01.000000Z"})");
    CHECK(encode_view(Token{TokenId{7}, UserId{3}, "ci", "abc", true, at(0)}) ==
          R"({"id":7,"user_id":3,"name":"ci","secret_sha256":"abc","revoked":true,)"
          R"("created_at":"2026-03-01T10:00:00.000000Z"})");
    CHECK(encode_view(User{UserId{3}, "Bob", "bob@example.com", false, true, DealsScope::kOwn,
                           at(0), at(0)}) ==
          R"({"id":3,"name":"Bob","email":"bob@example.com","super_admin":false,)"
          R"("access_api":true,"deals_scope":"own","created_at":"2026-03-01T10:00:00.000000Z",)"
          R"("updated_at":"2026-03-01T10:00:00.000000Z"})");
    CHECK(encode_view(Pipeline{PipelineId{1}, "Sales Pipeline", "default", true, at(0), at(0),
                               6}) ==
          R"({"id":1,"name":"Sales Pipeline","flag":"default","is_primary":true,)"
          R"("created_at":"2026-03-01T10:00:00.000000Z",)"
          R"("updated_at":"2026-03-01T10:00:00.000000Z","version":6})");
    CHECK(encode_view(Pipeline{PipelineId{1}, "Sales Pipeline", "default", true, at(0), at(0)}) ==
          R"({"id":1,"name":"Sales Pipeline","flag":"default","is_primary":true,)"
          R"("created_at":"2026-03-01T10:00:00.000000Z",)"
          R"("updated_at":"2026-03-01T10:00:00.000000Z","version":null})");
}

TEST_CASE("a pipeline view stored before its stream version was kept still loads",
          "[codec][golden][views]") {
    using namespace deals::projections;
    Pipeline p;

    decode_view(R"({"id":1,"name":"Sales Pipeline","flag":"default","is_primary":true,)"
                R"("created_at":"2026-03-01T10:00:00.000000Z",)"
                R"("updated_at":"2026-03-01T10:00:00.000000Z"})",
                p);

    CHECK(p == Pipeline{PipelineId{1}, "Sales Pipeline", "default", true, at(0), at(0)});
    CHECK_FALSE(p.version.has_value());
}
