// Unknown routes and verbs, missing records, and If-Match/ETag (contract §1.1, §2, §13).

#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

TEST_CASE("an unknown route answers 404 naming the route", "[http][errors]") {
    TestServer server;
    auto client = server.client();
    const auto res = client.get("/api/nope");
    CHECK(res.status == 404);
    CHECK(res.body == R"({"message":"The route api/nope could not be found."})");
    CHECK(res.header("content-type") == "application/json; charset=utf-8");

    const auto nested = client.post("/api/deals/1/nothing/here", "{}");
    CHECK(nested.status == 404);
    CHECK(nested.body == R"({"message":"The route api/deals/1/nothing/here could not be found."})");

    const auto query = client.get("/api/nope?x=1");
    CHECK(query.status == 404);
    CHECK(query.body == R"({"message":"The route api/nope could not be found."})");
}

TEST_CASE("a known path with a wrong verb answers 405 with the Allow header", "[http][errors]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "Exists");

    const auto patch = client.request("PATCH", "/api/deals/1", R"({"name":"x"})");
    CHECK(patch.status == 405);
    CHECK(
        patch.body ==
        R"({"message":"The PATCH method is not supported for route api/deals/1. Supported methods: GET, HEAD, PUT, DELETE."})");
    CHECK(patch.header("allow") == "GET, HEAD, PUT, DELETE");

    const auto del = client.del("/api/deals");
    CHECK(del.status == 405);
    CHECK(
        del.body ==
        R"({"message":"The DELETE method is not supported for route api/deals. Supported methods: GET, HEAD, POST."})");
    CHECK(del.header("allow") == "GET, HEAD, POST");

    const auto status_get = client.get("/api/deals/1/status/won");
    CHECK(status_get.status == 405);
    CHECK(
        status_get.body ==
        R"({"message":"The GET method is not supported for route api/deals/1/status/won. Supported methods: PUT."})");
    CHECK(status_get.header("allow") == "PUT");

    // A path several routes match (search, and a deal's id) names each method once.
    const auto search_post = client.post("/api/deals/search", "{}");
    CHECK(search_post.status == 405);
    CHECK(search_post.header("allow") == "GET, HEAD, PUT, DELETE");

    // Nothing was written by the refused requests.
    CHECK(get_ok(client, "/api/deals/1")["version"].GetInt64() == 1);
}

TEST_CASE("a missing deal answers 404 with the id as given", "[http][errors]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "Present");
    const std::string missing = R"({"message":"No query results for model [Deal] 999"})";
    const auto get = client.get("/api/deals/999");
    CHECK(get.status == 404);
    CHECK(get.body == missing);
    const auto put = client.put("/api/deals/999", R"({"name":"x"})");
    CHECK(put.status == 404);
    CHECK(put.body == missing);
    const auto del = client.del("/api/deals/999");
    CHECK(del.status == 404);
    CHECK(del.body == missing);

    const auto word = client.get("/api/deals/abc");
    CHECK(word.status == 404);
    CHECK(word.body == R"({"message":"No query results for model [Deal] abc"})");
    const auto zero = client.get("/api/deals/0");
    CHECK(zero.status == 404);
    CHECK(zero.body == R"({"message":"No query results for model [Deal] 0"})");
    const auto negative = client.get("/api/deals/-1");
    CHECK(negative.status == 404);
    CHECK(negative.body == R"({"message":"No query results for model [Deal] -1"})");
}

TEST_CASE("an update of a missing deal answers 404 even with a malformed body", "[http][errors]") {
    TestServer server;
    auto client = server.client();
    expect_body(client, "PUT", "/api/deals/77", "{not json", 404,
                R"({"message":"No query results for model [Deal] 77"})");
}

TEST_CASE("every deal response sends its version as the ETag", "[http][errors]") {
    TestServer server;
    auto client = server.client();
    const auto created = client.post("/api/deals", R"({"name":"Tagged","stage_id":1})");
    CHECK(created.header("etag") == "\"1\"");
    const auto updated = client.put("/api/deals/1", R"({"name":"Tagged again"})");
    CHECK(updated.header("etag") == "\"2\"");
    CHECK(parse(updated.body)["version"].GetInt64() == 2);
    const auto moved = client.put("/api/deals/1", R"({"stage_id":2})");
    CHECK(moved.header("etag") == "\"3\"");
    const auto shown = client.get("/api/deals/1");
    CHECK(shown.header("etag") == "\"3\"");
    CHECK(parse(shown.body)["version"].GetInt64() == 3);
}

TEST_CASE("If-Match with a stale version answers 412 and writes nothing", "[http][errors]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Guarded");
    REQUIRE(client.put(deal_url(id), R"({"name":"Guarded v2"})").status == 200);

    const auto stale =
        client.request("PUT", deal_url(id), R"({"name":"Lost update"})", {{"If-Match", "\"1\""}});
    CHECK(stale.status == 412);
    CHECK(stale.body == R"({"message":"The deal has been modified since version 1."})");

    const auto stale_status =
        client.request("PUT", deal_url(id) + "/status/won", "", {{"If-Match", "\"1\""}});
    CHECK(stale_status.status == 412);
    CHECK(stale_status.body == R"({"message":"The deal has been modified since version 1."})");

    const auto deal = get_ok(client, deal_url(id));
    CHECK(text(deal["name"]) == "Guarded v2");
    CHECK(text(deal["status"]) == "open");
    CHECK(deal["version"].GetInt64() == 2);
}

TEST_CASE("If-Match with the current version lets the write through", "[http][errors]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Matched");
    const auto res =
        client.request("PUT", deal_url(id), R"({"name":"Matched v2"})", {{"If-Match", "\"1\""}});
    CHECK(res.status == 200);
    CHECK(res.header("etag") == "\"2\"");
    const auto status =
        client.request("PUT", deal_url(id) + "/status/won", "", {{"If-Match", "\"2\""}});
    CHECK(status.status == 200);
    CHECK(status.header("etag") == "\"3\"");
}

TEST_CASE("the client's X-Request-Id is echoed on error responses", "[http][errors]") {
    TestServer server;
    auto client = server.client();
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/api/nope"}, {"PATCH", "/api/deals/1"}, {"GET", "/api/deals/5"}}) {
        INFO(method << " " << target);
        const auto res = client.request(method, target, {}, {{"X-Request-Id", "req-err-7"}});
        CHECK(res.status >= 400);
        CHECK(res.header("x-request-id") == "req-err-7");
    }
    const auto invalid = client.request("POST", "/api/deals", "{}", {{"X-Request-Id", "req-422"}});
    CHECK(invalid.status == 422);
    CHECK(invalid.header("x-request-id") == "req-422");
}
