// Users and tokens asked for through the API (contract §11): validating a POST /api/users body,
// a token's name, and revoking a token.

#include <catch2/catch.hpp>

#include "commands/directory_commands.hpp"
#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::decide;
using deals::commands::FieldErrors;
using deals::commands::FieldValue;
using deals::commands::RevokeToken;
using deals::commands::UserInput;
using deals::commands::validate_create_user;
using deals::commands::validate_token_name;

namespace {

UserInput body(std::string name, std::string email) {
    return {FieldValue::string(std::move(name)), FieldValue::string(std::move(email)), {}, {}, {}};
}

/// A seeded world where Bob holds token 7 and José token 8.
World with_tokens() {
    World w = World::seeded();
    w.given({TokenIssued{TokenId{7}, kBob, "bob's", std::string(64, 'b')},
             TokenIssued{TokenId{8}, kJose, "josé's", std::string(64, 'j')}},
            at(-80));
    return w;
}

}  // namespace

TEST_CASE("a user from the API gets least-privilege defaults", "[commands][users]") {
    const World w = World::seeded();

    const auto c = value_of(validate_create_user(w.views, body("Dana", "dana@example.com")));

    CHECK(c.name == "Dana");
    CHECK(c.email == "dana@example.com");
    CHECK_FALSE(c.super_admin);
    CHECK(c.access_api);
    CHECK(c.deals_scope == DealsScope::kOwn);
}

TEST_CASE("a user's flags accept Laravel's booleans and the two scopes", "[commands][users]") {
    const World w = World::seeded();
    UserInput in = body("Dana", "dana@example.com");
    in.super_admin = FieldValue::number("1");
    in.access_api = FieldValue::string("0");
    in.deals_scope = FieldValue::string("all");

    const auto c = value_of(validate_create_user(w.views, in));

    CHECK(c.super_admin);
    CHECK_FALSE(c.access_api);
    CHECK(c.deals_scope == DealsScope::kAll);

    in.super_admin = FieldValue::boolean(false);
    in.access_api = FieldValue::null();  // null keeps the default
    CHECK_FALSE(value_of(validate_create_user(w.views, in)).super_admin);
    CHECK(value_of(validate_create_user(w.views, in)).access_api);
}

TEST_CASE("every field of a user body is checked, in order", "[commands][users]") {
    const World w = World::seeded();
    UserInput in{FieldValue::number("5"), FieldValue::string("BOB@example.com"),
                 FieldValue::string("true"), FieldValue::number("2"), FieldValue::string("team")};

    const Error e = error_of(validate_create_user(w.views, in));

    CHECK(e.message == "The Name field must be a string. (and 4 more errors)");
    CHECK(e.fields == FieldErrors{{"name", {"The Name field must be a string."}},
                                  {"email", {"The E-Mail Address has already been taken."}},
                                  {"super_admin", {"The Super Admin field must be true or false."}},
                                  {"access_api", {"The API Access field must be true or false."}},
                                  {"deals_scope", {"The selected Deals Scope is invalid."}}});
}

TEST_CASE("an email must be an address", "[commands][users]") {
    const World w = World::seeded();
    const std::string email = GENERATE(
        "dana", "dana@", "@example.com", "da na@example.com", "a@b@example.com",
        ".dana@example.com", "dana.@example.com", "da..na@example.com", "dana@example..com",
        "dana@.example.com", "dana@exa_mple.com", "da(na@example.com");

    const Error e = error_of(validate_create_user(w.views, body("Dana", email)));

    CHECK(e.fields ==
          FieldErrors{{"email", {"The E-Mail Address field must be a valid email address."}}});
}

TEST_CASE("usual addresses are valid", "[commands][users]") {
    const World w = World::seeded();
    const std::string email = GENERATE("dana@example.com", "dana.buyer+crm@mail.example.co.uk",
                                       "d@localhost", "zoë@exámple.com", "o'neil@example.com");

    CHECK(validate_create_user(w.views, body("Dana", email)).has_value());
}

TEST_CASE("a token's name is required and at most 191 characters", "[commands][tokens]") {
    CHECK(value_of(validate_token_name(FieldValue::string(" CI "))) == "CI");
    CHECK(error_of(validate_token_name(FieldValue::absent())).fields ==
          FieldErrors{{"name", {"The Name field is required."}}});
    CHECK(error_of(validate_token_name(FieldValue::string("  "))).fields ==
          FieldErrors{{"name", {"The Name field is required."}}});
    CHECK(error_of(validate_token_name(FieldValue::number("1"))).fields ==
          FieldErrors{{"name", {"The Name field must be a string."}}});
    CHECK(validate_token_name(FieldValue::string(std::string(191, 'x'))).has_value());
    CHECK(error_of(validate_token_name(FieldValue::string(std::string(192, 'x')))).fields ==
          FieldErrors{{"name", {"The Name field must not be greater than 191 characters."}}});
}

TEST_CASE("a user revokes their own token", "[commands][tokens]") {
    const World w = with_tokens();

    const Events events = value_of(decide(w.views, RevokeToken{TokenId{7}, kBob}));

    CHECK(events == Events{TokenRevoked{TokenId{7}, kBob}});
    CHECK(stream_of(events[0]) == "token-7");
}

TEST_CASE("another user's token, a revoked one or none at all is not found", "[commands][tokens]") {
    World w = with_tokens();
    w.given({TokenRevoked{TokenId{7}, kBob}}, at(-70));

    for (const auto& [token, user] : std::vector<std::pair<std::int64_t, UserId>>{
             {8, kBob}, {8, kAlice}, {7, kBob}, {99, kBob}}) {
        INFO("token " << token << " for user " << user.value);
        const Error e = error_of(decide(w.views, RevokeToken{TokenId{token}, user}));
        CHECK(e.code == ErrorCode::kNotFound);
        CHECK(e.message ==
              "No query results for model [PersonalAccessToken] " + std::to_string(token));
    }
}

TEST_CASE("a user's working tokens are listed by id, revoked ones left out",
          "[projections][tokens]") {
    World w = with_tokens();
    w.given({TokenIssued{TokenId{9}, kBob, "second", std::string(64, 'c')},
             TokenRevoked{TokenId{7}, kBob}},
            at(-60));

    const auto tokens = w.views.tokens_of(kBob);

    REQUIRE(tokens.size() == 1);
    CHECK(tokens[0]->id == TokenId{9});
    CHECK(tokens[0]->created_at == at(-60));
    CHECK(w.views.tokens_of(kAlice).empty());
    CHECK(w.views.token_by_secret_hash(std::string(64, 'b')) == nullptr);
}
