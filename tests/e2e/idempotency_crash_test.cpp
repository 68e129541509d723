// A write under an Idempotency-Key whose server dies after the commit and before the response
// (contract §13): the client's retry, to the restarted server, gets the answer the write would
// have had, and nothing is written twice.

#include <signal.h>
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "support/json.hpp"
#include "tests/e2e/e2e_helpers.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::e2e;

namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Starts dealsd armed to SIGKILL itself right after committing the write under `key`.
deals::testing::e2e::Dealsd start_armed(const std::string& dir, const std::string& key) {
    ::setenv("DEALS_TEST_CRASH_AFTER_COMMIT", key.c_str(), 1);
    auto server = start_dealsd(dir, {"--kafka", "off"});
    ::unsetenv("DEALS_TEST_CRASH_AFTER_COMMIT");
    return server;
}

json::Document parse(const std::string& body) {
    json::Document doc;
    doc.Parse(body.c_str());
    REQUIRE_FALSE(doc.HasParseError());
    return doc;
}

std::int64_t count_events(HttpClient& client, std::int64_t id, const std::string& type) {
    const auto res = client.get("/api/deals/" + std::to_string(id) + "/events");
    REQUIRE(res.status == 200);
    std::int64_t n = 0;
    const auto doc = parse(res.body);  // named: the loop views it
    for (const auto& e : doc["data"].GetArray()) {
        n += e["type"].GetString() == type ? 1 : 0;
    }
    return n;
}

}  // namespace

TEST_CASE("a create retried after a crash between its commit and its response is made once",
          "[e2e][idempotency]") {
    TempDir dir;
    const std::string token = admin_token(dir.path());
    const std::string body = R"({"name":"Committed, never answered","stage_id":1,"amount":"99.5"})";
    const HeaderList key{{"Idempotency-Key", "order-7781"}};
    {
        auto server = start_armed(dir.path(), "order-7781");
        HttpClient client(server.port, token);
        REQUIRE(client.post("/api/deals", R"({"name":"Before","stage_id":1})").status == 201);
        // The server dies before answering: the client sees the connection drop.
        CHECK_THROWS(client.request("POST", "/api/deals", body, key));
        CHECK(server.process->wait() == 128 + SIGKILL);
    }
    auto server = start_dealsd(dir.path(), {"--kafka", "off"});
    HttpClient client(server.port, token);
    const auto retried = client.request("POST", "/api/deals", body, key);
    REQUIRE(retried.status == 201);
    CHECK(retried.header("idempotent-replayed") == "true");
    const auto deal = parse(retried.body);
    const auto id = deal["id"].GetInt64();
    CHECK(std::string(deal["name"].GetString()) == "Committed, never answered");
    CHECK(deal["was_recently_created"].GetBool());
    CHECK(retried.header("etag") == "\"1\"");
    // The write's own sequence, as its answer would have carried (nothing was written since).
    const auto head = parse(client.get("/healthz").body)["sequence"].GetUint64();
    CHECK(retried.header("deals-sequence") == std::to_string(head));

    // Exactly two deals, and one DealCreated for the retried one.
    const auto list = parse(client.get("/api/deals").body);
    CHECK(list["meta"]["total"].GetInt64() == 2);
    CHECK(count_events(client, id, "DealCreated") == 1);

    // The rebuilt answer is kept: the next retry gets the same bytes.
    const auto third = client.request("POST", "/api/deals", body, key);
    CHECK(third.status == 201);
    CHECK(third.body == retried.body);
    // And a different request under the key is still refused.
    CHECK(client.request("POST", "/api/deals", R"({"name":"Other","stage_id":1})", key).status ==
          422);
    server.process->kill(SIGTERM);
    CHECK(server.process->wait() == 0);
}

TEST_CASE("an update retried after a crash between its commit and its response is made once",
          "[e2e][idempotency]") {
    TempDir dir;
    const std::string token = admin_token(dir.path());
    const HeaderList key{{"Idempotency-Key", "rename-1"}};
    std::int64_t id = 0;
    {
        auto server = start_armed(dir.path(), "rename-1");
        HttpClient client(server.port, token);
        const auto created = client.post("/api/deals", R"({"name":"Old","stage_id":1,"amount":1})");
        REQUIRE(created.status == 201);
        id = parse(created.body)["id"].GetInt64();
        CHECK_THROWS(client.request("PUT", "/api/deals/" + std::to_string(id),
                                    R"({"name":"New"})", key));
        CHECK(server.process->wait() == 128 + SIGKILL);
    }
    auto server = start_dealsd(dir.path(), {"--kafka", "off"});
    HttpClient client(server.port, token);
    const std::string url = "/api/deals/" + std::to_string(id);
    // A later change does not alter the answer: it is the deal as the update left it.
    REQUIRE(client.put(url, R"({"amount":5})").status == 200);
    const auto retried = client.request("PUT", url, R"({"name":"New"})", key);
    REQUIRE(retried.status == 200);
    const auto deal = parse(retried.body);
    CHECK(std::string(deal["name"].GetString()) == "New");
    CHECK(deal["amount"].GetDouble() == 1.0);  // not the later 5
    CHECK(retried.header("etag") == "\"2\"");
    CHECK(count_events(client, id, "DealUpdated") == 2);
    server.process->kill(SIGTERM);
    CHECK(server.process->wait() == 0);
}
