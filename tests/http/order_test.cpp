// GET /api/deals?order=…: contract §4.2.

#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

/// Deals 1-4: names and amounts chosen so that name, amount and id orders differ.
void four_deals(HttpClient& client) {
    create_deal(client, R"({"name":"Charlie","stage_id":1,"amount":300})");
    create_deal(client, R"({"name":"alpha","stage_id":2,"amount":100})");
    create_deal(client, R"({"name":"Érable","stage_id":1,"amount":300})");
    create_deal(client, R"({"name":"bravo","stage_id":3})");
}

std::vector<std::int64_t> order_ids(HttpClient& client, const std::string& query) {
    const auto page = get_ok(client, "/api/deals?" + query);
    return ids_of(page["data"]);
}

}  // namespace

TEST_CASE("order by a field and direction, ties by id, missing values first", "[http][order]") {
    TestServer server;
    auto client = server.client();
    four_deals(client);
    CHECK(order_ids(client, "order=amount|asc") == std::vector<std::int64_t>{4, 2, 1, 3});
    CHECK(order_ids(client, "order=amount|DESC") == std::vector<std::int64_t>{1, 3, 2, 4});
    CHECK(order_ids(client, "order=amount") == std::vector<std::int64_t>{4, 2, 1, 3});
    CHECK(order_ids(client, "order=id|desc") == std::vector<std::int64_t>{4, 3, 2, 1});
    // Text sorts ignore case and accents, as search matches.
    CHECK(order_ids(client, "order=name|asc") == std::vector<std::int64_t>{2, 4, 1, 3});
    CHECK(order_ids(client, "") == std::vector<std::int64_t>{2, 4, 1, 3});
}

TEST_CASE("the array form of order gives several sort keys", "[http][order]") {
    TestServer server;
    auto client = server.client();
    four_deals(client);
    CHECK(order_ids(client,
                    "order[0][field]=stage_id&order[0][direction]=asc&"
                    "order[1][field]=name&order[1][direction]=desc") ==
          std::vector<std::int64_t>{3, 1, 2, 4});
    CHECK(order_ids(client, "order[field]=amount&order[direction]=desc") ==
          std::vector<std::int64_t>{1, 3, 2, 4});
    // An entry without a field is dropped: the default order stays.
    CHECK(order_ids(client, "order=|desc") == std::vector<std::int64_t>{2, 4, 1, 3});
}

TEST_CASE("order pages like the default order", "[http][order]") {
    TestServer server;
    auto client = server.client();
    four_deals(client);
    const auto page = get_ok(client, "/api/deals?order=id|desc&per_page=3&page=2");
    CHECK(ids_of(page["data"]) == std::vector<std::int64_t>{1});
    CHECK(page["meta"]["total"].GetInt() == 4);
    CHECK(page["meta"]["last_page"].GetInt() == 2);
    const auto past = get_ok(client, "/api/deals?order=id|desc&per_page=3&page=9");
    CHECK(past["data"].Size() == 0);
}

TEST_CASE("an unknown order field or direction is a 422 on order", "[http][order]") {
    TestServer server;
    auto client = server.client();
    four_deals(client);
    for (const char* query : {"order=nope|asc", "order=amount|sideways",
                              "order[0][field]=password&order[0][direction]=asc"}) {
        const auto res = client.get(std::string("/api/deals?") + query);
        INFO(query << ": " << res.body);
        CHECK(res.status == 422);
        const auto body = parse(res.body);
        CHECK(body["errors"].HasMember("order"));
    }
}
