// Users and personal access tokens through the API (contract §11): POST /api/users, the
// caller's tokens, revocation on the next request, API access, and a restart that rebuilds it all.

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <thread>

#include "commands/directory_commands.hpp"
#include "http/wiring.hpp"
#include "store/codec.hpp"
#include "support/tokens.hpp"
#include "tests/http/http_test_helpers.hpp"
#include "tests/support/restart.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::http_tests;
using deals::events::DealsScope;

namespace {

constexpr const char* kUnauthenticated = R"({"message":"Unauthenticated."})";
constexpr const char* kForbidden = R"({"message":"This action is unauthorized."})";
constexpr const char* kNoApiAccess =
    R"({"error":"Your account is not authorized to perform API requests."})";
constexpr const char* kTokens = "/api/personal-access-tokens";

std::string token_url(std::int64_t id) { return std::string(kTokens) + "/" + std::to_string(id); }

std::string token_not_found(const std::string& id) {
    return R"({"message":"No query results for model [PersonalAccessToken] )" + id + R"("})";
}

/// POSTs a user body as `client` and requires `status`; returns the response.
HttpResult post_user(HttpClient& client, const std::string& body, int status) {
    auto res = client.post("/api/users", body);
    INFO("POST /api/users " << body << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == status);
    return res;
}

/// Creates a token named `name` as `client`; returns the parsed `{accessToken, plainTextToken}`.
json::Document create_token(HttpClient& client, const std::string& name) {
    const auto res = client.post(kTokens, R"({"name":")" + name + R"("})");
    INFO("POST " << kTokens << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == 201);
    return parse(res.body);
}

std::int64_t user_count(HttpClient& admin) {
    return get_ok(admin, "/api/users")["meta"]["total"].GetInt64();
}

}  // namespace

TEST_CASE("a super-admin creates a user with the defaults of contract 11", "[http][users]") {
    TestServer server;
    auto admin = server.client();
    const auto res = post_user(admin, R"({"name":"  Nora New ","email":"nora@example.com"})", 201);
    const auto user = parse(res.body);
    CHECK(keys_of(user) == std::vector<std::string>{"id", "name", "email", "super_admin",
                                                    "access_api", "deals_scope", "display_name",
                                                    "created_at", "updated_at"});
    CHECK(user["id"].GetInt64() == 2);
    CHECK(text(user["name"]) == "Nora New");
    CHECK(text(user["email"]) == "nora@example.com");
    CHECK(user["super_admin"].IsFalse());
    CHECK(user["access_api"].IsTrue());
    CHECK(text(user["deals_scope"]) == "own");
    CHECK(text(user["display_name"]) == "2");
    CHECK(text(user["created_at"]) == kStartTime);
    CHECK(text(user["updated_at"]) == kStartTime);

    const auto shown = admin.get("/api/users/2");
    CHECK(shown.status == 200);
    CHECK(shown.body == res.body);
    const auto list = get_ok(admin, "/api/users");
    CHECK(names_of(list["data"]) == std::vector<std::string>{"Admin", "Nora New"});
}

TEST_CASE("a created user keeps the flags it was given", "[http][users]") {
    TestServer server;
    auto admin = server.client();
    // Creates a user from `body` and checks it is a super-admin without API access, in `scope`.
    const auto check_created = [&](const std::string& body, const std::string& scope) {
        const auto user = parse(post_user(admin, body, 201).body);
        CHECK(user["super_admin"].IsTrue());
        CHECK(user["access_api"].IsFalse());
        CHECK(text(user["deals_scope"]) == scope);
    };
    check_created(R"({"name":"Ann","email":"ann@example.com","super_admin":true,)"
                  R"("access_api":false,"deals_scope":"all"})",
                  "all");
    // Laravel's boolean rule also takes 1, 0, "1" and "0".
    check_created(R"({"name":"Ben","email":"ben@example.com","super_admin":"1",)"
                  R"("access_api":0,"deals_scope":"own"})",
                  "own");
}

