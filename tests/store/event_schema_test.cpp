// The published schema of the Kafka messages (docs/events.schema.json, docs/events.md) against
// what the code actually produces: every event type is encoded exactly as the log stores it
// (store/rocks_event_log.cpp: encode_data, encode_body, the hash chain, make_record), turned
// into its Kafka value by to_kafka_message, and validated with RapidJSON's draft-04 validator.
// The schema must also be strict: a missing, renamed or extra field, a wrong type name or a
// malformed envelope attribute is refused. A change that breaks one of these tests changes what
// consumers receive: update the schema and docs/events.md with it (or better, add a new schema
// version rather than change an old one).

// clang-format off
#include "support/json.hpp"  // first: it sets RapidJSON's configuration macros
#include <rapidjson/schema.h>
// clang-format on

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "events/event.hpp"
#include "store/cloud_event.hpp"
#include "store/codec.hpp"
#include "support/sha256.hpp"

using namespace deals::events;  // NOLINT
using deals::store::encode_body;
using deals::store::encode_data;
using deals::store::make_record;
using deals::support::sha256_hex;
using deals::store::to_kafka_message;

namespace {

// ---- the schema ----

/// docs/events.schema.json in the checkout.
std::filesystem::path schema_path() {
    return std::filesystem::path(DEALS_SOURCE_DIR) / "docs" / "events.schema.json";
}

/// The schema as a JSON document, parsed once.
const rapidjson::Document& schema_json() {
    static const rapidjson::Document doc = [] {
        std::ifstream in(schema_path(), std::ios::binary);
        if (!in) {
            throw std::runtime_error("cannot read " + schema_path().string());
        }
        const std::string text{std::istreambuf_iterator<char>(in), {}};
        rapidjson::Document d;
        d.Parse(text.data(), text.size());
        if (d.HasParseError()) {
            throw std::runtime_error(schema_path().string() + " is not JSON: " +
                                     rapidjson::GetParseError_En(d.GetParseError()) +
                                     " at offset " + std::to_string(d.GetErrorOffset()));
        }
        return d;
    }();
    return doc;
}

const rapidjson::SchemaDocument& schema() {
    static const rapidjson::SchemaDocument compiled(schema_json());
    return compiled;
}

/// A schema that is just one of the data definitions, to explain a refusal more precisely than
/// the top-level `oneOf` can.
std::unique_ptr<rapidjson::SchemaDocument> definition_schema(const std::string& name,
                                                             rapidjson::Document& holder) {
    holder.SetObject();
    auto& a = holder.GetAllocator();
    rapidjson::Value definitions(schema_json()["definitions"], a);
    holder.AddMember("definitions", definitions, a);
    rapidjson::Value ref(("#/definitions/" + name).c_str(), a);
    holder.AddMember("$ref", ref, a);
    return std::make_unique<rapidjson::SchemaDocument>(holder);
}

std::string pointer_text(const rapidjson::Pointer& pointer) {
    rapidjson::StringBuffer buffer;
    pointer.StringifyUriFragment(buffer);
    return buffer.GetString();
}

/// Empty when `value` is valid against `s`, else the refused keyword and where.
std::string refusal(const rapidjson::SchemaDocument& s, const rapidjson::Value& value) {
    rapidjson::SchemaValidator validator(s);
    if (value.Accept(validator)) {
        return {};
    }
    return std::string("keyword '") + validator.GetInvalidSchemaKeyword() + "' at document " +
           pointer_text(validator.GetInvalidDocumentPointer()) + " (schema " +
           pointer_text(validator.GetInvalidSchemaPointer()) + ")";
}

struct Verdict {
    bool valid = false;
    std::string why;  ///< the validator's error, when invalid
};

/// Validates a Kafka value against the schema. When it is refused and names a known type, also
/// says what that type's data definition refuses (the top level only reports `oneOf`).
Verdict validate(const rapidjson::Document& value) {
    Verdict v;
    v.why = refusal(schema(), value);
    v.valid = v.why.empty();
    if (!v.valid && value.IsObject() && value.HasMember("type") && value["type"].IsString() &&
        value.HasMember("data") && schema_json()["definitions"].HasMember(value["type"])) {
        rapidjson::Document holder;
        const auto only = definition_schema(value["type"].GetString(), holder);
        const auto data_why = refusal(*only, value["data"]);
        v.why += "; data against #/definitions/" + std::string(value["type"].GetString()) + ": " +
                 (data_why.empty() ? "valid" : data_why);
    }
    return v;
}

rapidjson::Document parse(const std::string& json) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());  // plain numbers: as a consumer reads them
    REQUIRE_FALSE(d.HasParseError());
    return d;
}

std::string to_text(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return buffer.GetString();
}

// ---- events, recorded as the log records them ----

