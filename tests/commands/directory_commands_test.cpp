#include "commands/directory_commands.hpp"

#include <catch2/catch.hpp>

#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::CreateUser;
using deals::commands::decide;
using deals::commands::FieldErrors;
using deals::commands::IssueToken;

namespace {

CreateUser new_user(std::string name = "Dana Buyer", std::string email = "dana@example.com") {
    return CreateUser{.id = UserId{4}, .name = std::move(name), .email = std::move(email)};
}

}  // namespace

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
