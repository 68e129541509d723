// Idempotency-Key on writes (contract §13): a retry gets the first response and writes nothing;
// the same key with a different request is a 422. The crash between commit and response is in
// tests/e2e/idempotency_crash_test.cpp.

#include <catch2/catch.hpp>
#include <thread>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

HeaderList key(const std::string& k) { return {{"Idempotency-Key", k}}; }

std::uint64_t head(TestServer& server) { return server.store().log().head_sequence(); }

std::int64_t total_deals(HttpClient& client) {
    return get_ok(client, "/api/deals")["meta"]["total"].GetInt64();
}

}  // namespace

TEST_CASE("a create retried with its Idempotency-Key answers the first response and writes "
          "nothing",
          "[http][idempotency]") {
    TestServer server;
    auto client = server.client();
    const std::string body = R"({"name":"Once","stage_id":1,"amount":"10.50"})";
    const auto first = client.request("POST", "/api/deals", body, key("create-1"));
    REQUIRE(first.status == 201);
    CHECK_FALSE(first.header("idempotent-replayed").has_value());
    const auto after_first = head(server);

    server.clock().advance_seconds(60);
    const auto again = client.request("POST", "/api/deals", body, key("create-1"));
    CHECK(again.status == 201);
    CHECK(again.body == first.body);
    CHECK(again.header("etag") == first.header("etag"));
    CHECK(again.header("idempotent-replayed") == "true");
    CHECK(head(server) == after_first);
    CHECK(total_deals(client) == 1);

    // Without the key the same body is a new deal.
    const auto other = client.request("POST", "/api/deals", body);
    CHECK(other.status == 201);
    CHECK(total_deals(client) == 2);
}

TEST_CASE("the same Idempotency-Key with a different request is a 422 and writes nothing",
          "[http][idempotency]") {
    TestServer server;
    auto client = server.client();
    REQUIRE(client.request("POST", "/api/deals", R"({"name":"A","stage_id":1})", key("k")).status ==
            201);
    const auto before = head(server);
    const std::string message =
        "The Idempotency-Key has already been used for a different request.";
    const std::string expected = R"({"message":")" + message +
                                 R"(","errors":{"Idempotency-Key":[")" + message + R"("]}})";

    const auto other_body =
        client.request("POST", "/api/deals", R"({"name":"B","stage_id":1})", key("k"));
    CHECK(other_body.status == 422);
    CHECK(other_body.body == expected);
    // Another route or another query string is another request too.
    const auto other_route =
        client.request("POST", "/api/products", R"({"name":"A","unit_price":1})", key("k"));
    CHECK(other_route.status == 422);
    CHECK(other_route.body == expected);
    const auto other_query =
        client.request("POST", "/api/deals?x=1", R"({"name":"A","stage_id":1})", key("k"));
    CHECK(other_query.status == 422);
    CHECK(head(server) == before);
    CHECK(total_deals(client) == 1);
}

TEST_CASE("Idempotency-Key values are scoped to the caller and at most 255 characters",
          "[http][idempotency]") {
    TestServer server;
    auto admin = server.client();
    const auto token = add_user_with_token(server.store(), "Second", "second@example.com", true);
    auto second = server.client(token);
    const std::string body = R"({"name":"Shared key","stage_id":1})";
    REQUIRE(admin.request("POST", "/api/deals", body, key("same")).status == 201);
    const auto theirs = second.request("POST", "/api/deals", body, key("same"));
    CHECK(theirs.status == 201);
    CHECK_FALSE(theirs.header("idempotent-replayed").has_value());
    CHECK(total_deals(admin) == 2);

    const auto before = head(server);
    const auto too_long =
        admin.request("POST", "/api/deals", body, key(std::string(256, 'k')));
    CHECK(too_long.status == 422);
    CHECK(too_long.body ==
          R"({"message":"The Idempotency-Key may not be greater than 255 characters.","errors":{"Idempotency-Key":["The Idempotency-Key may not be greater than 255 characters."]}})");
    CHECK(head(server) == before);
    CHECK(admin.request("POST", "/api/deals", body, key(std::string(255, 'k'))).status == 201);
}