const DealId kDeal{42};
const std::string kGenesis(64, '0');
/// 2026-03-01T10:00:00.123456Z.
constexpr Timestamp kT0{1'772'359'200'123'456};

const EventMeta kUserRequest{Actor{UserId{1}, TokenId{7}}, "req-0001", "corr-0001"};
const EventMeta kSystem{};  // dealsctl and the seeded pipeline: no actor, empty ids

/// One recorded event, as RocksEventLog::write_batch builds it.
struct Case {
    std::string what;
    Event event;
    EventMeta meta = kUserRequest;
    Sequence sequence = 17;
    StreamVersion stream_version = 3;
};

std::vector<Case> cases() {
    DealUpdated all_changes{kDeal};
    all_changes.name = Change<std::string>{"Acme", "Acme \"renewal\" — Señor ✓ 🚀"};
    all_changes.amount = Change<std::optional<Money>>{std::nullopt, Money::parse("1250.5")};
    all_changes.expected_close_date =
        Change<std::optional<Date>>{Date::parse("2026-04-30"), std::nullopt};
    all_changes.lost_reason = Change<std::optional<std::string>>{"No budget", std::nullopt};
    all_changes.swatch_color = Change<std::optional<std::string>>{std::nullopt, "#a1b2c3"};

    DealUpdated all_changes_other_way{kDeal};
    all_changes_other_way.name = Change<std::string>{"", "x"};
    all_changes_other_way.amount =
        Change<std::optional<Money>>{Money::units(1800), Money::parse("-0.005")};
    all_changes_other_way.expected_close_date =
        Change<std::optional<Date>>{std::nullopt, Date::parse("2027-01-01")};
    all_changes_other_way.lost_reason =
        Change<std::optional<std::string>>{std::nullopt, "Chose a competitor"};
    all_changes_other_way.swatch_color = Change<std::optional<std::string>>{"#fff", std::nullopt};

    const auto money = [](const char* text) { return *Money::parse(text); };
    const BillableLine full_line{BillableProductId{11},
                                 ProductId{3},
                                 "Consulting \"day\" — Zürich ✓",
                                 "On site",
                                 money("33.333"),
                                 money("1.5"),
                                 DiscountType::kFixed,
                                 money("0.99"),
                                 money("7.5"),
                                 "VAT",
                                 "day",
                                 "Booked for April",
                                 3};
    const BillableLine bare_line{BillableProductId{12},
                                 std::nullopt,
                                 "Travel",
                                 std::nullopt,
                                 money("-19.99"),
                                 money("0"),
                                 DiscountType::kPercent,
                                 money("150"),
                                 money("0"),
                                 "TAX",
                                 std::nullopt,
                                 std::nullopt,
                                 1};
    // Contract §7.7's vectors: V1 (no_tax: no tax groups), V7 (one group at 7.5), V8
    // (inclusive, two groups at integer rates, ordered by rate).
    const BillableTotals v1{money("1800"), money("200"),  true,         {},
                            money("0"),    money("1800"), money("1800")};
    const BillableTotals v7{money("128.99"),
                            money("0.99"),
                            true,
                            {TaxTotal{"TAX7.5", "TAX", money("7.5"), money("9.67")}},
                            money("9.67"),
                            money("138.67"),
                            money("138.669")};
    const BillableTotals v8{money("117.5"),
                            money("2.5"),
                            true,
                            {TaxTotal{"TAX7", "TAX", money("7"), money("1.15")},
                             TaxTotal{"TAX19", "TAX", money("19"), money("15.96")}},
                            money("17.11"),
                            money("117.5"),
                            money("117.499")};
    const BillableTotals zero{Money{0}, Money{0}, false, {}, Money{0}, Money{0}, Money{0}};
    const BillableTotals no_lines{Money{0}, Money{0}, false, {}, Money{0}, Money{0}, std::nullopt};
    const CatalogProductFields full_product{
        "Consulting day", "CONS-DAY", "On site", money("1000"), money("650.5"),
        money("7.5"),     "VAT",      "day",     true};
    const CatalogProductFields bare_product{"Travel",   std::nullopt, std::nullopt,
                                            money("0"), std::nullopt, money("0"),
                                            "TAX",      std::nullopt, false};

    // Custom fields: one value of each kind (text, a number with decimals, a date, a boolean, a
    // Select id, a MultiSelect array), from nothing (null old), between values and to nothing.
    const auto ids = [](std::vector<std::int64_t> v) { return CustomValue{std::move(v)}; };
    const CustomFieldCreated select_field{CustomFieldId{2},
                                          "deals",
                                          "cf_tier",
                                          "Tier",
                                          CustomFieldType::kSelect,
                                          {{4, "Gold", 1}, {5, "Silver", 2}}};
    const CustomFieldValuesChanged every_value_kind{
        DealId{5},
        {CustomFieldChange{CustomFieldId{1}, "cf_notes", CustomFieldType::kText, std::nullopt,
                           CustomValue{std::string("Call back in May, \"Señor\" ✓")}},
         CustomFieldChange{CustomFieldId{2}, "cf_tier", CustomFieldType::kSelect, std::nullopt,
                           ids({4})},
         CustomFieldChange{CustomFieldId{3}, "cf_budget", CustomFieldType::kNumeric,
                           CustomValue{money("1200")}, CustomValue{money("1250.125")}},
         CustomFieldChange{CustomFieldId{4}, "cf_renewal", CustomFieldType::kDate, std::nullopt,
                           CustomValue{*Date::parse("2026-03-03")}},
         CustomFieldChange{CustomFieldId{5}, "cf_signed", CustomFieldType::kBoolean,
                           CustomValue{false}, CustomValue{true}},
         CustomFieldChange{CustomFieldId{6}, "cf_regions", CustomFieldType::kMultiSelect,
                           std::nullopt, ids({7, 9, 12})},
         CustomFieldChange{CustomFieldId{7}, "cf_memo", CustomFieldType::kTextarea, std::nullopt,
                           CustomValue{std::string("Line 1\nLine 2")}}}};
    const CustomFieldValuesChanged every_value_cleared{
        DealId{5},
        {CustomFieldChange{CustomFieldId{1}, "cf_notes", CustomFieldType::kText,
                           CustomValue{std::string("x")}, std::nullopt},
         CustomFieldChange{CustomFieldId{2}, "cf_tier", CustomFieldType::kSelect, ids({5}),
                           std::nullopt},
         CustomFieldChange{CustomFieldId{3}, "cf_budget", CustomFieldType::kNumeric,
                           CustomValue{money("0.005")}, std::nullopt},
         CustomFieldChange{CustomFieldId{4}, "cf_renewal", CustomFieldType::kDate,
                           CustomValue{*Date::parse("2026-12-31")}, std::nullopt},
         CustomFieldChange{CustomFieldId{5}, "cf_signed", CustomFieldType::kBoolean,
                           CustomValue{true}, std::nullopt},
         CustomFieldChange{CustomFieldId{6}, "cf_regions", CustomFieldType::kMultiSelect,
                           ids({9}), std::nullopt},
         CustomFieldChange{CustomFieldId{7}, "cf_memo", CustomFieldType::kTextarea,
                           CustomValue{std::string("y")}, std::nullopt}}};

    std::vector<Case> out{
        {"DealCreated, every field set",
         DealCreated{kDeal, "Acme renewal", PipelineId{1}, StageId{3}, Money::parse("1250.5"),
                     Date::parse("2026-04-30"), DealStatus::kLost, "No budget", UserId{2},
                     "#a1b2c3"}},
        {"DealCreated, every optional field null",
         DealCreated{kDeal, "Acme", PipelineId{1}, StageId{1}, std::nullopt, std::nullopt,
                     DealStatus::kOpen, std::nullopt, std::nullopt, std::nullopt}},
        {"DealCreated, a name with quotes, a backslash, a newline and non-ASCII text",
         DealCreated{kDeal, "Señor \"Big\" deal \\ ✓ 🚀\nZürich", PipelineId{1}, StageId{1},
                     Money::units(1800), std::nullopt, DealStatus::kWon, std::nullopt, UserId{2},
                     std::nullopt}},
        {"DealCreated, a negative amount with three decimals",
         DealCreated{kDeal, "x", PipelineId{1}, StageId{1}, Money::parse("-35.663"),
                     Date::parse("2026-02-28"), DealStatus::kOpen, std::nullopt, std::nullopt, ""}},
        {"DealCreated, an amount with fifteen significant digits",
         DealCreated{kDeal, "x", PipelineId{1}, StageId{1}, Money::parse("999999999999.999"),
                     std::nullopt, DealStatus::kOpen, std::nullopt, std::nullopt, std::nullopt}},
        {"DealCreated, by the system", DealCreated{kDeal, "x", PipelineId{1}, StageId{1}}, kSystem,
         1, 1},
        {"DealUpdated, every field changed (to values and to null)", all_changes},
        {"DealUpdated, every field changed (from null and to null)", all_changes_other_way},
        {"DealUpdated, only the name changed", DealUpdated{kDeal, Change<std::string>{"a", "b"}}},
        {"DealUpdated, only the amount changed",
         DealUpdated{kDeal, std::nullopt, Change<std::optional<Money>>{std::nullopt, Money{1}}}},
        {"DealUpdated, only the expected close date changed",
         DealUpdated{kDeal, std::nullopt, std::nullopt,
                     Change<std::optional<Date>>{std::nullopt, Date::parse("2026-12-31")}}},
        {"DealUpdated, only the lost reason changed",
         DealUpdated{kDeal, std::nullopt, std::nullopt, std::nullopt,
                     Change<std::optional<std::string>>{"a", "b"}}},
        {"DealUpdated, only the swatch color changed",
         DealUpdated{kDeal, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                     Change<std::optional<std::string>>{std::nullopt, std::nullopt}}},
        // The commands never record a DealUpdated without a change, but the encoder can write
        // one and the decoder reads it: the schema accepts it.
        {"DealUpdated, no change at all", DealUpdated{kDeal}},
        {"StageChanged, to another pipeline",
         StageChanged{kDeal, StageId{1}, StageId{6}, PipelineId{1}, PipelineId{2}}},
        {"OwnerAssigned, from nobody", OwnerAssigned{kDeal, std::nullopt, UserId{2}}},
        {"OwnerAssigned, to nobody", OwnerAssigned{kDeal, UserId{2}, std::nullopt}},
        {"StatusChanged, to lost with a reason",
         StatusChanged{kDeal, DealStatus::kOpen, DealStatus::kLost, "No budget"}},
        {"StatusChanged, to won without a reason",
         StatusChanged{kDeal, DealStatus::kLost, DealStatus::kWon, std::nullopt}},
        {"DealTrashed", DealTrashed{kDeal}},
        {"DealRestored", DealRestored{kDeal}},
        {"DealPurged", DealPurged{kDeal}},
        {"PipelineCreated, the seeded default pipeline",
         PipelineCreated{PipelineId{1}, "Sales Pipeline", "default", true}, kSystem, 1, 1},
        {"PipelineCreated, without a flag",
         PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false}},
        {"StageCreated", StageCreated{StageId{1}, PipelineId{1}, "Qualified To Buy", 100, 1},
         kSystem, 2, 2},
        {"UserCreated, seeing only own deals",
         UserCreated{UserId{3}, "José Núñez", "jose@example.com", false, true, DealsScope::kOwn},
         kSystem},
        {"UserCreated, a super-admin seeing all deals",
         UserCreated{UserId{1}, "Alice", "alice@example.com", true, false, DealsScope::kAll}},
        {"UserUpdated, given every deal",
         UserUpdated{UserId{3}, "José N.", "jose@example.com", false, false, DealsScope::kAll}},
        {"UserDeleted", UserDeleted{UserId{3}}},
        {"TokenIssued", TokenIssued{TokenId{7}, UserId{1}, "ci", sha256_hex("secret")}, kSystem},
        {"TokenRevoked", TokenRevoked{TokenId{7}, UserId{1}}},
        {"TaxTypeChanged, creating the billable of a deal without an amount",
         TaxTypeChanged{kDeal, std::nullopt, TaxType::kExclusive, no_lines}},
        {"TaxTypeChanged, from inclusive to no_tax",
         TaxTypeChanged{kDeal, TaxType::kInclusive, TaxType::kNoTax, v1}},
        {"ProductAdded, a line with every field set", ProductAdded{kDeal, full_line, v7}},
        {"ProductAdded, a line with every optional field null", ProductAdded{kDeal, bare_line, v7}},
        {"ProductUpdated, a line with every field set, two tax groups",
         ProductUpdated{kDeal, full_line, v8}},
        {"ProductUpdated, a line with every optional field null",
         ProductUpdated{kDeal, bare_line, v1}},
        {"ProductRemoved, the last line", ProductRemoved{kDeal, BillableProductId{11}, zero}},
        {"ProductRemoved, a deal without an amount",
         ProductRemoved{kDeal, BillableProductId{12}, no_lines}},
        {"CatalogProductCreated, by a user, every field set",
         CatalogProductCreated{ProductId{3}, full_product, UserId{1}}, kUserRequest, 18, 1},
        {"CatalogProductCreated, by the system, every optional field null",
         CatalogProductCreated{ProductId{4}, bare_product, std::nullopt}, kSystem, 19, 1},
        {"CatalogProductUpdated, every field set",
         CatalogProductUpdated{ProductId{3}, full_product}},
        {"CatalogProductUpdated, every optional field null",
         CatalogProductUpdated{ProductId{4}, bare_product}},
        {"CatalogProductTrashed", CatalogProductTrashed{ProductId{3}}},
        {"CatalogProductRestored", CatalogProductRestored{ProductId{3}}},
        {"AssociationsChanged, contacts and an activity added, a company removed",
         AssociationsChanged{kDeal, {{3, 9}, {}, {12}}, {{}, {4}, {}}}},
        {"AssociationsChanged, a sync that emptied the contacts",
         AssociationsChanged{kDeal, {}, {{1, 2, 3}, {}, {}}}},
        {"PipelineUpdated", PipelineUpdated{PipelineId{2}, "Partners Ünd Co"}, kUserRequest, 20, 2},
        {"StageUpdated", StageUpdated{StageId{6}, PipelineId{2}, "Négociation", 40, 3}},
        {"StageDeleted", StageDeleted{StageId{6}, PipelineId{2}}},
        {"PipelineDeleted, after its stages", PipelineDeleted{PipelineId{2}}},
        {"CustomFieldCreated, a Select field", select_field, kUserRequest, 21, 1},
        {"CustomFieldCreated, a MultiSelect field",
         CustomFieldCreated{CustomFieldId{6},
                            "deals",
                            "cf_regions",
                            "Regions",
                            CustomFieldType::kMultiSelect,
                            {{7, "EMEA", 1}, {9, "Americas", 2}, {12, "APAC ✓", 3}}},
         kUserRequest, 22, 1},
        {"CustomFieldCreated, a Text field without options",
         CustomFieldCreated{CustomFieldId{1},
                            "deals",
                            "cf_notes",
                            "Notes \"internal\" — Zürich",
                            CustomFieldType::kText,
                            {}},
         kUserRequest, 23, 1},
        {"CustomFieldUpdated, renamed with an option added",
         CustomFieldUpdated{CustomFieldId{2},
                            "cf_tier",
                            "Customer tier",
                            {{4, "Gold", 1}, {5, "Silver", 2}, {13, "Bronze", 3}}}},
        {"CustomFieldUpdated, a field without options relabelled",
         CustomFieldUpdated{CustomFieldId{1}, "cf_notes", "Remarks", {}}},
        {"CustomFieldDeleted", CustomFieldDeleted{CustomFieldId{2}, "cf_tier"}},
        {"CustomFieldValuesChanged, every value kind", every_value_kind},
        {"CustomFieldValuesChanged, every value kind cleared", every_value_cleared},
        {"CustomFieldValuesChanged, a create: the largest number, from nothing",
         CustomFieldValuesChanged{
             DealId{5},
             {CustomFieldChange{CustomFieldId{3}, "cf_budget", CustomFieldType::kNumeric,
                                std::nullopt, CustomValue{money("999999999999.999")}}}}},
    };

    // Envelope edge cases.
    Case tricky_ids{"DealTrashed, with a correlation id that looks like JSON", DealTrashed{kDeal}};
    tricky_ids.meta.correlation_id = R"(","data":{"deal_id":1},"x":"\)";
    tricky_ids.meta.request_id = R"(a"b\c)";
    out.push_back(tricky_ids);

    Case far{"DealRestored, far along the log", DealRestored{kDeal}};
    far.sequence = 1'099'511'627'776;  // 2^40: beyond 32 bits
    far.stream_version = 5'000'000'000;
    far.meta.actor = Actor{UserId{9'007'199'254'740'993}, TokenId{2'147'483'648}};
    out.push_back(far);

    Case user_only{"DealPurged, with a user and no token", DealPurged{kDeal}};
    user_only.meta.actor.token_id.reset();
    out.push_back(user_only);
    return out;
}

