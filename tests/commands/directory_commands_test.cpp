#include "commands/directory_commands.hpp"

#include <catch2/catch.hpp>

#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::CreateUser;
using deals::commands::decide;
using deals::commands::default_pipeline;
using deals::commands::FieldErrors;
using deals::commands::IssueToken;

namespace {

CreateUser new_user(std::string name = "Dana Buyer", std::string email = "dana@example.com") {
    return CreateUser{.id = UserId{4}, .name = std::move(name), .email = std::move(email)};
}

}  // namespace

// ---- the default pipeline ----

TEST_CASE("the default pipeline is Sales Pipeline with Concord's five stages in order",
          "[commands][directory]") {
    const Events events = default_pipeline(PipelineId{1}, StageId{1});

    const Events expected{
        PipelineCreated{PipelineId{1}, "Sales Pipeline", "default", true},
        StageCreated{StageId{1}, PipelineId{1}, "Qualified To Buy", 100, 1},
        StageCreated{StageId{2}, PipelineId{1}, "Contact Made", 100, 2},
        StageCreated{StageId{3}, PipelineId{1}, "Presentation Scheduled", 100, 3},
        StageCreated{StageId{4}, PipelineId{1}, "Proposal Made", 100, 4},
        StageCreated{StageId{5}, PipelineId{1}, "Appointment Scheduled", 100, 5},
    };
    CHECK(events == expected);
}

TEST_CASE("the default pipeline takes its ids as inputs and lives on one stream",
          "[commands][directory]") {
    const Events events = default_pipeline(PipelineId{7}, StageId{20});

    REQUIRE(events.size() == 6);
    CHECK(std::get<PipelineCreated>(events[0]).pipeline_id == PipelineId{7});
    for (std::size_t i = 1; i < events.size(); ++i) {
        const auto& stage = std::get<StageCreated>(events[i]);
        CHECK(stage.stage_id == StageId{19 + static_cast<std::int64_t>(i)});
        CHECK(stage.pipeline_id == PipelineId{7});
        CHECK(stream_of(events[i]) == "pipeline-7");
    }
    CHECK(stream_of(events[0]) == "pipeline-7");
}

// ---- users ----

TEST_CASE("creating a user records UserCreated with least-privilege defaults",
          "[commands][directory]") {
    const World w = World::seeded();

    const Events events = value_of(decide(w.views, new_user()));

    CHECK(events == Events{UserCreated{UserId{4}, "Dana Buyer", "dana@example.com", false, true,
                                       DealsScope::kOwn}});
}

TEST_CASE("a user's flags are recorded as given", "[commands][directory]") {
    const World w = World::seeded();
    CreateUser c = new_user();
    c.super_admin = true;
    c.access_api = false;
    c.deals_scope = DealsScope::kAll;

    const Events events = value_of(decide(w.views, c));

    CHECK(events == Events{UserCreated{UserId{4}, "Dana Buyer", "dana@example.com", true, false,
                                       DealsScope::kAll}});
}

TEST_CASE("a user needs a name and an email", "[commands][directory]") {
    const World w = World::seeded();

    const Error e = error_of(decide(w.views, new_user("", "")));

    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.message == "The Name field is required. (and 1 more error)");
    CHECK(e.fields == FieldErrors{{"name", {"The Name field is required."}},
                                  {"email", {"The E-Mail Address field is required."}}});
}

TEST_CASE("a user's name may have 191 characters but not 192", "[commands][directory]") {
    const World w = World::seeded();
    std::string name;
    for (int i = 0; i < 191; ++i) {
        name += "ñ";
    }
    CHECK(decide(w.views, new_user(name)).has_value());

    const Error e = error_of(decide(w.views, new_user(name + "ñ")));
    CHECK(e.fields ==
          FieldErrors{{"name", {"The Name field must not be greater than 191 characters."}}});
}

TEST_CASE("a user's email must look like an address", "[commands][directory]") {
    const World w = World::seeded();
    const std::string email = GENERATE("dana", "@example.com", "dana@");

    const Error e = error_of(decide(w.views, new_user("Dana", email)));

    CHECK(e.fields ==
          FieldErrors{{"email", {"The E-Mail Address field must be a valid email address."}}});
}

TEST_CASE("an email already taken, ignoring case, is refused", "[commands][directory]") {
    const World w = World::seeded();

    const Error e = error_of(decide(w.views, new_user("Another Bob", "BOB@Example.com")));

    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.message == "The E-Mail Address has already been taken.");
    CHECK(e.fields == FieldErrors{{"email", {"The E-Mail Address has already been taken."}}});
}

// ---- tokens ----

TEST_CASE("a token is issued for an existing user with only its hash", "[commands][directory]") {
    const World w = World::seeded();
    const std::string hash(64, 'a');

    const Events events = value_of(decide(w.views, IssueToken{TokenId{9}, kBob, "ci", hash}));

    CHECK(events == Events{TokenIssued{TokenId{9}, kBob, "ci", hash}});
    CHECK(stream_of(events[0]) == "token-9");
}

TEST_CASE("a token without a name is named api", "[commands][directory]") {
    const World w = World::seeded();

    const Events events = value_of(decide(w.views, IssueToken{TokenId{9}, kBob, "", "h"}));

    CHECK(events == Events{TokenIssued{TokenId{9}, kBob, "api", "h"}});
}

TEST_CASE("a token for an unknown user answers not found", "[commands][directory]") {
    const World w = World::seeded();

    const Error e = error_of(decide(w.views, IssueToken{TokenId{9}, UserId{77}, "ci", "h"}));

    CHECK(e.code == ErrorCode::kNotFound);
    CHECK(e.message == "No query results for model [User] 77");
}
