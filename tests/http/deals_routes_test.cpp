// POST, GET and PUT /api/deals: the deal object of contract §3 and the update rules of §5.

#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

bool has(const deals::json::Value& object, const char* key) { return object.HasMember(key); }

}  // namespace

TEST_CASE("creating an open deal answers 201 with every key of the deal object", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto res = client.post(
        "/api/deals",
        R"({"name":"Acme renewal","stage_id":1,"amount":1250.5,"expected_close_date":"2026-04-15"})");
    INFO(res.body);
    REQUIRE(res.status == 201);
    CHECK(res.header("content-type") == "application/json; charset=utf-8");
    CHECK(res.header("etag") == "\"1\"");
    const auto deal = parse(res.body);

    for (const char* key : {"id",
                            "name",
                            "display_name",
                            "path",
                            "pipeline_id",
                            "pipeline",
                            "stage_id",
                            "stage",
                            "amount",
                            "expected_close_date",
                            "status",
                            "lost_reason",
                            "stage_changed_date",
                            "falls_behind_expected_close_date",
                            "time_in_stages",
                            "board_order",
                            "user_id",
                            "user",
                            "owner_assigned_date",
                            "swatch_color",
                            "products_count",
                            "contacts_count",
                            "companies_count",
                            "activities_count",
                            "contacts",
                            "companies",
                            "activities",
                            "associations_count",
                            "created_at",
                            "updated_at",
                            "timeline_subject_key",
                            "authorizations",
                            "was_recently_created",
                            "version"}) {
        INFO("key " << key);
        CHECK(has(deal, key));
    }
    CHECK_FALSE(has(deal, "won_date"));
    CHECK_FALSE(has(deal, "lost_date"));
    CHECK_FALSE(has(deal, "billable"));

    CHECK(deal["id"].GetInt64() == 1);
    CHECK(text(deal["name"]) == "Acme renewal");
    CHECK(text(deal["display_name"]) == "Acme renewal");
    CHECK(text(deal["path"]) == "/deals/1");
    CHECK(deal["pipeline_id"].GetInt64() == 1);
    CHECK(deal["pipeline"]["id"].GetInt64() == 1);
    CHECK(deal["pipeline"]["stages"].Size() == 5);  // single-record: the pipeline's stages
    CHECK(deal["stage_id"].GetInt64() == 1);
    CHECK(deal["stage"]["id"].GetInt64() == 1);
    CHECK(text(deal["stage"]["name"]) == "Qualified To Buy");
    CHECK(raw_number(res.body, "amount") == "1250.5");
    CHECK(text(deal["expected_close_date"]) == "2026-04-15T00:00:00.000000Z");
    CHECK(text(deal["status"]) == "open");
    CHECK(deal["lost_reason"].IsNull());
    CHECK(deal["stage_changed_date"].IsNull());
    CHECK(deal["falls_behind_expected_close_date"].IsFalse());
    REQUIRE(deal["time_in_stages"].IsObject());
    CHECK(keys_of(deal["time_in_stages"]) == std::vector<std::string>{"1"});
    CHECK(raw_number(res.body, "1") == "0");
    CHECK(deal["board_order"].GetInt64() == 0);
    CHECK(deal["user_id"].IsNull());
    CHECK(deal["user"].IsNull());
    CHECK(deal["owner_assigned_date"].IsNull());
    CHECK(deal["swatch_color"].IsNull());
    CHECK(deal["products_count"].GetInt64() == 0);
    CHECK(deal["contacts_count"].GetInt64() == 0);
    CHECK(deal["companies_count"].GetInt64() == 0);
    CHECK(deal["activities_count"].GetInt64() == 0);
    CHECK(deal["contacts"].IsArray());
    CHECK(deal["contacts"].Empty());
    CHECK(deal["companies"].IsArray());
    CHECK(deal["companies"].Empty());
    CHECK(deal["activities"].IsArray());
    CHECK(deal["activities"].Empty());
    CHECK(deal["associations_count"].GetInt64() == 0);
    CHECK(text(deal["created_at"]) == kStartTime);
    CHECK(text(deal["updated_at"]) == kStartTime);
    CHECK(text(deal["timeline_subject_key"]) == "deal");
    CHECK(deal["was_recently_created"].IsTrue());
    CHECK(deal["version"].GetInt64() == 1);
}

