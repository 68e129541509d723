#include "commands/deal_validation.hpp"

#include <catch2/catch.hpp>

#include "tests/commands/field_values.hpp"
#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::CreateDeal;
using deals::commands::DealInput;
using deals::commands::FieldErrors;
using deals::commands::FieldValue;
using deals::commands::StagePlacement;
using deals::commands::UpdateDeal;
using deals::commands::validate_create;
using deals::commands::validate_status_change;
using deals::commands::validate_update;
using deals::commands::ValidationSettings;

namespace {

const DealId kNewId{7};

/// The smallest valid create body: a name and a stage.
DealInput minimal() {
    DealInput in;
    in.name = str("Acme renewal");
    in.stage_id = num("1");
    return in;
}

World& world() {
    static World w = World::seeded();
    return w;
}

deals::commands::Result<CreateDeal> create(const DealInput& in, ValidationSettings settings = {}) {
    return validate_create(in, world().views, kNewId, settings);
}

deals::commands::Result<UpdateDeal> update(const DealInput& in, const Deal& current,
                                           ValidationSettings settings = {}) {
    return validate_update(in, current, world().views, settings);
}

/// The field errors of a failed validation, which must be a 422.
FieldErrors field_errors(const Error& e) {
    CHECK(e.code == ErrorCode::kValidation);
    return e.fields;
}

FieldErrors one(std::string field, std::string message) {
    return FieldErrors{{std::move(field), {std::move(message)}}};
}

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += s;
    }
    return out;
}

Deal open_deal_state() { return fold({open_deal()}); }

Deal lost_deal_state() {
    return fold({open_deal(),
                 StatusChanged{DealId{42}, DealStatus::kOpen, DealStatus::kLost, "No budget"}});
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<FieldErrors> {
    static std::string convert(const FieldErrors& fields) {
        std::string out = "{";
        for (const auto& [field, messages] : fields) {
            out += "\n  " + field + ": [";
            for (const auto& m : messages) {
                out += "\"" + m + "\" ";
            }
            out += "]";
        }
        return out + "}";
    }
};
}  // namespace Catch

// ---- create: a valid body ----

TEST_CASE("a minimal create body resolves the stage's pipeline and defaults to open",
          "[commands][validation][create]") {
    const CreateDeal c = value_of(create(minimal()));

    CHECK(c.id == kNewId);
    CHECK(c.name == "Acme renewal");
    CHECK(c.stage_id == StageId{1});
    CHECK(c.pipeline_id == PipelineId{1});
    CHECK(c.status == DealStatus::kOpen);
    CHECK_FALSE(c.amount);
    CHECK_FALSE(c.expected_close_date);
    CHECK_FALSE(c.lost_reason);
    CHECK_FALSE(c.user_id);
    CHECK_FALSE(c.swatch_color);
}

TEST_CASE("a full create body is resolved into a command", "[commands][validation][create]") {
    DealInput in;
    in.name = str("  Acme renewal  ");
    in.pipeline_id = num("1");
    in.stage_id = str("proposal made");
    in.amount = str("1250.5");
    in.expected_close_date = str("2026-04-30");
    in.status = str("lost");
    in.lost_reason = str("No budget");
    in.user_id = str("bob seller");
    in.swatch_color = str("#A1b2C3");

    const CreateDeal c = value_of(create(in));

    CHECK(c.name == "Acme renewal");
    CHECK(c.stage_id == StageId{4});
    CHECK(c.pipeline_id == PipelineId{1});
    CHECK(c.amount == Money::from_thousandths(1'250'500));
    CHECK(c.expected_close_date == Date::parse("2026-04-30"));
    CHECK(c.status == DealStatus::kLost);
    CHECK(c.lost_reason == "No budget");
    CHECK(c.user_id == kBob);
    CHECK(c.swatch_color == "#A1b2C3");
}

// ---- name ----