/// The stored record of `c`, built exactly as RocksEventLog::write_batch does.
std::string record_of(const Case& c) {
    RecordedEvent r;
    r.id = "0b7e6f8a-3c1d-4e2f-9a5b-6c7d8e9f0a1b";
    r.sequence = c.sequence;
    r.stream = stream_of(c.event);
    r.stream_version = c.stream_version;
    r.occurred_at = kT0;
    r.meta = c.meta;
    r.data = c.event;
    const std::string body = encode_body(r, encode_data(r.data));
    r.prev_hash = c.sequence == 1 ? kGenesis : sha256_hex("the previous event");
    r.hash = sha256_hex(r.prev_hash, body);
    return make_record(body, r.prev_hash, r.hash);
}

/// The Kafka value of `c`, parsed as a consumer parses it.
rapidjson::Document kafka_value(const Case& c) {
    return parse(to_kafka_message(record_of(c)).value);
}

// ---- the field lists of the event structs ----

template <class T>
struct IsOptionalChange : std::false_type {};
template <class T>
struct IsOptionalChange<std::optional<Change<T>>> : std::true_type {};

struct Fields {
    std::set<std::string> all;
    std::set<std::string> always_written;  ///< all but DealUpdated's absent-when-unchanged
};

template <class T>
Fields fields_of() {
    Fields f;
    T event{};
    T::describe(event, [&f](const char* name, const auto& field) {
        f.all.insert(name);
        if (!IsOptionalChange<std::decay_t<decltype(field)>>::value) {
            f.always_written.insert(name);
        }
    });
    return f;
}

