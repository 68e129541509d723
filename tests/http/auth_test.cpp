// Tokens, API access and deal visibility (contract §1.1, §11).

#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;
using deals::events::DealsScope;

namespace {

constexpr const char* kUnauthenticated = R"({"message":"Unauthenticated."})";
constexpr const char* kNoApiAccess =
    R"({"error":"Your account is not authorized to perform API requests."})";

/// Adds user 2 "Olive Own", who sees only her own deals; her token.
std::string olive_own(TestServer& server) {
    return add_user_with_token(server.store(), "Olive Own", "olive@example.com", false,
                               DealsScope::kOwn);
}

}  // namespace

TEST_CASE("a request without a token answers 401", "[http][auth]") {
    TestServer server;
    auto client = server.client("");
    for (const auto& [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/api/deals"},
                                                          {"POST", "/api/deals"},
                                                          {"GET", "/api/deals/1"},
                                                          {"GET", "/api/pipelines"},
                                                          {"GET", "/api/users"}}) {
        INFO(method << " " << target);
        const auto res = client.request(method, target, method == "POST" ? "{}" : "");
        CHECK(res.status == 401);
        CHECK(res.body == kUnauthenticated);
        CHECK(res.header("content-type") == "application/json; charset=utf-8");
    }
}

TEST_CASE("an unknown token answers 401", "[http][auth]") {
    TestServer server;
    auto client = server.client("1|not-the-secret");
    const auto res = client.get("/api/deals");
    CHECK(res.status == 401);
    CHECK(res.body == kUnauthenticated);

    auto bare = server.client("no-such-secret");
    CHECK(bare.get("/api/deals").status == 401);
}

TEST_CASE("a token whose id part names another token answers 401", "[http][auth]") {
    TestServer server;
    const std::string token = server.admin_token();
    const auto bar = token.find('|');
    REQUIRE(bar != std::string::npos);
    auto client = server.client("999" + token.substr(bar));
    const auto res = client.get("/api/deals");
    CHECK(res.status == 401);
    CHECK(res.body == kUnauthenticated);
}

TEST_CASE("a token may be sent without its id part", "[http][auth]") {
    TestServer server;
    const std::string token = server.admin_token();
    auto client = server.client(token.substr(token.find('|') + 1));
    const auto res = client.get("/api/deals");
    CHECK(res.status == 200);
    CHECK(client.post("/api/deals", R"({"name":"Secret only","stage_id":1})").status == 201);
}

TEST_CASE("an Authorization header that is not a bearer token answers 401", "[http][auth]") {
    TestServer server;
    auto client = server.client("");
    for (const std::string& header : std::vector<std::string>{"Basic YWRtaW46cGFzcw==", "Bearer",
                                                              "Bearer ", server.admin_token()}) {
        INFO("Authorization: " << header);
        const auto res = client.request("GET", "/api/deals", {}, {{"Authorization", header}});
        CHECK(res.status == 401);
        CHECK(res.body == kUnauthenticated);
    }
}

TEST_CASE("a user without API access answers 403 with the error envelope", "[http][auth]") {
    TestServer server;
    const auto token = add_user_with_token(server.store(), "No API", "noapi@example.com", false,
                                           DealsScope::kAll, false);
    auto client = server.client(token);
    const auto res = client.get("/api/deals");
    CHECK(res.status == 403);
    CHECK(res.body == kNoApiAccess);
    const auto write = client.post("/api/deals", R"({"name":"x","stage_id":1})");
    CHECK(write.status == 403);
    CHECK(write.body == kNoApiAccess);
    auto admin = server.client();
    CHECK(get_ok(admin, "/api/deals")["meta"]["total"].GetInt64() == 0);
}

TEST_CASE("healthz needs no token", "[http][auth]") {
    TestServer server;
    auto client = server.client("");
    CHECK(client.get("/healthz").status == 200);
    auto bad = server.client("garbage");
    CHECK(bad.get("/healthz").status == 200);
}