TEST_CASE("a deal without a close date has no falls_behind_expected_close_date key",
          "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto deal = create_deal(client, R"({"name":"No date","stage_id":1})");
    CHECK(deal["expected_close_date"].IsNull());
    CHECK_FALSE(deal.HasMember("falls_behind_expected_close_date"));
}

TEST_CASE("a deal falls behind once the midnight of its close date has passed", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    // The clock stands at 2026-03-01T10:00Z: today's midnight has passed, tomorrow's has not.
    const auto today =
        create_deal(client, R"({"name":"Today","stage_id":1,"expected_close_date":"2026-03-01"})");
    CHECK(today["falls_behind_expected_close_date"].IsTrue());
    const auto tomorrow = create_deal(
        client, R"({"name":"Tomorrow","stage_id":1,"expected_close_date":"2026-03-02"})");
    CHECK(tomorrow["falls_behind_expected_close_date"].IsFalse());

    server.clock().advance_seconds(24 * 3600);
    const auto later = get_ok(client, "/api/deals/" + std::to_string(tomorrow["id"].GetInt64()));
    CHECK(later["falls_behind_expected_close_date"].IsTrue());
}

TEST_CASE("a closed deal never falls behind its close date", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto deal = create_deal(
        client,
        R"({"name":"Closed","stage_id":1,"status":"won","expected_close_date":"2026-01-01"})");
    REQUIRE(deal.HasMember("falls_behind_expected_close_date"));
    CHECK(deal["falls_behind_expected_close_date"].IsFalse());
}

TEST_CASE("a deal created as won has won_date, no lost_date and empty time_in_stages",
          "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto res = client.post(
        "/api/deals", R"({"name":"Won","stage_id":2,"status":"won","lost_reason":"ignored"})");
    REQUIRE(res.status == 201);
    const auto deal = parse(res.body);
    CHECK(text(deal["status"]) == "won");
    REQUIRE(deal.HasMember("won_date"));
    CHECK(text(deal["won_date"]) == kStartTime);
    CHECK_FALSE(deal.HasMember("lost_date"));
    CHECK(deal["lost_reason"].IsNull());
    REQUIRE(deal["time_in_stages"].IsArray());
    CHECK(deal["time_in_stages"].Empty());
    CHECK(res.body.find("\"time_in_stages\":[]") != std::string::npos);
}

TEST_CASE("a deal created as lost has lost_date and its reason, and no won_date", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto deal = create_deal(
        client, R"({"name":"Lost","stage_id":1,"status":"lost","lost_reason":"Too expensive"})");
    CHECK(text(deal["status"]) == "lost");
    REQUIRE(deal.HasMember("lost_date"));
    CHECK(text(deal["lost_date"]) == kStartTime);
    CHECK_FALSE(deal.HasMember("won_date"));
    CHECK(text(deal["lost_reason"]) == "Too expensive");
    CHECK(deal["time_in_stages"].IsArray());
}

TEST_CASE("GET by id answers the single-record deal with was_recently_created false",
          "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Single");
    const auto res = client.get("/api/deals/" + std::to_string(id));
    REQUIRE(res.status == 200);
    CHECK(res.header("etag") == "\"1\"");
    const auto deal = parse(res.body);
    CHECK(deal["id"].GetInt64() == id);
    CHECK(deal["was_recently_created"].IsFalse());
    CHECK(deal["contacts"].IsArray());
    CHECK(deal["companies"].IsArray());
    CHECK(deal["activities"].IsArray());
    CHECK(deal["associations_count"].GetInt64() == 0);
    CHECK(deal["pipeline"].HasMember("stages"));
    CHECK(deal["version"].GetInt64() == 1);
}

TEST_CASE("list items leave out the association arrays, associations_count and stages",
          "[http][deals]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "Listed");
    const auto page = get_ok(client, "/api/deals");
    REQUIRE(page["data"].Size() == 1);
    const auto& item = page["data"][0];
    CHECK_FALSE(item.HasMember("contacts"));
    CHECK_FALSE(item.HasMember("companies"));
    CHECK_FALSE(item.HasMember("activities"));
    CHECK_FALSE(item.HasMember("associations_count"));
    CHECK(item.HasMember("contacts_count"));
    CHECK(item.HasMember("companies_count"));
    CHECK(item.HasMember("activities_count"));
    CHECK(item.HasMember("authorizations"));
    CHECK(item.HasMember("version"));
    CHECK_FALSE(item["pipeline"].HasMember("stages"));
    CHECK(item["was_recently_created"].IsFalse());
}