TEST_CASE("the deal name is required on create", "[commands][validation][create]") {
    DealInput in = minimal();
    in.name = GENERATE(FieldValue::absent(), FieldValue::null(), FieldValue::string("   "));

    const Error e = error_of(create(in));

    CHECK(field_errors(e) == one("name", "The Deal Name field is required."));
    CHECK(e.message == "The Deal Name field is required.");
}

TEST_CASE("the deal name must be a string", "[commands][validation][create]") {
    DealInput in = minimal();
    in.name = GENERATE(num("12"), FieldValue::boolean(true), array(), object());

    CHECK(field_errors(error_of(create(in))) ==
          one("name", "The Deal Name field must be a string."));
}

TEST_CASE("the deal name may have 191 characters, counted in code points, but not 192",
          "[commands][validation][create]") {
    DealInput in = minimal();
    // 191 two-byte characters: 382 bytes, still 191 characters.
    in.name = str(repeat("é", 191));
    CHECK(value_of(create(in)).name == repeat("é", 191));

    in.name = str(repeat("a", 190) + "日");
    CHECK(create(in).has_value());

    in.name = str(repeat("a", 192));
    CHECK(field_errors(error_of(create(in))) ==
          one("name", "The Deal Name field must not be greater than 191 characters."));

    in.name = str(repeat("😀", 192));
    CHECK(field_errors(error_of(create(in))) ==
          one("name", "The Deal Name field must not be greater than 191 characters."));
}

// ---- stage and pipeline ----

TEST_CASE("the stage is required on create", "[commands][validation][create]") {
    DealInput in = minimal();
    in.stage_id = GENERATE(FieldValue::absent(), FieldValue::null(), FieldValue::string(""));

    CHECK(field_errors(error_of(create(in))) == one("stage_id", "The Stage field is required."));
}

TEST_CASE("a stage is found by id, as a number or a numeric string",
          "[commands][validation][create]") {
    DealInput in = minimal();
    in.stage_id = num("5");
    CHECK(value_of(create(in)).stage_id == StageId{5});
    in.stage_id = str("3");
    CHECK(value_of(create(in)).stage_id == StageId{3});
}

TEST_CASE("a stage is found by name, trimmed and ignoring case", "[commands][validation][create]") {
    DealInput in = minimal();
    in.stage_id = str("  CONTACT made ");
    const CreateDeal c = value_of(create(in));

    CHECK(c.stage_id == StageId{2});
    CHECK(c.pipeline_id == PipelineId{1});
}

TEST_CASE("a stage name shared by two pipelines resolves to the first by display order",
          "[commands][validation][create]") {
    World w = World::seeded();
    w.given({PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false},
             // Same name as stage 2 (display order 2), but first in its pipeline.
             StageCreated{StageId{6}, PipelineId{2}, "Contact made", 50, 1}},
            at(-50));
    DealInput in = minimal();
    in.stage_id = str("contact made");

    const CreateDeal c = value_of(validate_create(in, w.views, kNewId, ValidationSettings{}));

    CHECK(c.stage_id == StageId{6});
    CHECK(c.pipeline_id == PipelineId{2});
}

TEST_CASE("an unknown stage is invalid", "[commands][validation][create]") {
    DealInput in = minimal();
    in.stage_id =
        GENERATE(num("99"), num("0"), num("-1"), num("1.5"), str("No such stage"),
                 num("123456789012345678901234567890"), FieldValue::boolean(true), array());

    CHECK(field_errors(error_of(create(in))) == one("stage_id", "The selected Stage is invalid."));
}

TEST_CASE("the pipeline is derived from the stage, whatever pipeline is sent",
          "[commands][validation][create]") {
    World w = World::seeded();
    w.given({PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false},
             StageCreated{StageId{6}, PipelineId{2}, "Intro", 50, 1}},
            at(-50));
    DealInput in = minimal();
    in.pipeline_id = GENERATE(num("2"), str("partners"), str("Sales Pipeline"));
    in.stage_id = num("1");

    const CreateDeal c = value_of(validate_create(in, w.views, kNewId, ValidationSettings{}));

    CHECK(c.pipeline_id == PipelineId{1});
    CHECK(c.stage_id == StageId{1});
}