TEST_CASE("a user who sees only own deals gets 404 for the deals of others", "[http][auth]") {
    TestServer server;
    const auto token = olive_own(server);
    auto admin = server.client();
    const auto hers = create_named(admin, "Hers", R"(,"user_id":2)");
    const auto admins = create_named(admin, "Admins", R"(,"user_id":1)");
    const auto nobodys = create_named(admin, "Nobodys");

    auto olive = server.client(token);
    const auto list = get_ok(olive, "/api/deals");
    CHECK(ids_of(list["data"]) == std::vector<std::int64_t>{hers});
    CHECK(list["meta"]["total"].GetInt64() == 1);

    const auto own = get_ok(olive, deal_url(hers));
    CHECK(own["authorizations"]["viewAny"].IsTrue());
    CHECK(own["authorizations"]["view"].IsTrue());
    CHECK(own["authorizations"]["create"].IsTrue());
    CHECK(own["authorizations"]["update"].IsTrue());
    CHECK(own["authorizations"]["delete"].IsTrue());

    for (const auto id : {admins, nobodys}) {
        const std::string not_found =
            R"({"message":"No query results for model [Deal] )" + std::to_string(id) + R"("})";
        INFO("deal " << id);
        expect_body(olive, "GET", deal_url(id), "", 404, not_found);
        expect_body(olive, "PUT", deal_url(id), R"({"name":"Stolen"})", 404, not_found);
        expect_body(olive, "PUT", deal_url(id) + "/status/won", "", 404, not_found);
        expect_body(olive, "DELETE", deal_url(id), "", 404, not_found);
    }
    // Nothing of theirs changed.
    CHECK(text(get_ok(admin, deal_url(admins))["name"]) == "Admins");
    CHECK(get_ok(admin, "/api/deals")["meta"]["total"].GetInt64() == 3);
}

TEST_CASE("a user who sees only own deals does not see others in the trash", "[http][auth]") {
    TestServer server;
    const auto token = olive_own(server);
    auto admin = server.client();
    const auto hers = create_named(admin, "Hers", R"(,"user_id":2)");
    const auto admins = create_named(admin, "Admins", R"(,"user_id":1)");
    REQUIRE(admin.del(deal_url(hers)).status == 204);
    REQUIRE(admin.del(deal_url(admins)).status == 204);

    auto olive = server.client(token);
    const auto trash = get_ok(olive, "/api/trashed/deals");
    CHECK(ids_of(trash["data"]) == std::vector<std::int64_t>{hers});
    CHECK(trash["meta"]["total"].GetInt64() == 1);
    CHECK(olive.get("/api/trashed/deals/" + std::to_string(admins)).status == 404);
    CHECK(olive.post("/api/trashed/deals/" + std::to_string(admins), "").status == 404);
    CHECK(olive.del("/api/trashed/deals/" + std::to_string(admins)).status == 404);
    CHECK(admin.get("/api/trashed/deals/" + std::to_string(admins)).status == 200);
}

TEST_CASE("a user who sees all deals sees and changes every deal", "[http][auth]") {
    TestServer server;
    const auto token = add_user_with_token(server.store(), "Alex All", "alex@example.com", false,
                                           DealsScope::kAll);
    auto admin = server.client();
    const auto a = create_named(admin, "Admins", R"(,"user_id":1)");
    const auto b = create_named(admin, "Unowned");

    auto alex = server.client(token);
    const auto list = get_ok(alex, "/api/deals");
    CHECK(ids_of(list["data"]) == std::vector<std::int64_t>{a, b});
    CHECK(list["meta"]["total"].GetInt64() == 2);
    for (const auto& item : list["data"].GetArray()) {
        CHECK(item["authorizations"]["view"].IsTrue());
        CHECK(item["authorizations"]["update"].IsTrue());
        CHECK(item["authorizations"]["delete"].IsTrue());
    }
    const auto put = alex.put(deal_url(a), R"({"name":"Renamed by Alex"})");
    CHECK(put.status == 200);
    CHECK(text(get_ok(admin, deal_url(a))["name"]) == "Renamed by Alex");
}

TEST_CASE("a super-admin's authorizations are all true", "[http][auth]") {
    TestServer server;
    auto admin = server.client();
    const auto deal = create_deal(admin, R"({"name":"Admin view","stage_id":1})");
    const auto& auth = deal["authorizations"];
    CHECK(keys_of(auth) == std::vector<std::string>{"viewAny", "view", "create", "update", "delete",
                                                    "bulkDelete", "export"});
    for (auto it = auth.MemberBegin(); it != auth.MemberEnd(); ++it) {
        INFO(it->name.GetString());
        CHECK(it->value.IsTrue());
    }
}

TEST_CASE("a deal created by an own-scope user for themselves is visible to them", "[http][auth]") {
    TestServer server;
    const auto token = olive_own(server);
    auto olive = server.client(token);
    const auto deal = create_deal(olive, R"({"name":"Mine","stage_id":1,"user_id":2})");
    CHECK(deal["authorizations"]["view"].IsTrue());
    const auto id = deal["id"].GetInt64();
    CHECK(olive.get(deal_url(id)).status == 200);
    CHECK(get_ok(olive, "/api/deals")["meta"]["total"].GetInt64() == 1);
}
