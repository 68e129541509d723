// Deal status through PUT /api/deals/{id} and PUT /api/deals/{id}/status/{status} (contract §6),
// and time_in_stages as the clock moves.

#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

std::string status_url(std::int64_t id, const std::string& status) {
    return deal_url(id) + "/status/" + status;
}

const char* const kLockedLost =
    R"({"message":"The deal first must be marked as open in order to apply the \"lost\" status."})";
const char* const kLockedWon =
    R"({"message":"The deal first must be marked as open in order to apply the \"won\" status."})";

}  // namespace

TEST_CASE("marking a deal won through PUT sets won_date and clears the lost reason",
          "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Win me");
    server.clock().advance_seconds(120);
    const auto res =
        client.put(deal_url(id), R"({"status":"won","lost_reason":"sent with won is ignored"})");
    INFO(res.body);
    REQUIRE(res.status == 200);
    const auto deal = parse(res.body);
    CHECK(text(deal["status"]) == "won");
    CHECK(text(deal["won_date"]) == "2026-03-01T10:02:00.000000Z");
    CHECK_FALSE(deal.HasMember("lost_date"));
    CHECK(deal["lost_reason"].IsNull());
    CHECK(deal["version"].GetInt64() == 2);
}

TEST_CASE("marking a deal lost through PUT requires a lost reason", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Lose me");
    expect_body(
        client, "PUT", deal_url(id), R"({"status":"lost"})", 422,
        R"({"message":"The Lost Reason field is required when Status is lost.","errors":{"lost_reason":["The Lost Reason field is required when Status is lost."]}})");
    CHECK(get_ok(client, deal_url(id))["version"].GetInt64() == 1);

    server.clock().advance_seconds(5);
    const auto lost = client.put(deal_url(id), R"({"status":"lost","lost_reason":"No budget"})");
    REQUIRE(lost.status == 200);
    const auto deal = parse(lost.body);
    CHECK(text(deal["status"]) == "lost");
    CHECK(text(deal["lost_reason"]) == "No budget");
    CHECK(text(deal["lost_date"]) == "2026-03-01T10:00:05.000000Z");
    CHECK_FALSE(deal.HasMember("won_date"));
}

TEST_CASE("the lost reason of a lost deal can be edited while it stays lost", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id =
        create_named(client, "Edit reason", R"(,"status":"lost","lost_reason":"First")");
    const auto res = client.put(deal_url(id), R"({"lost_reason":"Second"})");
    REQUIRE(res.status == 200);
    CHECK(text(parse(res.body)["lost_reason"]) == "Second");
    // Without a status in the body the reason is not demanded again.
    const auto renamed = client.put(deal_url(id), R"({"name":"Renamed"})");
    CHECK(renamed.status == 200);
}

TEST_CASE("the status endpoint marks a deal lost with the given reason", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Endpoint lost");
    server.clock().advance_seconds(10);
    const auto res = client.put(status_url(id, "lost"), R"({"lost_reason":"Went elsewhere"})");
    INFO(res.body);
    REQUIRE(res.status == 200);
    CHECK(res.header("etag") == "\"2\"");
    const auto deal = parse(res.body);
    CHECK(text(deal["status"]) == "lost");
    CHECK(text(deal["lost_reason"]) == "Went elsewhere");
    CHECK(text(deal["lost_date"]) == "2026-03-01T10:00:10.000000Z");
    CHECK_FALSE(deal.HasMember("won_date"));
    CHECK(deal["was_recently_created"].IsFalse());
    CHECK(deal["contacts"].IsArray());
    CHECK(deal["associations_count"].GetInt64() == 0);
}

TEST_CASE("the status endpoint requires a lost reason only for lost", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Needs reason");
    const auto lost = client.put(status_url(id, "lost"), "");
    CHECK(lost.status == 422);
    const auto body = parse(lost.body);
    REQUIRE(body.HasMember("errors"));
    CHECK(keys_of(body["errors"]) == std::vector<std::string>{"lost_reason"});
    CHECK(get_ok(client, deal_url(id))["version"].GetInt64() == 1);

    const auto won = client.put(status_url(id, "won"), "");
    INFO(won.body);
    REQUIRE(won.status == 200);
    CHECK(text(parse(won.body)["status"]) == "won");
    const auto open = client.put(status_url(id, "open"), "{}");
    REQUIRE(open.status == 200);
    CHECK(text(parse(open.body)["status"]) == "open");
}

TEST_CASE("an unknown status on the status endpoint answers 422", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Odd status");
    const auto res = client.put(status_url(id, "pending"), "");
    CHECK(res.status == 422);
    CHECK(
        res.body ==
        R"({"message":"The selected status is invalid.","errors":{"status":["The selected status is invalid."]}})");
    CHECK(get_ok(client, deal_url(id))["version"].GetInt64() == 1);
}

TEST_CASE("an unknown status in the update body answers 422", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Odd body");
    const auto res = client.put(deal_url(id), R"({"status":"Won"})");
    CHECK(res.status == 422);
    CHECK(
        res.body ==
        R"({"message":"The selected Status is invalid.","errors":{"status":["The selected Status is invalid."]}})");
}

TEST_CASE("a won deal must be reopened before it can be lost", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Locked", R"(,"status":"won")");

    const auto by_endpoint = client.put(status_url(id, "lost"), R"({"lost_reason":"x"})");
    CHECK(by_endpoint.status == 409);
    CHECK(by_endpoint.body == kLockedLost);

    const auto by_update = client.put(deal_url(id), R"({"status":"lost","lost_reason":"x"})");
    CHECK(by_update.status == 409);
    CHECK(by_update.body == kLockedLost);

    const auto deal = get_ok(client, deal_url(id));
    CHECK(text(deal["status"]) == "won");
    CHECK(deal["version"].GetInt64() == 1);
}