std::set<std::string> names_of(const rapidjson::Value& array) {
    std::set<std::string> out;
    for (const auto& item : array.GetArray()) {
        out.insert(item.GetString());
    }
    return out;
}

std::set<std::string> keys_of(const rapidjson::Value& object) {
    std::set<std::string> out;
    for (const auto& m : object.GetObject()) {
        out.insert(m.name.GetString());
    }
    return out;
}

/// The definition `name` lists exactly the fields of T: all of them properties, all required,
/// nothing else allowed.
template <class T>
void check_definition(const std::string& name) {
    INFO("definition " << name);
    const auto& definitions = schema_json()["definitions"];
    REQUIRE(definitions.HasMember(name.c_str()));
    const auto& d = definitions[name.c_str()];
    const Fields fields = fields_of<T>();
    CHECK(keys_of(d["properties"]) == fields.all);
    CHECK(names_of(d["required"]) == fields.always_written);
    REQUIRE(d.HasMember("additionalProperties"));
    CHECK(d["additionalProperties"].IsFalse());
}

template <std::size_t... I>
void check_definitions(std::index_sequence<I...>) {
    (
        [] {
            using T = std::variant_alternative_t<I, Event>;
            const std::string name(T::kType);
            INFO("event type " << name);
            const auto& definitions = schema_json()["definitions"];
            REQUIRE(definitions.HasMember(name.c_str()));
            const auto& d = definitions[name.c_str()];
            const Fields fields = fields_of<T>();
            CHECK(keys_of(d["properties"]) == fields.all);
            CHECK(names_of(d["required"]) == fields.always_written);
            REQUIRE(d.HasMember("additionalProperties"));
            CHECK(d["additionalProperties"].IsFalse());
        }(),
        ...);
}

const std::vector<const char*> kEnvelopeRequired{
    "specversion",     "id",       "source", "type",          "subject",       "time",
    "datacontenttype", "sequence", "stream", "streamversion", "schemaversion", "requestid",
    "correlationid",   "prevhash", "hash",   "data"};

}  // namespace

// ---- the values the code produces are valid ----

TEST_CASE("every event type's Kafka value matches docs/events.schema.json", "[store]") {
    const auto all = cases();
    std::set<std::size_t> covered;
    for (const auto& c : all) {
        covered.insert(c.event.index());
    }
    CHECK(covered.size() == std::variant_size_v<Event>);

    for (const auto& c : all) {
        const auto message = to_kafka_message(record_of(c));
        INFO(c.what << "\n" << message.value);
        const auto value = parse(message.value);
        const Verdict v = validate(value);
        CHECK(v.why == "");
    }
}

TEST_CASE("every event's record comes back byte for byte from its Kafka value", "[store]") {
    for (const auto& c : cases()) {
        INFO(c.what);
        const std::string record = record_of(c);
        CHECK(deals::store::record_from_kafka_value(to_kafka_message(record).value) == record);
    }
}