TEST_CASE("an update retried after later changes still answers its first response",
          "[http][idempotency]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Before");
    const std::string url = "/api/deals/" + std::to_string(id);
    const auto first = client.request("PUT", url, R"({"name":"Renamed"})", key("rename"));
    REQUIRE(first.status == 200);
    REQUIRE(client.put(url, R"({"name":"Later"})").status == 200);
    const auto before = head(server);

    const auto again = client.request("PUT", url, R"({"name":"Renamed"})", key("rename"));
    CHECK(again.status == 200);
    CHECK(again.body == first.body);
    CHECK(again.header("etag") == first.header("etag"));
    CHECK(head(server) == before);
    CHECK(text(get_ok(client, url)["name"]) == "Later");
}

TEST_CASE("a refused write is answered again the same way, and a delete's 204 too",
          "[http][idempotency]") {
    TestServer server;
    auto client = server.client();
    const auto refused = client.request("POST", "/api/deals", R"({"stage_id":1})", key("bad"));
    REQUIRE(refused.status == 422);
    const auto refused_again =
        client.request("POST", "/api/deals", R"({"stage_id":1})", key("bad"));
    CHECK(refused_again.status == 422);
    CHECK(refused_again.body == refused.body);

    const auto id = create_named(client, "Doomed");
    const std::string url = "/api/deals/" + std::to_string(id);
    const auto deleted = client.request("DELETE", url, {}, key("delete"));
    REQUIRE(deleted.status == 204);
    const auto before = head(server);
    const auto deleted_again = client.request("DELETE", url, {}, key("delete"));
    CHECK(deleted_again.status == 204);
    CHECK(deleted_again.body.empty());
    CHECK(head(server) == before);
    // Without the key the deal is simply gone.
    CHECK(client.request("DELETE", url).status == 404);
}

TEST_CASE("an Idempotency-Key is remembered for 24 hours", "[http][idempotency]") {
    TestServer server;
    auto client = server.client();
    const std::string body = R"({"name":"Daily","stage_id":1})";
    REQUIRE(client.request("POST", "/api/deals", body, key("daily")).status == 201);
    server.clock().advance_seconds(24 * 60 * 60 - 1);
    CHECK(client.request("POST", "/api/deals", body, key("daily"))
              .header("idempotent-replayed") == "true");
    CHECK(total_deals(client) == 1);
    server.clock().advance_seconds(2);
    const auto later = client.request("POST", "/api/deals", body, key("daily"));
    CHECK(later.status == 201);
    CHECK_FALSE(later.header("idempotent-replayed").has_value());
    CHECK(total_deals(client) == 2);
}

TEST_CASE("concurrent requests with one Idempotency-Key write once", "[http][idempotency]") {
    TestServer server;
    constexpr int kClients = 8;
    constexpr int kRounds = 20;
    for (int round = 0; round < kRounds; ++round) {
        const std::string k = "race-" + std::to_string(round);
        const std::string body = R"({"name":"Race )" + std::to_string(round) + R"(","stage_id":1})";
        std::vector<HttpResult> results(kClients);
        std::vector<std::thread> threads;
        for (int c = 0; c < kClients; ++c) {
            threads.emplace_back([&, c] {
                auto client = server.client();
                results[c] = client.request("POST", "/api/deals", body, key(k));
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        std::string created;
        for (const auto& r : results) {
            if (r.status == 201) {
                if (created.empty()) {
                    created = r.body;
                }
                CHECK(r.body == created);
            } else {
                // Still running in another request: the client is told to come back.
                CHECK(r.status == 409);
                CHECK(r.body ==
                      R"({"message":"A request with this Idempotency-Key is still in progress."})");
                CHECK(r.header("retry-after") == "1");
            }
        }
        CHECK_FALSE(created.empty());
    }
    auto client = server.client();
    CHECK(total_deals(client) == kRounds);
}