TEST_CASE("a stage may be given by its name, trimmed and ignoring case", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto deal = create_deal(client, R"({"name":"By name","stage_id":"  contact MADE "})");
    CHECK(deal["stage_id"].GetInt64() == 2);
    CHECK(text(deal["stage"]["name"]) == "Contact Made");
    CHECK(deal["pipeline_id"].GetInt64() == 1);
}

TEST_CASE("the pipeline is always the stage's pipeline", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto deal =
        create_deal(client, R"({"name":"Pipe","stage_id":4,"pipeline_id":"sales pipeline"})");
    CHECK(deal["pipeline_id"].GetInt64() == 1);
    CHECK(deal["stage_id"].GetInt64() == 4);
}

TEST_CASE("amounts print without a needless fraction and a missing amount prints 0",
          "[http][deals]") {
    TestServer server;
    auto client = server.client();
    struct Case {
        const char* input;
        const char* printed;
    };
    for (const Case c : {Case{"1250.5", "1250.5"}, Case{"1800", "1800"}, Case{"1800.0", "1800"},
                         Case{"\"1800.00\"", "1800"}, Case{"null", "0"}, Case{"\"\"", "0"},
                         Case{"35.663", "35.663"}, Case{"-20.25", "-20.25"}, Case{"0", "0"}}) {
        const auto res = client.post(
            "/api/deals", std::string(R"({"name":"Money","stage_id":1,"amount":)") + c.input + "}");
        INFO("amount " << c.input << " -> " << res.body);
        REQUIRE(res.status == 201);
        CHECK(raw_number(res.body, "amount") == c.printed);
        const auto id = parse(res.body)["id"].GetInt64();
        const auto again = client.get("/api/deals/" + std::to_string(id));
        CHECK(raw_number(again.body, "amount") == c.printed);
    }
    const auto absent = create_deal(client, R"({"name":"No amount","stage_id":1})");
    CHECK(absent["amount"].IsNumber());
    CHECK(absent["amount"].GetDouble() == 0.0);
}

TEST_CASE("amounts keep three decimals, rounding half away from zero", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    struct Case {
        const char* input;
        const char* printed;
    };
    for (const Case c : {Case{"10.0005", "10.001"}, Case{"-10.0005", "-10.001"},
                         Case{"10.0004", "10"}, Case{"\"12.3456\"", "12.346"},
                         Case{"0.1239", "0.124"}, Case{"99.9995", "100"}, Case{"1e3", "1000"}}) {
        const auto res = client.post(
            "/api/deals", std::string(R"({"name":"Round","stage_id":1,"amount":)") + c.input + "}");
        INFO("amount " << c.input << " -> " << res.body);
        REQUIRE(res.status == 201);
        CHECK(raw_number(res.body, "amount") == c.printed);
    }
}

TEST_CASE("an owner given at creation is shown with owner_assigned_date", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto deal = create_deal(client, R"({"name":"Owned","stage_id":1,"user_id":1})");
    CHECK(deal["user_id"].GetInt64() == 1);
    REQUIRE(deal["user"].IsObject());
    CHECK(deal["user"]["id"].GetInt64() == 1);
    CHECK(text(deal["user"]["name"]) == "Admin");
    CHECK(text(deal["owner_assigned_date"]) == kStartTime);
}

TEST_CASE("the owner may be given by user name", "[http][deals]") {
    TestServer server;
    add_user_with_token(server.store(), "Bea Seller", "bea@example.com", false);
    auto client = server.client();
    const auto deal =
        create_deal(client, R"({"name":"Owned","stage_id":1,"user_id":"bea seller"})");
    REQUIRE(deal["user"].IsObject());
    CHECK(text(deal["user"]["name"]) == "Bea Seller");
}