TEST_CASE("the Kafka value carries the event's data and envelope unchanged", "[store]") {
    for (const auto& c : cases()) {
        INFO(c.what);
        const std::string record = record_of(c);
        const auto message = to_kafka_message(record);
        const auto value = parse(message.value);
        const auto stored = parse(record.substr(0, record.find('\n')));
        // `data` byte for byte as stored, last.
        CHECK_THAT(message.value, Catch::EndsWith(",\"data\":" + encode_data(c.event) + "}"));
        CHECK(value["type"] == stored["type"]);
        CHECK(value["subject"] == stored["stream"]);
        CHECK(value["stream"] == stored["stream"]);
        CHECK(value["sequence"].GetUint64() == c.sequence);
        CHECK(value["streamversion"].GetUint64() == c.stream_version);
        CHECK(value["time"] == stored["occurred_at"]);
        CHECK(value["requestid"] == stored["request_id"]);
        CHECK(value["correlationid"] == stored["correlation_id"]);
        CHECK(value.HasMember("actoruserid") == c.meta.actor.user_id.has_value());
        CHECK(value.HasMember("actortokenid") == c.meta.actor.token_id.has_value());
    }
}

// ---- the schema is as strict as the encoder ----

// Checked on the schema itself as well as by validation: RapidJSON 1.1 treats a name listed in
// `required` as a known property, so a field renamed in `properties` but not in `required` would
// slip past `additionalProperties: false` in its validator (not in a conforming one).
TEST_CASE("the schema has one data definition per event type that lists exactly its fields",
          "[store]") {
    check_definitions(std::make_index_sequence<std::variant_size_v<Event>>{});
    // The objects nested in the product events, defined once and referenced.
    check_definition<BillableLine>("billableLine");
    check_definition<BillableTotals>("billableTotals");
    check_definition<TaxTotal>("taxTotal");
    check_definition<CatalogProductFields>("catalogProductFields");
    check_definition<CustomFieldOption>("customFieldOption");
    // CustomFieldChange is written by hand (store/reflect_json.hpp), not through `describe`.
    {
        const auto& change = schema_json()["definitions"]["customFieldChange"];
        const std::set<std::string> fields{"custom_field_id", "field_id", "field_type", "old",
                                           "new"};
        CHECK(keys_of(change["properties"]) == fields);
        CHECK(names_of(change["required"]) == fields);
        CHECK(change["additionalProperties"].IsFalse());
    }

    const auto& branches = schema_json()["oneOf"];
    REQUIRE(branches.IsArray());
    CHECK(branches.Size() == std::variant_size_v<Event>);
    CHECK(names_of(schema_json()["required"]) ==
          std::set<std::string>(kEnvelopeRequired.begin(), kEnvelopeRequired.end()));
}

TEST_CASE("a Kafka value without one of its data fields is invalid", "[store]") {
    for (const auto& c : cases()) {
        const auto original = kafka_value(c);
        for (const auto& field : original["data"].GetObject()) {
            const std::string name = field.name.GetString();
            if (std::holds_alternative<DealUpdated>(c.event) && name != "deal_id") {
                continue;  // an unchanged field is left out: that is valid
            }
            INFO(c.what << ": without data." << name);
            rapidjson::Document value;
            value.CopyFrom(original, value.GetAllocator());
            value["data"].RemoveMember(name.c_str());
            CHECK_FALSE(validate(value).valid);
        }
    }
}

TEST_CASE("a Kafka value with a data field renamed is invalid", "[store]") {
    for (const auto& c : cases()) {
        const auto original = kafka_value(c);
        for (const auto& field : original["data"].GetObject()) {
            const std::string name = field.name.GetString();
            INFO(c.what << ": data." << name << " renamed to data." << name << "s");
            rapidjson::Document value;
            value.CopyFrom(original, value.GetAllocator());
            auto& a = value.GetAllocator();
            rapidjson::Value moved(value["data"][name.c_str()], a);
            value["data"].RemoveMember(name.c_str());
            value["data"].AddMember(rapidjson::Value((name + "s").c_str(), a), moved, a);
            CHECK_FALSE(validate(value).valid);
        }
    }
}

// The line, totals and catalog fields of the product events are as strict as `data` itself.
TEST_CASE("a Kafka value with a nested data field missing, renamed or extra is invalid",
          "[store]") {
    std::size_t nested = 0;
    for (const auto& c : cases()) {
        const auto original = kafka_value(c);
        for (const auto& member : original["data"].GetObject()) {
            if (!member.value.IsObject()) {
                continue;
            }
            ++nested;
            const std::string object = member.name.GetString();
            for (const auto& field : member.value.GetObject()) {
                const std::string name = field.name.GetString();
                {
                    INFO(c.what << ": without data." << object << "." << name);
                    rapidjson::Document value;
                    value.CopyFrom(original, value.GetAllocator());
                    value["data"][object.c_str()].RemoveMember(name.c_str());
                    CHECK_FALSE(validate(value).valid);
                }
                {
                    INFO(c.what << ": data." << object << "." << name << " renamed");
                    rapidjson::Document value;
                    value.CopyFrom(original, value.GetAllocator());
                    auto& a = value.GetAllocator();
                    auto& inner = value["data"][object.c_str()];
                    rapidjson::Value moved(inner[name.c_str()], a);
                    inner.RemoveMember(name.c_str());
                    inner.AddMember(rapidjson::Value((name + "s").c_str(), a), moved, a);
                    CHECK_FALSE(validate(value).valid);
                }
            }
            INFO(c.what << ": an unknown field in data." << object);
            rapidjson::Document value;
            value.CopyFrom(original, value.GetAllocator());
            auto& a = value.GetAllocator();
            value["data"][object.c_str()].AddMember("sku_id", rapidjson::Value(1), a);
            CHECK_FALSE(validate(value).valid);
        }
    }
    CHECK(nested > 0);
}

