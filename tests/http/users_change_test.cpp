// PUT and DELETE /api/users/{id} (contract §11): a super-admin changes a user with the create
// rules, each field optional (the n8n Concord CRM node sends only the name), and deletes one,
// whose tokens stop working at once; their own account and a user who still owns deals
// (trashed ones included) are refused with 409.

#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

/// Creates a user as the admin; returns its id.
std::int64_t new_user(HttpClient& admin, const std::string& name, const std::string& email) {
    const auto res = admin.post("/api/users", R"({"name":")" + name + R"(","email":")" + email +
                                                  R"(","deals_scope":"all"})");
    INFO(res.body);
    REQUIRE(res.status == 201);
    return parse(res.body)["id"].GetInt64();
}

}  // namespace

TEST_CASE("PUT /api/users/{id} with only a name changes the name and keeps the rest",
          "[http][users]") {
    TestServer server;
    auto admin = server.client();
    const auto id = new_user(admin, "Nora", "nora@example.com");
    const std::string url = "/api/users/" + std::to_string(id);

    const auto res = admin.put(url, R"({"name":"Nora Changed"})");
    INFO(res.body);
    REQUIRE(res.status == 200);
    const auto user = parse(res.body);
    CHECK(text(user["name"]) == "Nora Changed");
    CHECK(text(user["email"]) == "nora@example.com");
    CHECK(text(user["deals_scope"]) == "all");
    CHECK(user["access_api"].IsTrue());
    CHECK(admin.get(url).body == res.body);

    // Every field, with the create rules; its own address is not taken by itself.
    const auto all = admin.put(url, R"({"name":"N","email":"NORA@example.com","super_admin":1,)"
                                    R"("access_api":false,"deals_scope":"own"})");
    REQUIRE(all.status == 200);
    const auto changed = parse(all.body);
    CHECK(text(changed["email"]) == "NORA@example.com");
    CHECK(changed["super_admin"].IsTrue());
    CHECK(changed["access_api"].IsFalse());
    CHECK(text(changed["deals_scope"]) == "own");
}

TEST_CASE("PUT /api/users/{id} refuses what a create refuses", "[http][users]") {
    TestServer server;
    auto admin = server.client();
    const auto id = new_user(admin, "Nora", "nora@example.com");
    new_user(admin, "Olga", "olga@example.com");
    const std::string url = "/api/users/" + std::to_string(id);
    const auto head = server.store().log().head_sequence();

    const auto taken = admin.put(url, R"({"email":"OLGA@example.com"})");
    CHECK(taken.status == 422);
    CHECK(parse(taken.body)["errors"]["email"][0].GetString() ==
          std::string("The E-Mail Address has already been taken."));
    const auto bad = admin.put(url, R"({"name":"","deals_scope":"some"})");
    CHECK(bad.status == 422);
    CHECK(parse(bad.body)["errors"]["name"][0].GetString() ==
          std::string("The Name field is required."));
    CHECK(parse(bad.body)["errors"]["deals_scope"][0].GetString() ==
          std::string("The selected Deals Scope is invalid."));
    CHECK(admin.put("/api/users/99", R"({"name":"X"})").status == 404);
    CHECK(server.store().log().head_sequence() == head);  // nothing written
    auto nora = server.client(issue_token(server.store(), events::UserId{id}));
    CHECK(nora.put(url, R"({"name":"Myself"})").status == 403);  // not a super-admin
    CHECK(server.store().log().head_sequence() == head + 1);     // only the token
}

TEST_CASE("DELETE /api/users/{id} answers 204 and the user's tokens get 401 at once",
          "[http][users]") {
    TestServer server;
    auto admin = server.client();
    const auto id = new_user(admin, "Nora", "nora@example.com");
    const std::string url = "/api/users/" + std::to_string(id);
    auto nora = server.client(issue_token(server.store(), events::UserId{id}));
    REQUIRE(nora.get("/api/deals").status == 200);

    const auto del = admin.del(url);
    CHECK(del.status == 204);
    CHECK(del.body.empty());
    CHECK(nora.get("/api/deals").status == 401);
    CHECK(admin.get(url).status == 404);
    CHECK(admin.del(url).status == 404);
    CHECK(get_ok(admin, "/api/users")["meta"]["total"].GetInt64() == 1);
    // Its address is free again.
    new_user(admin, "Nora Again", "nora@example.com");
}

TEST_CASE("DELETE /api/users/{id} refuses the caller's own account and an owner of deals",
          "[http][users]") {
    TestServer server;
    auto admin = server.client();
    const auto self = admin.del("/api/users/1");
    CHECK(self.status == 409);
    CHECK(self.body == R"({"message":"You cannot delete your own account."})");

    const auto id = new_user(admin, "Nora", "nora@example.com");
    const std::string url = "/api/users/" + std::to_string(id);
    auto nora = server.client(issue_token(server.store(), events::UserId{id}));
    for (const std::string name : {"Kept", "Trashed"}) {
        const auto created =
            admin.post("/api/deals", R"({"name":")" + name + R"(","stage_id":1,"user_id":)" +
                                         std::to_string(id) + "}");
        REQUIRE(created.status == 201);
        if (name == "Trashed") {
            REQUIRE(admin.del("/api/deals/" + std::to_string(parse(created.body)["id"].GetInt64()))
                        .status == 204);
        }
    }
    const auto owner = admin.del(url);
    CHECK(owner.status == 409);
    CHECK(owner.body ==
          R"({"message":"The user owns 2 deals (trashed ones included): give them to another )"
          R"(owner before deleting the user."})");
    CHECK(nora.get("/api/deals").status == 200);  // still there
}

TEST_CASE("a deal's nested owner shows a change to the user at once", "[http][users]") {
    TestServer server;
    auto admin = server.client();
    const auto id = new_user(admin, "Nora", "nora@example.com");
    const auto created = admin.post(
        "/api/deals", R"({"name":"Owned","stage_id":1,"user_id":)" + std::to_string(id) + "}");
    REQUIRE(created.status == 201);
    const std::string deal = "/api/deals/" + std::to_string(parse(created.body)["id"].GetInt64());
    // Read twice: the second answer comes from what the first rendered of the owner.
    for (int i = 0; i < 2; ++i) {
        const auto before = parse(admin.get(deal).body);
        CHECK(text(before["user"]["name"]) == "Nora");
    }
    REQUIRE(admin.put("/api/users/" + std::to_string(id), R"({"name":"Nora Renamed"})").status ==
            200);
    const auto after = parse(admin.get(deal).body);
    CHECK(text(after["user"]["name"]) == "Nora Renamed");
    CHECK(after["user"]["id"].GetInt64() == id);
}