TEST_CASE("keys that are not deal fields are ignored on create", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto deal = create_deal(
        client,
        R"({"name":"Extra","stage_id":1,"won_date":"2020-01-01","board_order":7,"id":99,"version":5})");
    CHECK(deal["id"].GetInt64() == 1);
    CHECK_FALSE(deal.HasMember("won_date"));
    CHECK(deal["board_order"].GetInt64() == 0);
    CHECK(deal["version"].GetInt64() == 1);
}

TEST_CASE("updating a deal answers 200 with the changed fields and the next version",
          "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Before", R"(,"amount":100)");
    server.clock().advance_seconds(60);
    const auto res = client.put(
        "/api/deals/" + std::to_string(id),
        R"({"name":"  After  ","amount":"1800.00","swatch_color":"#a1b2c3","expected_close_date":"2026-05-01T15:30:00Z"})");
    INFO(res.body);
    REQUIRE(res.status == 200);
    CHECK(res.header("etag") == "\"2\"");
    const auto deal = parse(res.body);
    CHECK(text(deal["name"]) == "After");
    CHECK(text(deal["display_name"]) == "After");
    CHECK(raw_number(res.body, "amount") == "1800");
    CHECK(text(deal["swatch_color"]) == "#a1b2c3");
    CHECK(text(deal["expected_close_date"]) == "2026-05-01T00:00:00.000000Z");
    CHECK(deal["was_recently_created"].IsFalse());
    CHECK(deal["version"].GetInt64() == 2);
    CHECK(text(deal["created_at"]) == kStartTime);
    CHECK(text(deal["updated_at"]) == "2026-03-01T10:01:00.000000Z");
    CHECK(deal["stage_changed_date"].IsNull());  // the stage did not change
    CHECK(deal["contacts"].IsArray());
    CHECK(deal["associations_count"].GetInt64() == 0);

    const auto shown = get_ok(client, "/api/deals/" + std::to_string(id));
    CHECK(text(shown["name"]) == "After");
    CHECK(shown["version"].GetInt64() == 2);
}

TEST_CASE("fields left out of an update keep their values", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Keep", R"(,"amount":42,"swatch_color":"#fff")");
    const auto res = client.put("/api/deals/" + std::to_string(id), R"({"name":"Kept"})");
    REQUIRE(res.status == 200);
    const auto deal = parse(res.body);
    CHECK(raw_number(res.body, "amount") == "42");
    CHECK(text(deal["swatch_color"]) == "#fff");
    CHECK(deal["stage_id"].GetInt64() == 1);
}

TEST_CASE("a null amount on update prints 0 and a null close date removes the behind flag",
          "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto id =
        create_named(client, "Clear", R"(,"amount":42,"expected_close_date":"2026-01-01")");
    const auto res = client.put("/api/deals/" + std::to_string(id),
                                R"({"amount":null,"expected_close_date":null})");
    REQUIRE(res.status == 200);
    const auto deal = parse(res.body);
    CHECK(raw_number(res.body, "amount") == "0");
    CHECK(deal["expected_close_date"].IsNull());
    CHECK_FALSE(deal.HasMember("falls_behind_expected_close_date"));
}

TEST_CASE("moving a deal to another stage sets stage_changed_date to now", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Mover");
    server.clock().advance_seconds(90);
    const auto res = client.put("/api/deals/" + std::to_string(id), R"({"stage_id":3})");
    REQUIRE(res.status == 200);
    const auto deal = parse(res.body);
    CHECK(deal["stage_id"].GetInt64() == 3);
    CHECK(text(deal["stage"]["name"]) == "Presentation Scheduled");
    CHECK(text(deal["stage_changed_date"]) == "2026-03-01T10:01:30.000000Z");

    // Moving by stage name, with the pipeline named alongside.
    server.clock().advance_seconds(30);
    const auto by_name = client.put("/api/deals/" + std::to_string(id),
                                    R"({"pipeline_id":1,"stage_id":"Proposal Made"})");
    REQUIRE(by_name.status == 200);
    const auto moved = parse(by_name.body);
    CHECK(moved["stage_id"].GetInt64() == 4);
    CHECK(text(moved["stage_changed_date"]) == "2026-03-01T10:02:00.000000Z");
}