TEST_CASE("a product event with a malformed value is invalid", "[store]") {
    const auto all = cases();
    const auto find = [&all](const std::string& what) {
        for (const auto& c : all) {
            if (c.what == what) {
                return c;
            }
        }
        FAIL("no case " << what);
        return all.front();
    };
    struct Mutation {
        const char* what;
        const char* case_name;
        const char* pointer;
        const char* json;
    };
    const auto m = GENERATE(
        Mutation{"an unknown tax type", "TaxTypeChanged, from inclusive to no_tax", "/data/to",
                 R"("vat")"},
        Mutation{"a null `to`", "TaxTypeChanged, from inclusive to no_tax", "/data/to", "null"},
        Mutation{"an unknown `from`", "TaxTypeChanged, from inclusive to no_tax", "/data/from",
                 R"("none")"},
        Mutation{"a tax type event on a product stream", "TaxTypeChanged, from inclusive to no_tax",
                 "/stream", R"("product-42")"},
        Mutation{"an unknown discount type", "ProductAdded, a line with every field set",
                 "/data/line/discount_type", R"("absolute")"},
        Mutation{"qty as a string (as the billable JSON writes it)",
                 "ProductAdded, a line with every field set", "/data/line/qty", R"("1.50")"},
        Mutation{"a line id 0", "ProductAdded, a line with every field set", "/data/line/id", "0"},
        Mutation{"a null line name", "ProductAdded, a line with every field set", "/data/line/name",
                 "null"},
        Mutation{"a decimal display order", "ProductAdded, a line with every field set",
                 "/data/line/display_order", "1.5"},
        Mutation{"a null subtotal", "ProductAdded, a line with every field set",
                 "/data/totals/subtotal", "null"},
        Mutation{"an amount as a string", "ProductAdded, a line with every field set",
                 "/data/totals/amount", R"("138.669")"},
        Mutation{"has_discount as a number", "ProductAdded, a line with every field set",
                 "/data/totals/has_discount", "1"},
        Mutation{"taxes that are null", "ProductRemoved, the last line", "/data/totals/taxes",
                 "null"},
        Mutation{"taxes as an object", "ProductAdded, a line with every field set",
                 "/data/totals/taxes", R"({"TAX7.5":9.67})"},
        Mutation{"a tax entry with an extra key (the billable JSON's raw_total)",
                 "ProductAdded, a line with every field set", "/data/totals/taxes/0",
                 R"({"key":"TAX7.5","label":"TAX","rate":7.5,"total":9.67,"raw_total":9.67455})"},
        Mutation{"a tax entry without its total", "ProductAdded, a line with every field set",
                 "/data/totals/taxes/0", R"({"key":"TAX7.5","label":"TAX","rate":7.5})"},
        Mutation{"a tax entry with its rate as a string",
                 "ProductUpdated, a line with every field set, two tax groups",
                 "/data/totals/taxes/1/rate", R"("19")"},
        Mutation{"a negative tax rate", "ProductAdded, a line with every field set",
                 "/data/totals/taxes/0/rate", "-7.5"},
        Mutation{"a null tax label", "ProductAdded, a line with every field set",
                 "/data/totals/taxes/0/label", "null"},
        Mutation{"a tax entry that is a number", "ProductAdded, a line with every field set",
                 "/data/totals/taxes/0", "9.67"},
        Mutation{"totals that are null", "ProductRemoved, the last line", "/data/totals", "null"},
        Mutation{"a line id as a string", "ProductRemoved, the last line", "/data/line_id",
                 R"("11")"},
        Mutation{"a product event on a deal stream", "CatalogProductTrashed", "/stream",
                 R"("deal-3")"},
        Mutation{"is_active as a number", "CatalogProductUpdated, every field set",
                 "/data/fields/is_active", "1"},
        Mutation{"a null unit price", "CatalogProductUpdated, every field set",
                 "/data/fields/unit_price", "null"},
        Mutation{"created_by 0", "CatalogProductCreated, by a user, every field set",
                 "/data/created_by", "0"});
    INFO(m.what);
    auto value = kafka_value(find(m.case_name));
    REQUIRE(rapidjson::Pointer(m.pointer).Get(value) != nullptr);  // replaced, not added
    rapidjson::Document replacement;
    replacement.Parse(m.json);
    REQUIRE_FALSE(replacement.HasParseError());
    rapidjson::Value copy(replacement, value.GetAllocator());
    rapidjson::Pointer(m.pointer).Set(value, copy, value.GetAllocator());

    INFO(to_text(value));
    CHECK_FALSE(validate(value).valid);
}

// The billable JSON's tax groups also have `raw_total` (contract §7.5); the events' do not.
TEST_CASE("a tax entry of the totals with an extra key is invalid", "[store]") {
    std::optional<rapidjson::Document> value;
    for (const auto& c : cases()) {
        if (c.what == "ProductAdded, a line with every field set") {
            value.emplace(kafka_value(c));
        }
    }
    REQUIRE(value);
    REQUIRE(validate(*value).valid);
    auto* entry = rapidjson::Pointer("/data/totals/taxes/0").Get(*value);
    REQUIRE(entry != nullptr);
    entry->AddMember("raw_total", rapidjson::Value(9.67455), value->GetAllocator());

    const Verdict v = validate(*value);

    INFO(to_text(*value));
    CHECK_FALSE(v.valid);
    CHECK_THAT(v.why, Catch::Contains("data against #/definitions/ProductAdded: keyword "
                                      "'additionalProperties' at document #/totals/taxes/0"));
}

TEST_CASE("a Kafka value without one of its envelope attributes is invalid", "[store]") {
    const auto original = kafka_value(cases().front());
    for (const char* name : kEnvelopeRequired) {
        INFO("without " << name);
        rapidjson::Document value;
        value.CopyFrom(original, value.GetAllocator());
        REQUIRE(value.RemoveMember(name));
        CHECK_FALSE(validate(value).valid);
    }
}

TEST_CASE("a Kafka value with an unknown envelope attribute is invalid", "[store]") {
    const std::string name = GENERATE("partitionkey", "stream_version", "actor", "dataschema");
    INFO("with " << name);
    auto value = kafka_value(cases().front());
    auto& a = value.GetAllocator();
    value.AddMember(rapidjson::Value(name.c_str(), a), rapidjson::Value("x", a), a);

    const Verdict v = validate(value);

    CHECK_FALSE(v.valid);
    CHECK_THAT(v.why, Catch::StartsWith("keyword 'additionalProperties'"));
}

TEST_CASE("a Kafka value with an unknown or mismatched type name is invalid", "[store]") {
    const Case trashed{"DealTrashed", DealTrashed{kDeal}};
    const std::string type =
        GENERATE("DealExploded", "dealtrashed", "DealCreated", "DealRestoredd", "");
    INFO("type " << type);
    auto value = kafka_value(trashed);
    value["type"].SetString(type.c_str(), value.GetAllocator());

    const Verdict v = validate(value);

    CHECK_FALSE(v.valid);
    CHECK_THAT(v.why, Catch::StartsWith("keyword 'oneOf'"));
}