TEST_CASE("a lost deal must be reopened before it can be won", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Locked lost", R"(,"status":"lost","lost_reason":"gone")");
    const auto res = client.put(status_url(id, "won"), "");
    CHECK(res.status == 409);
    CHECK(res.body == kLockedWon);
    const auto update = client.put(deal_url(id), R"({"status":"won","name":"Renamed"})");
    CHECK(update.status == 409);
    CHECK(update.body == kLockedWon);
    const auto deal = get_ok(client, deal_url(id));
    CHECK(text(deal["name"]) == "Locked lost");
    CHECK(deal["version"].GetInt64() == 1);
}

TEST_CASE("the same status again is a no-op that writes nothing", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Same", R"(,"status":"won")");
    server.clock().advance_seconds(600);

    const auto again = client.put(status_url(id, "won"), "");
    REQUIRE(again.status == 200);
    CHECK(again.header("etag") == "\"1\"");
    const auto deal = parse(again.body);
    CHECK(deal["version"].GetInt64() == 1);
    CHECK(text(deal["won_date"]) == kStartTime);
    CHECK(text(deal["updated_at"]) == kStartTime);

    const auto by_update = client.put(deal_url(id), R"({"status":"won"})");
    REQUIRE(by_update.status == 200);
    CHECK(parse(by_update.body)["version"].GetInt64() == 1);

    const auto open_id = create_named(client, "Already open");
    const auto open = client.put(status_url(open_id, "open"), "");
    REQUIRE(open.status == 200);
    CHECK(parse(open.body)["version"].GetInt64() == 1);
}

TEST_CASE("reopening a deal clears won_date, lost_date and lost_reason", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Reopen", R"(,"status":"lost","lost_reason":"gone")");
    server.clock().advance_seconds(30);
    const auto res = client.put(deal_url(id), R"({"status":"open"})");
    REQUIRE(res.status == 200);
    const auto deal = parse(res.body);
    CHECK(text(deal["status"]) == "open");
    CHECK_FALSE(deal.HasMember("won_date"));
    CHECK_FALSE(deal.HasMember("lost_date"));
    CHECK(deal["lost_reason"].IsNull());
    CHECK(deal["version"].GetInt64() == 2);

    // And a reopened deal may now be won.
    const auto won = client.put(status_url(id, "won"), "");
    REQUIRE(won.status == 200);
    CHECK(text(parse(won.body)["status"]) == "won");
}

TEST_CASE("the status endpoint answers 404 for a missing deal", "[http][status]") {
    TestServer server;
    auto client = server.client();
    expect_body(client, "PUT", "/api/deals/999/status/won", "", 404,
                R"({"message":"No query results for model [Deal] 999"})");
}

TEST_CASE("time_in_stages accumulates the seconds spent in each stage while open",
          "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Timer");
    auto seconds = [&](const deals::json::Document& deal) {
        std::vector<std::pair<std::string, std::int64_t>> out;
        const auto& stages = deal["time_in_stages"];
        REQUIRE(stages.IsObject());
        for (auto it = stages.MemberBegin(); it != stages.MemberEnd(); ++it) {
            out.emplace_back(it->name.GetString(), it->value.GetInt64());
        }
        return out;
    };
    using Stages = std::vector<std::pair<std::string, std::int64_t>>;

    server.clock().advance_seconds(100);
    CHECK(seconds(get_ok(client, deal_url(id))) == Stages{{"1", 100}});

    REQUIRE(client.put(deal_url(id), R"({"stage_id":2})").status == 200);
    server.clock().advance_seconds(50);
    // The most recently entered stage comes first.
    CHECK(seconds(get_ok(client, deal_url(id))) == Stages{{"2", 50}, {"1", 100}});

    // Back to the first stage: the new visit adds to the old one.
    REQUIRE(client.put(deal_url(id), R"({"stage_id":1})").status == 200);
    server.clock().advance_seconds(25);
    CHECK(seconds(get_ok(client, deal_url(id))) == Stages{{"1", 125}, {"2", 50}});

    // A closed deal's clock stops.
    REQUIRE(client.put(status_url(id, "won"), "").status == 200);
    server.clock().advance_seconds(1000);
    CHECK(seconds(get_ok(client, deal_url(id))) == Stages{{"1", 125}, {"2", 50}});

    // Reopening starts a new visit of the current stage.
    REQUIRE(client.put(status_url(id, "open"), "").status == 200);
    server.clock().advance_seconds(10);
    CHECK(seconds(get_ok(client, deal_url(id))) == Stages{{"1", 135}, {"2", 50}});
}

TEST_CASE("moving a closed deal changes its stage without counting time", "[http][status]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Closed mover", R"(,"status":"won")");
    server.clock().advance_seconds(40);
    const auto res = client.put(deal_url(id), R"({"stage_id":5})");
    REQUIRE(res.status == 200);
    const auto deal = parse(res.body);
    CHECK(deal["stage_id"].GetInt64() == 5);
    CHECK(text(deal["stage_changed_date"]) == "2026-03-01T10:00:40.000000Z");
    server.clock().advance_seconds(40);
    const auto later = get_ok(client, deal_url(id));
    CHECK(later["time_in_stages"].IsArray());
    CHECK(later["time_in_stages"].Empty());
}