TEST_CASE("changing the owner sets owner_assigned_date to now", "[http][deals]") {
    TestServer server;
    add_user_with_token(server.store(), "Second", "second@example.com", false);
    auto client = server.client();
    const auto id = create_named(client, "Owner change", R"(,"user_id":1)");
    server.clock().advance_seconds(3600);
    const auto res = client.put("/api/deals/" + std::to_string(id), R"({"user_id":2})");
    REQUIRE(res.status == 200);
    const auto deal = parse(res.body);
    CHECK(deal["user_id"].GetInt64() == 2);
    CHECK(text(deal["user"]["name"]) == "Second");
    CHECK(text(deal["owner_assigned_date"]) == "2026-03-01T11:00:00.000000Z");

    // The same owner again changes nothing.
    server.clock().advance_seconds(60);
    const auto same = client.put("/api/deals/" + std::to_string(id), R"({"user_id":2})");
    REQUIRE(same.status == 200);
    CHECK(text(parse(same.body)["owner_assigned_date"]) == "2026-03-01T11:00:00.000000Z");
}

TEST_CASE("an owner can be removed with a null user_id", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Unassign", R"(,"user_id":1)");
    const auto res = client.put("/api/deals/" + std::to_string(id), R"({"user_id":null})");
    REQUIRE(res.status == 200);
    const auto deal = parse(res.body);
    CHECK(deal["user_id"].IsNull());
    CHECK(deal["user"].IsNull());
}

TEST_CASE("HEAD is answered like GET, without a body", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Headed");
    const auto target = "/api/deals/" + std::to_string(id);
    const auto got = client.get(target);
    const auto head = client.request("HEAD", target);
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.header("content-length") == std::to_string(got.body.size()));
    CHECK(head.header("etag") == "\"1\"");
    CHECK(head.header("content-type") == "application/json; charset=utf-8");

    const auto list = client.get("/api/deals");
    const auto list_head = client.request("HEAD", "/api/deals");
    CHECK(list_head.status == 200);
    CHECK(list_head.body.empty());
    CHECK(list_head.header("content-length") == std::to_string(list.body.size()));
    const auto missing = client.request("HEAD", "/api/deals/999");
    CHECK(missing.status == 404);
    CHECK(missing.body.empty());
}

TEST_CASE("every response carries X-Request-Id and X-App-Version", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto sent = client.request("GET", "/api/deals", {}, {{"X-Request-Id", "trace-42.abc"}});
    CHECK(sent.status == 200);
    CHECK(sent.header("x-request-id") == "trace-42.abc");
    CHECK(sent.header("x-app-version").has_value());

    const auto generated = client.get("/api/deals");
    const auto id = generated.header("x-request-id");
    REQUIRE(id.has_value());
    CHECK_FALSE(id->empty());
    const auto another = client.get("/api/deals");
    CHECK(another.header("x-request-id") != id);

    // Also on errors, where the request never reaches a handler.
    auto anonymous = server.client("");
    const auto denied = anonymous.request("GET", "/api/deals", {}, {{"X-Request-Id", "denied-1"}});
    CHECK(denied.status == 401);
    CHECK(denied.header("x-request-id") == "denied-1");
    CHECK(denied.header("x-app-version").has_value());
}

TEST_CASE("ids are allocated in order and a rejected create uses none", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    CHECK(create_named(client, "First") == 1);
    CHECK(client.post("/api/deals", R"({"name":"Bad"})").status == 422);
    CHECK(create_named(client, "Second") == 2);
    const auto page = get_ok(client, "/api/deals");
    CHECK(page["meta"]["total"].GetInt64() == 2);
}

TEST_CASE("strings are trimmed on input", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto deal = create_deal(
        client,
        R"({"name":"  Padded  ","stage_id":1,"status":" lost ","lost_reason":"  budget  "})");
    CHECK(text(deal["name"]) == "Padded");
    CHECK(text(deal["status"]) == "lost");
    CHECK(text(deal["lost_reason"]) == "budget");
}

TEST_CASE("non-ASCII names are stored and returned as UTF-8", "[http][deals]") {
    TestServer server;
    auto client = server.client();
    const auto deal = create_deal(client, "{\"name\":\"Caf\xC3\xA9 \\u00c5sa\",\"stage_id\":1}");
    CHECK(text(deal["name"]) == "Caf\xC3\xA9 \xC3\x85sa");
}