TEST_CASE("a Kafka value with a malformed attribute or data value is invalid", "[store]") {
    const Case created = cases().front();  // DealCreated, every field set
    struct Mutation {
        const char* what;
        const char* pointer;
        const char* json;
    };
    const auto m = GENERATE(
        Mutation{"specversion 1.0.2", "/specversion", R"("1.0.2")"},
        Mutation{"another source", "/source", R"("/elsewhere")"},
        Mutation{"datacontenttype with a charset", "/datacontenttype",
                 R"("application/json; charset=utf-8")"},
        Mutation{"a time without microseconds", "/time", R"("2026-03-01T10:00:00Z")"},
        Mutation{"a time with an offset", "/time", R"("2026-03-01T10:00:00.000000+00:00")"},
        Mutation{"an upper-case hash", "/hash",
                 R"("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")"},
        Mutation{"a short previous hash", "/prevhash", R"("abc")"},
        Mutation{"an id that is not a UUID", "/id", R"("42")"},
        Mutation{"sequence 0", "/sequence", "0"},
        Mutation{"sequence as a string", "/sequence", R"("17")"},
        Mutation{"streamversion as a decimal", "/streamversion", "3.5"},
        Mutation{"schema version 2 of DealCreated", "/schemaversion", "2"},
        Mutation{"a null actor user id", "/actoruserid", "null"},
        Mutation{"a deal event on a user stream", "/stream", R"("user-42")"},
        Mutation{"a subject that is not a stream", "/subject", R"("deals")"},
        Mutation{"a null request id", "/requestid", "null"},
        Mutation{"data that is an array", "/data", "[]"},
        Mutation{"deal_id as a string", "/data/deal_id", R"("42")"},
        Mutation{"deal_id 0", "/data/deal_id", "0"},
        Mutation{"an amount as a string", "/data/amount", R"("1250.5")"},
        Mutation{"a date with a time", "/data/expected_close_date", R"("2026-04-30T00:00:00Z")"},
        Mutation{"an unknown status", "/data/status", R"("pending")"},
        Mutation{"a null name", "/data/name", "null"},
        Mutation{"an unknown data field", "/data/probability", "50"});
    INFO(m.what);
    auto value = kafka_value(created);
    rapidjson::Document replacement;
    replacement.Parse(m.json);
    REQUIRE_FALSE(replacement.HasParseError());
    rapidjson::Value copy(replacement, value.GetAllocator());
    rapidjson::Pointer(m.pointer).Set(value, copy, value.GetAllocator());

    const Verdict v = validate(value);

    INFO(to_text(value));
    CHECK_FALSE(v.valid);
}

TEST_CASE("a DealUpdated change that is null, partial or has extra keys is invalid", "[store]") {
    const Case updated = cases()[6];  // every field changed
    REQUIRE(std::holds_alternative<DealUpdated>(updated.event));
    struct Mutation {
        const char* what;
        const char* pointer;
        const char* json;
    };
    const auto m = GENERATE(
        Mutation{"an unchanged field written as null", "/data/swatch_color", "null"},
        Mutation{"a change without old", "/data/name", R"({"new":"b"})"},
        Mutation{"a change without new", "/data/amount", R"({"old":1})"},
        Mutation{"a change with an extra key", "/data/lost_reason",
                 R"({"old":"a","new":"b","at":"2026-01-01"})"},
        Mutation{"a name changed to null", "/data/name", R"({"old":"a","new":null})"},
        Mutation{"an amount changed to a string", "/data/amount", R"({"old":null,"new":"1"})"},
        Mutation{"a plain new value instead of a change", "/data/expected_close_date",
                 R"("2026-04-30")"});
    INFO(m.what);
    auto value = kafka_value(updated);
    rapidjson::Document replacement;
    replacement.Parse(m.json);
    REQUIRE_FALSE(replacement.HasParseError());
    rapidjson::Value copy(replacement, value.GetAllocator());
    rapidjson::Pointer(m.pointer).Set(value, copy, value.GetAllocator());

    CHECK_FALSE(validate(value).valid);
}

TEST_CASE("a refused value names the validator's keyword and where it failed", "[store]") {
    auto value = kafka_value(cases().front());
    value["data"].RemoveMember("lost_reason");

    const Verdict v = validate(value);

    CHECK_FALSE(v.valid);
    CHECK_THAT(v.why, Catch::Contains("keyword 'oneOf' at document #"));
    CHECK_THAT(v.why,
               Catch::Contains("data against #/definitions/DealCreated: keyword 'required'"));
}

// The entries of `changes` and `options` (arrays, so not covered above) are as strict.
TEST_CASE("a custom field change or option with a field missing, renamed or extra is invalid",
          "[store]") {
    std::size_t entries = 0;
    for (const auto& c : cases()) {
        const auto original = kafka_value(c);
        for (const char* array : {"changes", "options"}) {
            if (!original["data"].HasMember(array)) {
                continue;
            }
            const auto& items = original["data"][array];
            for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
                ++entries;
                const std::string at = "/data/" + std::string(array) + "/" + std::to_string(i);
                for (const auto& field : items[i].GetObject()) {
                    const std::string name = field.name.GetString();
                    {
                        INFO(c.what << ": without " << at << "/" << name);
                        rapidjson::Document value;
                        value.CopyFrom(original, value.GetAllocator());
                        rapidjson::Pointer(at.c_str()).Get(value)->RemoveMember(name.c_str());
                        CHECK_FALSE(validate(value).valid);
                    }
                    {
                        INFO(c.what << ": " << at << "/" << name << " renamed");
                        rapidjson::Document value;
                        value.CopyFrom(original, value.GetAllocator());
                        auto& a = value.GetAllocator();
                        auto& inner = *rapidjson::Pointer(at.c_str()).Get(value);
                        rapidjson::Value moved(inner[name.c_str()], a);
                        inner.RemoveMember(name.c_str());
                        inner.AddMember(rapidjson::Value((name + "s").c_str(), a), moved, a);
                        CHECK_FALSE(validate(value).valid);
                    }
                }
                INFO(c.what << ": an unknown field in " << at);
                rapidjson::Document value;
                value.CopyFrom(original, value.GetAllocator());
                rapidjson::Pointer(at.c_str())
                    .Get(value)
                    ->AddMember("label", rapidjson::Value(1), value.GetAllocator());
                CHECK_FALSE(validate(value).valid);
            }
        }
    }
    CHECK(entries > 0);
}