TEST_CASE("an unknown pipeline is forbidden", "[commands][validation][create]") {
    DealInput in = minimal();
    in.pipeline_id = GENERATE(num("99"), str("Nope"));

    CHECK(field_errors(error_of(create(in))) ==
          one("pipeline_id", "This Pipeline value is forbidden."));
}

// ---- amount ----

TEST_CASE("an amount may be a number or a numeric string and keeps three decimals",
          "[commands][validation][amount]") {
    using Case = std::pair<FieldValue, std::int64_t>;
    const auto [value, thousandths] = GENERATE(
        Case{num("1800"), 1'800'000}, Case{str("35.6625"), 35'663}, Case{str("-35.6625"), -35'663},
        Case{num("0.0004"), 0}, Case{num("1e3"), 1'000'000}, Case{str("+12.5"), 12'500},
        Case{num("-1000000000000"), -1'000'000'000'000'000},
        Case{num("1000000000000"), 1'000'000'000'000'000});
    DealInput in = minimal();
    in.amount = value;

    CHECK(value_of(create(in)).amount == Money::from_thousandths(thousandths));
}

TEST_CASE("a null amount is no amount", "[commands][validation][amount]") {
    DealInput in = minimal();
    in.amount = GENERATE(FieldValue::null(), FieldValue::string(" "));

    const CreateDeal c = value_of(create(in));

    CHECK_FALSE(c.amount.has_value());
}

TEST_CASE("a non-numeric amount is not a number", "[commands][validation][amount]") {
    DealInput in = minimal();
    in.amount = GENERATE(str("abc"), str("12abc"), str("1,200"), str("USD 12"), str("0x10"),
                         str("1e"), FieldValue::boolean(true), array(), object());

    CHECK(field_errors(error_of(create(in))) ==
          one("amount", "The Amount field must be a number."));
}

TEST_CASE("an amount beyond plus or minus 10^12 is out of bounds",
          "[commands][validation][amount]") {
    DealInput in = minimal();

    SECTION("above") {
        in.amount = GENERATE(num("1000000000000.001"), num("1000000000001"), str("1e13"),
                             num("1e15"), num("99999999999999999999"), num("1e400"));
        CHECK(field_errors(error_of(create(in))) ==
              one("amount", "The Amount field must not be greater than 1000000000000."));
    }
    SECTION("below") {
        in.amount = GENERATE(num("-1000000000000.001"), str("-1e13"), num("-1e15"),
                             num("-99999999999999999999"));
        CHECK(field_errors(error_of(create(in))) ==
              one("amount", "The Amount field must be at least -1000000000000."));
    }
}

// ---- expected close date ----

TEST_CASE("the expected close date accepts a date or a date-time, as written",
          "[commands][validation][date]") {
    using Case = std::pair<std::string, std::string>;
    const auto [text, date] =
        GENERATE(Case{"2025-02-28", "2025-02-28"}, Case{"2024-02-29", "2024-02-29"},
                 Case{"2025-02-28T23:30:00-05:00", "2025-02-28"},
                 Case{"2025-02-28T00:30:00+02:00", "2025-02-28"},
                 Case{"2025-02-28T10:00:00.123456Z", "2025-02-28"});
    DealInput in = minimal();
    in.expected_close_date = str(text);

    const CreateDeal c = value_of(create(in));

    REQUIRE(c.expected_close_date);
    CHECK(c.expected_close_date->str() == date);
}

TEST_CASE("an invalid expected close date is refused", "[commands][validation][date]") {
    DealInput in = minimal();
    in.expected_close_date =
        GENERATE(str("2025-02-29"), str("2025-13-01"), str("28/02/2025"), str("tomorrow"),
                 str("2025-02-28T25:00:00Z"), num("20250228"), FieldValue::boolean(false));

    CHECK(field_errors(error_of(create(in))) ==
          one("expected_close_date", "The Expected Close Date field must be a valid date."));
}

TEST_CASE("a null expected close date is no date", "[commands][validation][date]") {
    DealInput in = minimal();
    in.expected_close_date = FieldValue::null();

    CHECK_FALSE(value_of(create(in)).expected_close_date);
}

// ---- status and lost reason ----

TEST_CASE("the status is open, won or lost, case-sensitively", "[commands][validation][status]") {
    DealInput in = minimal();
    in.status = str("won");
    CHECK(value_of(create(in)).status == DealStatus::kWon);

    in.status = GENERATE(str("WON"), str("closed"), FieldValue::null(), num("1"), str(""));
    CHECK(field_errors(error_of(create(in))) == one("status", "The selected Status is invalid."));
}

TEST_CASE("a lost reason is required when a deal is created lost",
          "[commands][validation][status]") {
    DealInput in = minimal();
    in.status = str("lost");
    in.lost_reason = GENERATE(FieldValue::absent(), FieldValue::null(), FieldValue::string(" "));

    CHECK(field_errors(error_of(create(in))) ==
          one("lost_reason", "The Lost Reason field is required when Status is lost."));
}

TEST_CASE("the lost reason is optional when the setting is off", "[commands][validation][status]") {
    DealInput in = minimal();
    in.status = str("lost");

    const CreateDeal c = value_of(create(in, ValidationSettings{.lost_reason_required = false}));

    CHECK(c.status == DealStatus::kLost);
    CHECK_FALSE(c.lost_reason);
}

TEST_CASE("the lost reason is a string of at most 191 characters",
          "[commands][validation][status]") {
    DealInput in = minimal();
    in.status = str("lost");

    in.lost_reason = num("5");
    CHECK(field_errors(error_of(create(in))) ==
          one("lost_reason", "The Lost Reason field must be a string."));

    in.lost_reason = str(repeat("ü", 192));
    CHECK(field_errors(error_of(create(in))) ==
          one("lost_reason", "The Lost Reason field must not be greater than 191 characters."));

    in.lost_reason = str(repeat("ü", 191));
    CHECK(value_of(create(in)).lost_reason == repeat("ü", 191));
}

// ---- owner ----

TEST_CASE("the owner is found by id or by name ignoring case", "[commands][validation][owner]") {
    DealInput in = minimal();
    using Case = std::pair<FieldValue, UserId>;
    const auto [value, id] =
        GENERATE(Case{num("2"), kBob}, Case{str("2"), kBob}, Case{str("ALICE ADMIN"), kAlice},
                 Case{str("josé núñez"), kJose});
    in.user_id = value;

    CHECK(value_of(create(in)).user_id == id);
}

TEST_CASE("a null owner leaves the deal unassigned", "[commands][validation][owner]") {
    DealInput in = minimal();
    in.user_id = FieldValue::null();

    CHECK_FALSE(value_of(create(in)).user_id);
}

TEST_CASE("an unknown owner is invalid", "[commands][validation][owner]") {
    DealInput in = minimal();
    in.user_id =
        GENERATE(num("99"), num("0"), str("Nobody"), num("2.5"), FieldValue::boolean(true));

    CHECK(field_errors(error_of(create(in))) == one("user_id", "The selected Owner is invalid."));
}

// ---- colour ----

TEST_CASE("the colour may be a #rgb or #rrggbb hexadecimal colour",
          "[commands][validation][color]") {
    DealInput in = minimal();
    in.swatch_color = GENERATE(str("#abc"), str("#ABCDEF"), str("#09aF3c"));

    CHECK(value_of(create(in)).swatch_color == in.swatch_color.text);
}

TEST_CASE("a colour that is not #rgb or #rrggbb is refused", "[commands][validation][color]") {
    DealInput in = minimal();
    in.swatch_color =
        GENERATE(str("abc"), str("#abcd"), str("#ggg"), str("#abcdef0"), str("red"), num("123"));

    CHECK(field_errors(error_of(create(in))) ==
          one("swatch_color", "The Color field must be a valid hexadecimal color."));
}

TEST_CASE("a null colour is no colour", "[commands][validation][color]") {
    DealInput in = minimal();
    in.swatch_color = FieldValue::null();

    CHECK_FALSE(value_of(create(in)).swatch_color);
}

// ---- several errors: order and summary ----

TEST_CASE("an empty create body names the two required fields", "[commands][validation][summary]") {
    const Error e = error_of(create(DealInput{}));

    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.message == "The Deal Name field is required. (and 1 more error)");
    CHECK(e.fields == FieldErrors{{"name", {"The Deal Name field is required."}},
                                  {"stage_id", {"The Stage field is required."}}});
}

TEST_CASE("errors keep the contract's field order and the summary counts the rest",
          "[commands][validation][summary]") {
    DealInput in;
    // Given in the reverse order on purpose: the errors still come in field order.
    in.swatch_color = str("blue");
    in.user_id = str("Nobody");
    in.lost_reason = FieldValue::null();
    in.status = str("lost");
    in.expected_close_date = str("not a date");
    in.amount = str("lots");
    in.stage_id = str("Nowhere");
    in.pipeline_id = num("99");
    in.name = num("1");

    const Error e = error_of(create(in));

    CHECK(e.message == "The Deal Name field must be a string. (and 7 more errors)");
    CHECK(e.fields ==
          FieldErrors{
              {"name", {"The Deal Name field must be a string."}},
              {"pipeline_id", {"This Pipeline value is forbidden."}},
              {"stage_id", {"The selected Stage is invalid."}},
              {"amount", {"The Amount field must be a number."}},
              {"expected_close_date", {"The Expected Close Date field must be a valid date."}},
              {"lost_reason", {"The Lost Reason field is required when Status is lost."}},
              {"user_id", {"The selected Owner is invalid."}},
              {"swatch_color", {"The Color field must be a valid hexadecimal color."}},
          });
}

TEST_CASE("an invalid status comes before the lost reason", "[commands][validation][summary]") {
    DealInput in = minimal();
    in.status = str("gone");
    in.lost_reason = num("3");

    const Error e = error_of(create(in));

    CHECK(e.message == "The selected Status is invalid. (and 1 more error)");
    CHECK(e.fields == FieldErrors{{"status", {"The selected Status is invalid."}},
                                  {"lost_reason", {"The Lost Reason field must be a string."}}});
}

TEST_CASE("the summary of one error is the message alone, of N errors says N-1 more",
          "[commands][validation][summary]") {
    using deals::commands::validation;
    CHECK(validation({{"a", {"First."}}}).message == "First.");
    CHECK(validation({{"a", {"First.", "Second."}}}).message == "First. (and 1 more error)");
    CHECK(validation({{"a", {"First."}}, {"b", {"Second.", "Third."}}}).message ==
          "First. (and 2 more errors)");
    CHECK(validation({{"a", {"First."}}, {"b", {"Second."}}}).code == ErrorCode::kValidation);
}

TEST_CASE("field errors collect messages per field in first-seen order", "[commands][validation]") {
    deals::commands::FieldErrorsBuilder b;
    CHECK(b.empty());
    b.add("name", "one");
    b.add("stage_id", "two");
    b.add("name", "three");

    CHECK_FALSE(b.empty());
    CHECK(b.has("name"));
    CHECK_FALSE(b.has("amount"));
    const Error e = b.error();
    CHECK(e.fields == FieldErrors{{"name", {"one", "three"}}, {"stage_id", {"two"}}});
    CHECK(e.message == "one (and 2 more errors)");
}

// ---- update ----

TEST_CASE("an empty update body changes nothing", "[commands][validation][update]") {
    const UpdateDeal u = value_of(update(DealInput{}, open_deal_state()));

    CHECK_FALSE(u.name);
    CHECK_FALSE(u.stage);
    CHECK_FALSE(u.amount);
    CHECK_FALSE(u.expected_close_date);
    CHECK_FALSE(u.status);
    CHECK_FALSE(u.lost_reason);
    CHECK_FALSE(u.user_id);
    CHECK_FALSE(u.swatch_color);
}

TEST_CASE("an update resolves every given field, null clearing the nullable ones",
          "[commands][validation][update]") {
    DealInput in;
    in.name = str("Renamed");
    in.stage_id = str("Proposal Made");
    in.amount = FieldValue::null();
    in.expected_close_date = str("2026-05-01");
    in.status = str("won");
    in.user_id = FieldValue::null();
    in.swatch_color = FieldValue::null();

    const UpdateDeal u = value_of(update(in, open_deal_state()));

    CHECK(u.name == "Renamed");
    REQUIRE(u.stage);
    CHECK(u.stage->stage_id == StageId{4});
    CHECK(u.stage->pipeline_id == PipelineId{1});
    REQUIRE(u.amount);
    CHECK_FALSE(*u.amount);
    CHECK(u.expected_close_date == std::optional<std::optional<Date>>{Date::parse("2026-05-01")});
    CHECK(u.status == DealStatus::kWon);
    REQUIRE(u.user_id);
    CHECK_FALSE(*u.user_id);
    REQUIRE(u.swatch_color);
    CHECK_FALSE(*u.swatch_color);
}

TEST_CASE("a name sent empty on update must have a value", "[commands][validation][update]") {
    DealInput in;
    in.name = GENERATE(FieldValue::null(), FieldValue::string(""), FieldValue::string("  "));

    CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
          one("name", "The Deal Name field must have a value."));
}

TEST_CASE("a name on update follows the create rules for type and length",
          "[commands][validation][update]") {
    DealInput in;
    in.name = num("5");
    CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
          one("name", "The Deal Name field must be a string."));

    in.name = str(repeat("x", 192));
    CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
          one("name", "The Deal Name field must not be greater than 191 characters."));
}