TEST_CASE("creating a user validates each field with Laravel's messages", "[http][users]") {
    TestServer server;
    auto admin = server.client();
    const std::string long_name(192, 'n');
    struct Case {
        std::string body;
        std::string field;
        std::string message;
    };
    const std::vector<Case> cases = {
        {R"({"email":"x@example.com"})", "name", "The Name field is required."},
        {R"({"name":"   ","email":"x@example.com"})", "name", "The Name field is required."},
        {R"({"name":5,"email":"x@example.com"})", "name", "The Name field must be a string."},
        {R"({"name":")" + long_name + R"(","email":"x@example.com"})", "name",
         "The Name field must not be greater than 191 characters."},
        {R"({"name":"X"})", "email", "The E-Mail Address field is required."},
        {R"({"name":"X","email":null})", "email", "The E-Mail Address field is required."},
        {R"({"name":"X","email":"not-an-email"})", "email",
         "The E-Mail Address field must be a valid email address."},
        {R"({"name":"X","email":"x@"})", "email",
         "The E-Mail Address field must be a valid email address."},
        {R"({"name":"X","email":"a b@example.com"})", "email",
         "The E-Mail Address field must be a valid email address."},
        {R"({"name":"X","email":"a@b@example.com"})", "email",
         "The E-Mail Address field must be a valid email address."},
        {R"({"name":"X","email":"a..b@example.com"})", "email",
         "The E-Mail Address field must be a valid email address."},
        {R"({"name":"X","email":["x@example.com"]})", "email",
         "The E-Mail Address field must be a string."},
        {R"({"name":"X","email":"ADMIN@Example.com"})", "email",
         "The E-Mail Address has already been taken."},
        {R"({"name":"X","email":"x@example.com","super_admin":"yes"})", "super_admin",
         "The Super Admin field must be true or false."},
        {R"({"name":"X","email":"x@example.com","access_api":2})", "access_api",
         "The API Access field must be true or false."},
        {R"({"name":"X","email":"x@example.com","deals_scope":"some"})", "deals_scope",
         "The selected Deals Scope is invalid."},
        {R"({"name":"X","email":"x@example.com","deals_scope":1})", "deals_scope",
         "The selected Deals Scope is invalid."},
    };
    for (const auto& c : cases) {
        INFO(c.body);
        const auto res = admin.post("/api/users", c.body);
        CHECK(res.status == 422);
        CHECK(res.body == R"({"message":")" + c.message + R"(","errors":{")" + c.field + R"(":[")" +
                              c.message + R"("]}})");
    }
    // Every error at once, in field order, with the summary of the first.
    const auto all = admin.post(
        "/api/users", R"({"super_admin":"x","access_api":"x","deals_scope":"x","email":"x"})");
    CHECK(all.status == 422);
    const auto doc = parse(all.body);
    CHECK(text(doc["message"]) == "The Name field is required. (and 4 more errors)");
    CHECK(keys_of(doc["errors"]) ==
          std::vector<std::string>{"name", "email", "super_admin", "access_api", "deals_scope"});
    CHECK(admin.post("/api/users", "[1]").status == 400);
    CHECK(user_count(admin) == 1);  // nothing was written
}

TEST_CASE("an email already taken in any case answers 422", "[http][users]") {
    TestServer server;
    auto admin = server.client();
    post_user(admin, R"({"name":"Nora","email":"nora@example.com"})", 201);
    const auto res = admin.post("/api/users", R"({"name":"Nora 2","email":"NORA@Example.COM"})");
    CHECK(res.status == 422);
    CHECK(
        res.body ==
        R"({"message":"The E-Mail Address has already been taken.","errors":{"email":["The E-Mail Address has already been taken."]}})");
    CHECK(user_count(admin) == 2);
}

TEST_CASE("concurrent creates of one email make one user", "[http][users]") {
    TestServer server;
    constexpr int kThreads = 6;
    const auto statuses = concurrent_posts(server, kThreads, "/api/users",
                                           R"({"name":"Twin","email":"twin@example.com"})");
    CHECK(std::count(statuses.begin(), statuses.end(), 201) == 1);
    CHECK(std::count(statuses.begin(), statuses.end(), 422) == kThreads - 1);
    auto admin = server.client();
    CHECK(user_count(admin) == 2);
}

