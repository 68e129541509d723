// DELETE, the trash, restore and purge (contract §10).

#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

std::string trash_url(std::int64_t id) { return "/api/trashed/deals/" + std::to_string(id); }
std::string not_found(std::int64_t id) {
    return R"({"message":"No query results for model [Deal] )" + std::to_string(id) + R"("})";
}

}  // namespace

TEST_CASE("deleting a deal answers 204 with an empty body and moves it to the trash",
          "[http][trash]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Doomed", R"(,"amount":10)");
    const auto keep = create_named(client, "Keeper");

    const auto res = client.request("DELETE", deal_url(id), {}, {{"X-Request-Id", "del-1"}});
    CHECK(res.status == 204);
    CHECK(res.body.empty());
    CHECK(res.header("x-request-id") == "del-1");
    CHECK(res.header("x-app-version").has_value());

    const auto gone = client.get(deal_url(id));
    CHECK(gone.status == 404);
    CHECK(gone.body == not_found(id));
    const auto list = get_ok(client, "/api/deals");
    CHECK(ids_of(list["data"]) == std::vector<std::int64_t>{keep});
    CHECK(list["meta"]["total"].GetInt64() == 1);

    const auto trash = get_ok(client, "/api/trashed/deals");
    CHECK(ids_of(trash["data"]) == std::vector<std::int64_t>{id});
    CHECK(trash["meta"]["total"].GetInt64() == 1);
    CHECK(trash.HasMember("links"));
    CHECK(trash["meta"]["current_page"].GetInt64() == 1);
    CHECK_FALSE(trash["data"][0].HasMember("contacts"));

    const auto trashed = client.get(trash_url(id));
    REQUIRE(trashed.status == 200);
    const auto deal = parse(trashed.body);
    CHECK(deal["id"].GetInt64() == id);
    CHECK(text(deal["name"]) == "Doomed");
    CHECK(raw_number(trashed.body, "amount") == "10");
    CHECK(deal["version"].GetInt64() == 2);
    CHECK(trashed.header("etag") == "\"2\"");
}

TEST_CASE("a trashed deal cannot be changed or deleted again", "[http][trash]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Trashed");
    REQUIRE(client.del(deal_url(id)).status == 204);
    const auto put = client.put(deal_url(id), R"({"name":"x"})");
    CHECK(put.status == 404);
    CHECK(put.body == not_found(id));
    const auto status = client.put(deal_url(id) + "/status/won", "");
    CHECK(status.status == 404);
    const auto again = client.del(deal_url(id));
    CHECK(again.status == 404);
    CHECK(again.body == not_found(id));
    CHECK(get_ok(client, trash_url(id))["version"].GetInt64() == 2);
}

TEST_CASE("a live deal is not found in the trash", "[http][trash]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Alive");
    const auto get = client.get(trash_url(id));
    CHECK(get.status == 404);
    CHECK(get.body == not_found(id));
    CHECK(client.post(trash_url(id), "").status == 404);
    CHECK(client.del(trash_url(id)).status == 404);
    CHECK(get_ok(client, deal_url(id))["version"].GetInt64() == 1);
    const auto trash = get_ok(client, "/api/trashed/deals");
    CHECK(trash["data"].Empty());
    CHECK(trash["meta"]["total"].GetInt64() == 0);
    CHECK(client.get("/api/trashed/deals/abc").body ==
          R"({"message":"No query results for model [Deal] abc"})");
}

TEST_CASE("restoring a trashed deal answers 200 with the deal back in the list", "[http][trash]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Comeback", R"(,"amount":99.5,"user_id":1)");
    REQUIRE(client.del(deal_url(id)).status == 204);

    const auto res = client.post(trash_url(id), "");
    INFO(res.body);
    REQUIRE(res.status == 200);
    CHECK(res.header("etag") == "\"3\"");
    const auto deal = parse(res.body);
    CHECK(deal["id"].GetInt64() == id);
    CHECK(text(deal["name"]) == "Comeback");
    CHECK(raw_number(res.body, "amount") == "99.5");
    CHECK(deal["user_id"].GetInt64() == 1);
    CHECK(deal["was_recently_created"].IsFalse());
    CHECK(deal["contacts"].IsArray());
    CHECK(deal["associations_count"].GetInt64() == 0);
    CHECK(deal["version"].GetInt64() == 3);

    CHECK(get_ok(client, deal_url(id))["version"].GetInt64() == 3);
    CHECK(ids_of(get_ok(client, "/api/deals")["data"]) == std::vector<std::int64_t>{id});
    CHECK(get_ok(client, "/api/trashed/deals")["meta"]["total"].GetInt64() == 0);
    CHECK(client.get(trash_url(id)).status == 404);
}

TEST_CASE("purging a trashed deal answers 204 and the deal is gone everywhere", "[http][trash]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Purged");
    const auto other = create_named(client, "Other");
    REQUIRE(client.del(deal_url(id)).status == 204);

    const auto res = client.del(trash_url(id));
    CHECK(res.status == 204);
    CHECK(res.body.empty());

    const auto live = client.get(deal_url(id));
    CHECK(live.status == 404);
    CHECK(live.body == not_found(id));
    const auto trashed = client.get(trash_url(id));
    CHECK(trashed.status == 404);
    CHECK(trashed.body == not_found(id));
    CHECK(client.post(trash_url(id), "").status == 404);
    CHECK(client.del(trash_url(id)).status == 404);
    CHECK(client.del(deal_url(id)).status == 404);
    CHECK(client.put(deal_url(id), R"({"name":"Zombie"})").status == 404);

    const auto list = get_ok(client, "/api/deals");
    CHECK(ids_of(list["data"]) == std::vector<std::int64_t>{other});
    CHECK(list["meta"]["total"].GetInt64() == 1);
    const auto trash = get_ok(client, "/api/trashed/deals");
    CHECK(trash["data"].Empty());
    CHECK(trash["meta"]["total"].GetInt64() == 0);

    // Ids are never reused.
    CHECK(create_named(client, "After purge") == other + 1);
}

TEST_CASE("the trash list is in name order and paginated", "[http][trash]") {
    TestServer server;
    auto client = server.client();
    const auto c = create_named(client, "charlie");
    const auto a = create_named(client, "Alpha");
    const auto b = create_named(client, "bravo");
    for (const auto id : {a, b, c}) {
        REQUIRE(client.del(deal_url(id)).status == 204);
    }
    const auto first = get_ok(client, "/api/trashed/deals?per_page=2");
    CHECK(ids_of(first["data"]) == std::vector<std::int64_t>{a, b});
    CHECK(first["meta"]["total"].GetInt64() == 3);
    CHECK(first["meta"]["last_page"].GetInt64() == 2);
    const auto second = get_ok(client, "/api/trashed/deals?per_page=2&page=2");
    CHECK(ids_of(second["data"]) == std::vector<std::int64_t>{c});
    CHECK(path_of(text(second["meta"]["path"])).ends_with("/api/trashed/deals"));
}