TEST_CASE("a stage sent empty on update must have a value", "[commands][validation][update]") {
    DealInput in;
    in.stage_id = GENERATE(FieldValue::null(), FieldValue::string(""));

    CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
          one("stage_id", "The Stage field must have a value."));
}

TEST_CASE("an unknown stage on update is invalid", "[commands][validation][update]") {
    DealInput in;
    in.stage_id = GENERATE(num("99"), str("Nowhere"));

    CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
          one("stage_id", "The selected Stage is invalid."));
}

TEST_CASE("the Stage field is required when Pipeline is present",
          "[commands][validation][update]") {
    DealInput in;
    in.pipeline_id = GENERATE(num("1"), str("Sales Pipeline"));

    const Error e = error_of(update(in, open_deal_state()));

    CHECK(field_errors(e) ==
          one("stage_id", "The Stage field is required when Pipeline is present."));
    CHECK(e.message == "The Stage field is required when Pipeline is present.");
}

TEST_CASE("a pipeline sent with a null stage gives one stage error",
          "[commands][validation][update]") {
    DealInput in;
    in.pipeline_id = num("1");
    in.stage_id = FieldValue::null();

    CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
          one("stage_id", "The Stage field must have a value."));
}

TEST_CASE("an unknown pipeline on update is forbidden, before the stage's own error",
          "[commands][validation][update]") {
    DealInput in;
    in.pipeline_id = num("99");

    SECTION("with a stage") {
        in.stage_id = num("2");
        CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
              one("pipeline_id", "This Pipeline value is forbidden."));
    }
    SECTION("without a stage") {
        const Error e = error_of(update(in, open_deal_state()));
        CHECK(e.fields ==
              FieldErrors{{"pipeline_id", {"This Pipeline value is forbidden."}},
                          {"stage_id", {"The Stage field is required when Pipeline is present."}}});
        CHECK(e.message == "This Pipeline value is forbidden. (and 1 more error)");
    }
}