TEST_CASE("only a super-admin may create users", "[http][users]") {
    TestServer server;
    for (const auto scope : {DealsScope::kAll, DealsScope::kOwn}) {
        const std::string email = scope == DealsScope::kAll ? "all@example.com" : "own@example.com";
        auto user =
            server.client(add_user_with_token(server.store(), "Plain", email, false, scope));
        for (const std::string body :
             {R"({"name":"Sneaky","email":"sneaky@example.com","super_admin":true})", "{}"}) {
            INFO(email << " " << body);
            const auto res = user.post("/api/users", body);
            CHECK(res.status == 403);
            CHECK(res.body == kForbidden);
        }
        CHECK(user.get("/api/users").status == 200);  // reading is allowed
    }
    auto admin = server.client();
    CHECK(user_count(admin) == 3);
    CHECK(server.client("").post("/api/users", "{}").status == 401);
}

TEST_CASE("a new token is shown once and works for the next request", "[http][tokens]") {
    TestServer server;
    auto admin = server.client();
    const auto res = admin.post(kTokens, R"({"name":"CI pipeline"})");
    REQUIRE(res.status == 201);
    const auto created = parse(res.body);
    CHECK(keys_of(created) == std::vector<std::string>{"accessToken", "plainTextToken"});
    const auto& access = created["accessToken"];
    CHECK(keys_of(access) == std::vector<std::string>{"id", "tokenable_id", "name", "abilities",
                                                      "expires_at", "created_at", "updated_at"});
    const std::int64_t id = access["id"].GetInt64();
    CHECK(id == 2);  // the admin's test token is 1
    CHECK(access["tokenable_id"].GetInt64() == 1);
    CHECK(text(access["name"]) == "CI pipeline");
    CHECK(access["abilities"].Size() == 1);
    CHECK(text(access["abilities"][0]) == "*");
    CHECK(access["expires_at"].IsNull());
    CHECK(text(access["created_at"]) == kStartTime);
    const std::string plain = text(created["plainTextToken"]);
    CHECK(std::regex_match(plain, std::regex(std::to_string(id) + R"(\|[A-Za-z0-9]{40})")));

    auto with_new = server.client(plain);
    CHECK(with_new.get("/api/deals").status == 200);
    CHECK(
        with_new.post("/api/deals", R"({"name":"Made with the new token","stage_id":1})").status ==
        201);
    auto secret_only = server.client(plain.substr(plain.find('|') + 1));
    CHECK(secret_only.get("/api/deals").status == 200);

    // The list shows both of the caller's tokens, never a secret or its hash.
    const auto listed = with_new.get(kTokens);
    REQUIRE(listed.status == 200);
    const auto list = parse(listed.body);
    REQUIRE(list.IsArray());
    CHECK(ids_of(list) == std::vector<std::int64_t>{1, id});
    CHECK(names_of(list) == std::vector<std::string>{"test", "CI pipeline"});
    CHECK(keys_of(list[1]) == std::vector<std::string>{"id", "tokenable_id", "name", "abilities",
                                                       "last_used_at", "expires_at", "created_at",
                                                       "updated_at"});
    CHECK(list[1]["last_used_at"].IsNull());
    CHECK(listed.body.find(plain.substr(plain.find('|') + 1)) == std::string::npos);
    CHECK(listed.body.find("secret") == std::string::npos);
    CHECK(listed.body.find("token\"") == std::string::npos);
}

TEST_CASE("a token name is required, a string, at most 191 characters", "[http][tokens]") {
    TestServer server;
    auto admin = server.client();
    const std::string required =
        R"({"message":"The Name field is required.","errors":{"name":["The Name field is required."]}})";
    for (const std::string body : {"{}", R"({"name":null})", R"({"name":"  "})", ""}) {
        INFO(body);
        const auto res = admin.post(kTokens, body);
        CHECK(res.status == 422);
        CHECK(res.body == required);
    }
    CHECK(
        admin.post(kTokens, R"({"name":12})").body ==
        R"({"message":"The Name field must be a string.","errors":{"name":["The Name field must be a string."]}})");
    CHECK(admin.post(kTokens, R"({"name":")" + std::string(192, 't') + R"("})").status == 422);
    CHECK(admin.post(kTokens, R"({"name":")" + std::string(191, 't') + R"("})").status == 201);
    CHECK(admin.post(kTokens, "{not json").status == 400);
    CHECK(parse(admin.get(kTokens).body).Size() == 2);
}