TEST_CASE("a custom field event with a malformed value is invalid", "[store]") {
    const auto all = cases();
    const auto find = [&all](const std::string& what) {
        for (const auto& c : all) {
            if (c.what == what) {
                return c;
            }
        }
        FAIL("no case " << what);
        return all.front();
    };
    struct Mutation {
        const char* what;
        const char* case_name;
        const char* pointer;
        const char* json;
    };
    static constexpr const char* kinds = "CustomFieldValuesChanged, every value kind";
    const auto m = GENERATE(
        // The changes of every_value_kind: 0 Text, 1 Select, 2 Numeric, 3 Date, 4 Boolean,
        // 5 MultiSelect, 6 Textarea.
        Mutation{"a Text value that is a number", kinds, "/data/changes/0/new", "12"},
        Mutation{"an empty Text value (empty input clears)", kinds, "/data/changes/0/new", R"("")"},
        Mutation{"a Select value as an array", kinds, "/data/changes/1/new", "[4]"},
        Mutation{"a Select value as a string", kinds, "/data/changes/1/new", R"("4")"},
        Mutation{"a Select value that is an option name", kinds, "/data/changes/1/new",
                 R"("Gold")"},
        Mutation{"a Select option id 0", kinds, "/data/changes/1/new", "0"},
        Mutation{"a Select option id with decimals", kinds, "/data/changes/1/new", "4.5"},
        Mutation{"a Numeric value as a string", kinds, "/data/changes/2/new", R"("1250.125")"},
        Mutation{"a negative Numeric value", kinds, "/data/changes/2/old", "-1"},
        Mutation{"a Numeric value above the maximum", kinds, "/data/changes/2/new",
                 "1000000000000"},
        Mutation{"a Date with a time", kinds, "/data/changes/3/new", R"("2026-03-03T00:00:00Z")"},
        Mutation{"a Date as a number", kinds, "/data/changes/3/new", "20260303"},
        Mutation{"a Boolean as a number", kinds, "/data/changes/4/new", "1"},
        Mutation{"a Boolean as a string", kinds, "/data/changes/4/old", R"("false")"},
        Mutation{"a MultiSelect value that is one id", kinds, "/data/changes/5/new", "7"},
        Mutation{"an empty MultiSelect value (an empty selection is null)", kinds,
                 "/data/changes/5/new", "[]"},
        Mutation{"a MultiSelect value with a repeated id", kinds, "/data/changes/5/new", "[7,7]"},
        Mutation{"a MultiSelect value with an option name", kinds, "/data/changes/5/new",
                 R"([7,"EMEA"])"},
        Mutation{"a Textarea value that is a boolean", kinds, "/data/changes/6/new", "true"},
        Mutation{"an unknown field type", kinds, "/data/changes/0/field_type", R"("Radio")"},
        Mutation{"a field type in lower case", kinds, "/data/changes/1/field_type", R"("select")"},
        Mutation{"a Select change relabelled MultiSelect", kinds, "/data/changes/1/field_type",
                 R"("MultiSelect")"},
        Mutation{"a field key without cf_", kinds, "/data/changes/0/field_id", R"("notes")"},
        Mutation{"a field key with upper case", kinds, "/data/changes/0/field_id",
                 R"("cf_Notes")"},
        Mutation{"a custom field id 0", kinds, "/data/changes/0/custom_field_id", "0"},
        Mutation{"no changes at all", kinds, "/data/changes", "[]"},
        Mutation{"changes as an object", kinds, "/data/changes", R"({"cf_notes":"x"})"},
        Mutation{"a change that is a plain value", kinds, "/data/changes/0", R"("x")"},
        Mutation{"values on a custom field stream", kinds, "/stream", R"("custom-field-5")"},
        Mutation{"a definition on a deal stream", "CustomFieldCreated, a Select field", "/stream",
                 R"("deal-2")"},
        Mutation{"a definition on a custom_field stream", "CustomFieldDeleted", "/stream",
                 R"("custom_field-2")"},
        Mutation{"another resource", "CustomFieldCreated, a Select field", "/data/resource_name",
                 R"("contacts")"},
        Mutation{"an unknown field type", "CustomFieldCreated, a Select field",
                 "/data/field_type", R"("Dropdown")"},
        Mutation{"a Select field without options", "CustomFieldCreated, a Select field",
                 "/data/options", "[]"},
        Mutation{"a MultiSelect field without options", "CustomFieldCreated, a MultiSelect field",
                 "/data/options", "[]"},
        Mutation{"a Text field with options", "CustomFieldCreated, a Text field without options",
                 "/data/options", R"([{"id":4,"name":"Gold","display_order":1}])"},
        Mutation{"options that are null", "CustomFieldUpdated, renamed with an option added",
                 "/data/options", "null"},
        Mutation{"an option id 0", "CustomFieldUpdated, renamed with an option added",
                 "/data/options/0/id", "0"},
        Mutation{"an option without a name", "CustomFieldUpdated, renamed with an option added",
                 "/data/options/0/name", R"("")"},
        Mutation{"a decimal display order", "CustomFieldCreated, a Select field",
                 "/data/options/1/display_order", "1.5"},
        Mutation{"a null label", "CustomFieldUpdated, renamed with an option added", "/data/label",
                 "null"},
        Mutation{"a field key with a dash", "CustomFieldDeleted", "/data/field_id",
                 R"("cf-tier")"});
    INFO(m.what << " (" << m.case_name << ")");
    auto value = kafka_value(find(m.case_name));
    REQUIRE(validate(value).valid);
    REQUIRE(rapidjson::Pointer(m.pointer).Get(value) != nullptr);  // replaced, not added
    rapidjson::Document replacement;
    replacement.Parse(m.json);
    REQUIRE_FALSE(replacement.HasParseError());
    rapidjson::Value copy(replacement, value.GetAllocator());
    rapidjson::Pointer(m.pointer).Set(value, copy, value.GetAllocator());

    INFO(to_text(value));
    CHECK_FALSE(validate(value).valid);
}

// A value's JSON form is chosen by its field's type: the schema accepts exactly that form.
TEST_CASE("each custom field type's values have one JSON form", "[store]") {
    const Case c{"values",
                 CustomFieldValuesChanged{
                     DealId{5}, {CustomFieldChange{CustomFieldId{1}, "cf_x", CustomFieldType::kText,
                                                   std::nullopt, std::nullopt}}}};
    struct Form {
        const char* field_type;
        const char* json;
        bool valid;
    };
    const auto f = GENERATE(
        Form{"Text", R"("Acme")", true}, Form{"Text", "null", true},
        Form{"Text", "1", false}, Form{"Text", "[1]", false},
        Form{"Textarea", R"("a\nb")", true}, Form{"Textarea", "false", false},
        Form{"Numeric", "3", true}, Form{"Numeric", "1250.5", true},
        Form{"Numeric", "0.005", true}, Form{"Numeric", "999999999999.999", true},
        Form{"Numeric", "null", true}, Form{"Numeric", R"("3")", false},
        Form{"Date", R"("2026-03-03")", true}, Form{"Date", R"("03/03/2026")", false},
        Form{"Boolean", "true", true}, Form{"Boolean", "false", true},
        Form{"Boolean", "0", false}, Form{"Select", "4", true}, Form{"Select", "null", true},
        Form{"Select", "[4,5]", false}, Form{"Select", "true", false},
        Form{"MultiSelect", "[4]", true}, Form{"MultiSelect", "[4,9,12]", true},
        Form{"MultiSelect", "null", true}, Form{"MultiSelect", "[-1]", false},
        Form{"MultiSelect", R"("4,9")", false});
    INFO(f.field_type << " " << f.json);
    auto value = kafka_value(c);
    auto& a = value.GetAllocator();
    auto& change = value["data"]["changes"][0];
    change["field_type"].SetString(f.field_type, a);
    rapidjson::Document replacement;
    replacement.Parse(f.json);
    REQUIRE_FALSE(replacement.HasParseError());
    change["old"].SetNull();
    change["new"].CopyFrom(replacement, a);

    const Verdict v = validate(value);

    INFO(to_text(value) << "\n" << v.why);
    CHECK(v.valid == f.valid);
}