TEST_CASE("a null pipeline on update needs no stage", "[commands][validation][update]") {
    DealInput in;
    in.pipeline_id = FieldValue::null();

    CHECK_FALSE(value_of(update(in, open_deal_state())).stage);
}

TEST_CASE("a pipeline and stage on update move the deal to the stage's pipeline",
          "[commands][validation][update]") {
    World w = World::seeded();
    w.given({PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false},
             StageCreated{StageId{6}, PipelineId{2}, "Intro", 50, 1}},
            at(-50));
    DealInput in;
    in.pipeline_id = num("1");  // ignored: the stage decides
    in.stage_id = str("intro");

    const UpdateDeal u =
        value_of(validate_update(in, open_deal_state(), w.views, ValidationSettings{}));

    REQUIRE(u.stage);
    CHECK(u.stage->stage_id == StageId{6});
    CHECK(u.stage->pipeline_id == PipelineId{2});
}

TEST_CASE("the amount is ignored on update while the deal has product lines",
          "[commands][validation][update]") {
    Deal with_products = open_deal_state();
    with_products.products_count = 2;
    DealInput in;
    in.amount = GENERATE(num("10"), str("not a number"), FieldValue::null());

    const UpdateDeal u = value_of(update(in, with_products));

    CHECK_FALSE(u.amount);
}