TEST_CASE("a revoked token answers 401 on the very next request", "[http][tokens]") {
    TestServer server;
    auto admin = server.client();
    const auto created = create_token(admin, "short-lived");
    const std::int64_t id = created["accessToken"]["id"].GetInt64();
    auto doomed = server.client(text(created["plainTextToken"]));
    REQUIRE(doomed.get("/api/deals").status == 200);

    // Revoked with itself: the request that revokes it still succeeds, the next one does not.
    const auto del = doomed.del(token_url(id));
    CHECK(del.status == 204);
    CHECK(del.body.empty());
    for (const auto& target : {"/api/deals", "/api/users", kTokens}) {
        INFO(target);
        const auto res = doomed.get(target);
        CHECK(res.status == 401);
        CHECK(res.body == kUnauthenticated);
    }
    auto secret_only = server.client(text(created["plainTextToken"]).substr(2));
    CHECK(secret_only.get("/api/deals").status == 401);

    // Gone from the list; a second revocation finds nothing.
    CHECK(ids_of(parse(admin.get(kTokens).body)) == std::vector<std::int64_t>{1});
    const auto again = admin.del(token_url(id));
    CHECK(again.status == 404);
    CHECK(again.body == token_not_found(std::to_string(id)));

    // Revoked with another token of the same user.
    const auto second = create_token(admin, "second");
    auto other = server.client(text(second["plainTextToken"]));
    REQUIRE(other.get("/api/deals").status == 200);
    CHECK(admin.del(token_url(second["accessToken"]["id"].GetInt64())).status == 204);
    CHECK(other.get("/api/deals").status == 401);
    CHECK(admin.get("/api/deals").status == 200);
}

TEST_CASE("someone else's token id answers 404 and the token keeps working", "[http][tokens]") {
    TestServer server;
    auto admin = server.client();
    const auto bob_token =
        add_user_with_token(server.store(), "Bob", "bob@example.com", false, DealsScope::kAll);
    const std::string bob_id = bob_token.substr(0, bob_token.find('|'));
    auto bob = server.client(bob_token);

    const auto res = admin.del(std::string(kTokens) + "/" + bob_id);
    CHECK(res.status == 404);
    CHECK(res.body == token_not_found(bob_id));
    CHECK(bob.get("/api/deals").status == 200);
    // Bob cannot revoke the admin's token either, and sees only his own tokens.
    CHECK(bob.del(token_url(1)).status == 404);
    CHECK(admin.get("/api/deals").status == 200);
    CHECK(ids_of(parse(bob.get(kTokens).body)) == std::vector<std::int64_t>{std::stoll(bob_id)});
    CHECK(ids_of(parse(admin.get(kTokens).body)) == std::vector<std::int64_t>{1});
    // Ids that name no token at all.
    for (const std::string id : {"999", "0", "abc"}) {
        const auto missing = admin.del(std::string(kTokens) + "/" + id);
        CHECK(missing.status == 404);
        CHECK(missing.body == token_not_found(id));
    }
}

TEST_CASE("a user without API access gets 403 with the exact body on every route",
          "[http][users][auth]") {
    TestServer server;
    auto admin = server.client();
    const auto deal = create_named(admin, "Existing");
    // A user made through the API with access_api false, given a token the way dealsctl does.
    const auto user = parse(post_user(admin,
                                      R"({"name":"Quiet","email":"quiet@example.com",)"
                                      R"("access_api":false,"deals_scope":"all"})",
                                      201)
                                .body);
    auto quiet = server.client(issue_token(server.store(), events::UserId{user["id"].GetInt64()}));
    const std::string d = "/api/deals/" + std::to_string(deal);
    const std::vector<std::pair<std::string, std::string>> routes = {
        {"GET", "/api/deals"},
        {"POST", "/api/deals"},
        {"GET", d},
        {"PUT", d},
        {"DELETE", d},
        {"PUT", d + "/status/won"},
        {"GET", d + "/billable"},
        {"GET", "/api/deals/search?q=x"},
        {"GET", "/api/trashed/deals"},
        {"GET", "/api/pipelines"},
        {"GET", "/api/products"},
        {"GET", "/api/users"},
        {"GET", "/api/users/1"},
        {"POST", "/api/users"},
        {"GET", kTokens},
        {"POST", kTokens},
        {"DELETE", token_url(1)},
    };
    for (const auto& [method, target] : routes) {
        INFO(method << " " << target);
        const auto res = quiet.request(method, target, method == "GET" ? "" : R"({"name":"x"})");
        CHECK(res.status == 403);
        CHECK(res.body == kNoApiAccess);
    }
    // Nothing was changed by those requests.
    CHECK(text(get_ok(admin, d)["name"]) == "Existing");
    CHECK(get_ok(admin, "/api/deals")["meta"]["total"].GetInt64() == 1);
    CHECK(user_count(admin) == 2);
    CHECK(admin.get("/api/deals").status == 200);  // the admin's own token still works

    // A super-admin may do everything, API access or not.
    auto boss = server.client(add_user_with_token(server.store(), "Boss", "boss@example.com", true,
                                                  DealsScope::kAll, false));
    CHECK(boss.get("/api/deals").status == 200);
    CHECK(boss.post(kTokens, R"({"name":"boss"})").status == 201);
}