TEST_CASE("the amount on update of a deal without product lines is validated",
          "[commands][validation][update]") {
    DealInput in;
    in.amount = str("not a number");
    CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
          one("amount", "The Amount field must be a number."));

    in.amount = num("99.9999");
    const UpdateDeal u = value_of(update(in, open_deal_state()));
    CHECK(u.amount == std::optional<std::optional<Money>>{Money::from_thousandths(100'000)});
}

TEST_CASE("the lost reason is required on update when the deal becomes lost",
          "[commands][validation][update]") {
    DealInput in;
    in.status = str("lost");

    CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
          one("lost_reason", "The Lost Reason field is required when Status is lost."));

    in.lost_reason = str("No budget");
    const UpdateDeal u = value_of(update(in, open_deal_state()));
    CHECK(u.status == DealStatus::kLost);
    CHECK(u.lost_reason == std::optional<std::optional<std::string>>{"No budget"});
}

TEST_CASE("a deal that stays lost needs no new lost reason", "[commands][validation][update]") {
    DealInput in;
    in.status = str("lost");

    const UpdateDeal u = value_of(update(in, lost_deal_state()));

    CHECK(u.status == DealStatus::kLost);
    CHECK_FALSE(u.lost_reason);
}

TEST_CASE("the lost reason is not required on update when the setting is off",
          "[commands][validation][update]") {
    DealInput in;
    in.status = str("lost");

    CHECK(update(in, open_deal_state(), ValidationSettings{.lost_reason_required = false})
              .has_value());
}

TEST_CASE("an invalid status on update is refused", "[commands][validation][update]") {
    DealInput in;
    in.status = GENERATE(str("Open"), FieldValue::null(), num("0"));

    CHECK(field_errors(error_of(update(in, open_deal_state()))) ==
          one("status", "The selected Status is invalid."));
}

TEST_CASE("update errors keep field order too", "[commands][validation][update]") {
    DealInput in;
    in.swatch_color = str("#12");
    in.user_id = num("404");
    in.expected_close_date = str("2025-02-30");
    in.stage_id = FieldValue::null();
    in.name = FieldValue::null();

    const Error e = error_of(update(in, open_deal_state()));

    CHECK(e.message == "The Deal Name field must have a value. (and 4 more errors)");
    CHECK(e.fields ==
          FieldErrors{
              {"name", {"The Deal Name field must have a value."}},
              {"stage_id", {"The Stage field must have a value."}},
              {"expected_close_date", {"The Expected Close Date field must be a valid date."}},
              {"user_id", {"The selected Owner is invalid."}},
              {"swatch_color", {"The Color field must be a valid hexadecimal color."}},
          });
}

// ---- the status route ----

TEST_CASE("the status route accepts open, won and lost", "[commands][validation][status_route]") {
    using Case = std::pair<std::string, DealStatus>;
    const auto [text, status] =
        GENERATE(Case{"open", DealStatus::kOpen}, Case{"won", DealStatus::kWon});
    const auto c = value_of(validate_status_change(text, FieldValue::absent(), {}));
    CHECK(c.status == status);
    CHECK_FALSE(c.lost_reason);

    const auto lost = value_of(validate_status_change("lost", str(" No budget "), {}));
    CHECK(lost.status == DealStatus::kLost);
    CHECK(lost.lost_reason == "No budget");
}

TEST_CASE("an unknown status on the status route is invalid",
          "[commands][validation][status_route]") {
    const std::string text = GENERATE("closed", "Won", "");

    const Error e = error_of(validate_status_change(text, FieldValue::absent(), {}));

    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.message == "The selected status is invalid.");
    CHECK(e.fields == one("status", "The selected status is invalid."));
}

TEST_CASE("the status route requires a lost reason only for lost",
          "[commands][validation][status_route]") {
    const FieldValue reason = GENERATE(FieldValue::absent(), FieldValue::null(), str("  "));

    const Error e = error_of(validate_status_change("lost", reason, {}));
    CHECK(e.fields == one("lost_reason", "The lost reason field is required."));
    CHECK(e.message == "The lost reason field is required.");

    CHECK(validate_status_change("won", reason, {}).has_value());
    CHECK(validate_status_change("open", reason, {}).has_value());
    CHECK(validate_status_change("lost", reason, {.lost_reason_required = false}).has_value());
}

TEST_CASE("the status route's lost reason is a string of at most 191 characters",
          "[commands][validation][status_route]") {
    CHECK(error_of(validate_status_change("lost", num("1"), {})).fields ==
          one("lost_reason", "The lost reason field must be a string."));
    CHECK(error_of(validate_status_change("lost", str(repeat("ß", 192)), {})).fields ==
          one("lost_reason", "The lost reason field must not be greater than 191 characters."));
    CHECK(value_of(validate_status_change("lost", str(repeat("ß", 191)), {})).lost_reason ==
          repeat("ß", 191));
}

TEST_CASE("the status route reports the status before the lost reason",
          "[commands][validation][status_route]") {
    const Error e = error_of(validate_status_change("gone", num("1"), {}));

    CHECK(e.message == "The selected status is invalid. (and 1 more error)");
    CHECK(e.fields == FieldErrors{{"status", {"The selected status is invalid."}},
                                  {"lost_reason", {"The lost reason field must be a string."}}});
}

// ---- input values ----

TEST_CASE("string inputs are trimmed and an empty string counts as null", "[commands][input]") {
    CHECK(FieldValue::string("  a b \t\n").text == "a b");
    CHECK(FieldValue::string("  a b \t\n").is_string());
    CHECK(FieldValue::string(" \t\r\n ").is_null());
    CHECK(FieldValue::string("").is_null());
    CHECK(FieldValue::string("").present());
    CHECK(FieldValue::string("").missing());
    CHECK_FALSE(FieldValue::absent().present());
    CHECK(FieldValue::absent().missing());
    CHECK(FieldValue::boolean(true).text == "true");
}