namespace {

/// The stored form of every user and every token (revoked ones too) of `views`.
std::vector<std::string> directory_of(const projections::Views& views) {
    std::vector<std::string> out;
    for (const auto* u : views.users()) {
        out.push_back(store::encode_view(*u));
    }
    for (std::int64_t id = 1; id <= views.watermarks().token; ++id) {
        if (const auto* t = views.token(events::TokenId{id})) {
            out.push_back(store::encode_view(*t));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("a restart rebuilds users and tokens exactly", "[http][users][tokens]") {
    TempDir dir;
    ManualClock clock;
    std::string admin_token;
    std::string kept;
    std::string revoked;
    std::string bob_token;
    std::vector<std::string> bodies;
    std::vector<std::string> views_before;
    // What the API shows of users and tokens; the list's links name the server's port, which
    // changes with the restart, so only its data is kept.
    auto read_all = [](HttpClient& admin, HttpClient& bob) {
        json::Buffer data;
        json::Writer w(data);
        parse(admin.get("/api/users").body)["data"].Accept(w);
        return std::vector<std::string>{
            std::string(data.GetString(), data.GetSize()), admin.get("/api/users/2").body,
            admin.get("/api/users/3").body, admin.get(kTokens).body, bob.get(kTokens).body};
    };
    {
        ServerOnDir server(dir.path(), clock);
        admin_token = add_user_with_token(server.store(), "Admin", "admin@example.com", true,
                                          DealsScope::kAll);
        auto admin = server.client(admin_token);
        clock.advance_seconds(60);
        post_user(admin, R"({"name":"Nora","email":"nora@example.com","deals_scope":"all"})", 201);
        clock.advance_seconds(60);
        post_user(admin, R"({"name":"Quinn","email":"quinn@example.com","access_api":false})", 201);
        bob_token = add_user_with_token(server.store(), "Bob", "bob@example.com", false);
        clock.advance_seconds(60);
        kept = text(create_token(admin, "kept")["plainTextToken"]);
        const auto gone = create_token(admin, "revoked");
        revoked = text(gone["plainTextToken"]);
        REQUIRE(admin.del(token_url(gone["accessToken"]["id"].GetInt64())).status == 204);
        auto bob = server.client(bob_token);
        bodies = read_all(admin, bob);
        views_before = server.store().read(directory_of);
        // The log alone rebuilds the same users and tokens.
        CHECK(directory_of(replay(server.store())) == views_before);
    }
    clock.advance_seconds(3600);
    ServerOnDir server(dir.path(), clock);
    CHECK(server.store().read(directory_of) == views_before);
    auto admin = server.client(admin_token);
    auto bob = server.client(bob_token);
    CHECK(read_all(admin, bob) == bodies);
    CHECK(server.client(kept).get("/api/deals").status == 200);
    const auto res = server.client(revoked).get("/api/deals");
    CHECK(res.status == 401);
    CHECK(res.body == kUnauthenticated);
    CHECK(server.client(bob_token).get("/api/deals").status == 200);
    // Ids keep counting where they stopped: the next user is 5, the next token 5.
    CHECK(parse(post_user(admin, R"({"name":"Later","email":"later@example.com"})", 201).body)["id"]
              .GetInt64() == 5);
    CHECK(create_token(admin, "later")["accessToken"]["id"].GetInt64() == 5);
    CHECK(admin.post("/api/users", R"({"name":"Again","email":"NORA@example.com"})").status == 422);
}
