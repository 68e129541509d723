// Pipelines, stages, users and /healthz (contract §9, §11, §14).

#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;
using deals::events::DealsScope;

namespace {

const std::vector<std::string> kSeededStages = {"Qualified To Buy", "Contact Made",
                                                "Presentation Scheduled", "Proposal Made",
                                                "Appointment Scheduled"};

const std::vector<std::string> kStageKeys = {
    "id",           "name",       "win_probability", "display_order",       "pipeline_id",
    "display_name", "created_at", "updated_at",      "was_recently_created"};

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

void check_stage_shape(const deals::json::Value& stage) {
    CHECK(sorted(keys_of(stage)) == sorted(kStageKeys));
    CHECK(stage["win_probability"].GetInt64() == 100);
    CHECK(stage["pipeline_id"].GetInt64() == 1);
    CHECK(text(stage["display_name"]) == std::to_string(stage["id"].GetInt64()));
    CHECK(stage["was_recently_created"].IsFalse());
}

}  // namespace

TEST_CASE("the pipelines list holds the seeded Sales Pipeline without its stages",
          "[http][directory]") {
    TestServer server;
    auto client = server.client();
    const auto page = get_ok(client, "/api/pipelines");
    REQUIRE(page["data"].Size() == 1);
    const auto& p = page["data"][0];
    CHECK(p["id"].GetInt64() == 1);
    CHECK(text(p["name"]) == "Sales Pipeline");
    CHECK(text(p["flag"]) == "default");
    CHECK(p["is_primary"].IsTrue());
    CHECK_FALSE(p.HasMember("stages"));
    CHECK(text(p["display_name"]) == "1");
    CHECK(p.HasMember("created_at"));
    CHECK(p.HasMember("updated_at"));
    CHECK(p["authorizations"].IsObject());
    CHECK(p["was_recently_created"].IsFalse());
    CHECK(page["meta"]["total"].GetInt64() == 1);
    CHECK(page.HasMember("links"));
}

TEST_CASE("one pipeline lists its five seeded stages in display order", "[http][directory]") {
    TestServer server;
    auto client = server.client();
    const auto p = get_ok(client, "/api/pipelines/1");
    CHECK(sorted(keys_of(p)) ==
          sorted({"id", "name", "flag", "is_primary", "stages", "display_name", "created_at",
                  "updated_at", "authorizations", "was_recently_created"}));
    CHECK(text(p["name"]) == "Sales Pipeline");
    CHECK(text(p["flag"]) == "default");
    CHECK(p["is_primary"].IsTrue());
    REQUIRE(p["stages"].IsArray());
    CHECK(names_of(p["stages"]) == kSeededStages);
    std::int64_t order = 0;
    for (const auto& stage : p["stages"].GetArray()) {
        check_stage_shape(stage);
        CHECK(stage["display_order"].GetInt64() == ++order);
    }
    for (const char* key : {"viewAny", "view", "create", "update", "delete"}) {
        INFO(key);
        CHECK(p["authorizations"][key].IsTrue());
    }
}

TEST_CASE("a user who is not a super-admin may view but not change pipelines",
          "[http][directory]") {
    TestServer server;
    const auto token =
        add_user_with_token(server.store(), "Plain", "plain@example.com", false, DealsScope::kAll);
    auto client = server.client(token);
    const auto p = get_ok(client, "/api/pipelines/1");
    CHECK(p["authorizations"]["viewAny"].IsTrue());
    CHECK(p["authorizations"]["view"].IsTrue());
    CHECK(p["authorizations"]["create"].IsFalse());
    CHECK(p["authorizations"]["update"].IsFalse());
    CHECK(p["authorizations"]["delete"].IsFalse());
}

TEST_CASE("a missing pipeline answers 404", "[http][directory]") {
    TestServer server;
    auto client = server.client();
    expect_body(client, "GET", "/api/pipelines/999", "", 404,
                R"({"message":"No query results for model [Pipeline] 999"})");
    const auto stages = client.get("/api/pipelines/999/stages");
    CHECK(stages.status == 404);
    CHECK(stages.body == R"({"message":"No query results for model [Pipeline] 999"})");
    const auto word = client.get("/api/pipelines/sales");
    CHECK(word.status == 404);
    CHECK(word.body == R"({"message":"No query results for model [Pipeline] sales"})");
}

TEST_CASE("a pipeline's stages are listed in display order, paginated", "[http][directory]") {
    TestServer server;
    auto client = server.client();
    const auto page = get_ok(client, "/api/pipelines/1/stages");
    CHECK(names_of(page["data"]) == kSeededStages);
    for (const auto& stage : page["data"].GetArray()) {
        check_stage_shape(stage);
    }
    CHECK(page["meta"]["total"].GetInt64() == 5);
    CHECK(page["meta"]["per_page"].GetInt64() == 15);

    const auto two = get_ok(client, "/api/pipelines/1/stages?per_page=2&page=2");
    CHECK(names_of(two["data"]) ==
          std::vector<std::string>{"Presentation Scheduled", "Proposal Made"});
    CHECK(two["meta"]["last_page"].GetInt64() == 3);
}

TEST_CASE("all stages are listed by name and each can be fetched", "[http][directory]") {
    TestServer server;
    auto client = server.client();
    const auto page = get_ok(client, "/api/pipeline-stages");
    CHECK(names_of(page["data"]) ==
          std::vector<std::string>{"Appointment Scheduled", "Contact Made",
                                   "Presentation Scheduled", "Proposal Made", "Qualified To Buy"});
    CHECK(page["meta"]["total"].GetInt64() == 5);

    const auto stage = get_ok(client, "/api/pipeline-stages/3");
    check_stage_shape(stage);
    CHECK(text(stage["name"]) == "Presentation Scheduled");
    CHECK(stage["display_order"].GetInt64() == 3);

    expect_body(client, "GET", "/api/pipeline-stages/42", "", 404,
                R"({"message":"No query results for model [Stage] 42"})");
}

TEST_CASE("the users list and a single user have the user shape", "[http][directory]") {
    TestServer server;
    add_user_with_token(server.store(), "Zed Seller", "zed@example.com", false);
    add_user_with_token(server.store(), "Bea All", "bea@example.com", false, DealsScope::kAll);
    auto client = server.client();

    const auto page = get_ok(client, "/api/users");
    auto ids = ids_of(page["data"]);
    std::sort(ids.begin(), ids.end());
    CHECK(ids == std::vector<std::int64_t>{1, 2, 3});
    CHECK(page["meta"]["total"].GetInt64() == 3);

    const auto admin = get_ok(client, "/api/users/1");
    CHECK(sorted(keys_of(admin)) ==
          sorted({"id", "name", "email", "super_admin", "access_api", "deals_scope", "display_name",
                  "created_at", "updated_at"}));
    CHECK(text(admin["name"]) == "Admin");
    CHECK(text(admin["email"]) == "admin@example.com");
    CHECK(admin["super_admin"].IsTrue());
    CHECK(admin["access_api"].IsTrue());
    CHECK(text(admin["deals_scope"]) == "all");
    CHECK(text(admin["created_at"]) == kStartTime);

    const auto zed = get_ok(client, "/api/users/2");
    CHECK(text(zed["name"]) == "Zed Seller");
    CHECK(zed["super_admin"].IsFalse());
    CHECK(zed["access_api"].IsTrue());
    CHECK(text(zed["deals_scope"]) == "own");
    CHECK(text(get_ok(client, "/api/users/3")["deals_scope"]) == "all");

    expect_body(client, "GET", "/api/users/99", "", 404,
                R"({"message":"No query results for model [User] 99"})");
}

TEST_CASE("a deal's nested user is the user object", "[http][directory]") {
    TestServer server;
    add_user_with_token(server.store(), "Zed Seller", "zed@example.com", false);
    auto client = server.client();
    const auto deal = create_deal(client, R"({"name":"Nested","stage_id":1,"user_id":2})");
    const auto user = get_ok(client, "/api/users/2");
    REQUIRE(deal["user"].IsObject());
    CHECK(deal["user"] == user);
}

TEST_CASE("healthz reports the log sequence and the Kafka relay", "[http][directory]") {
    TestServer server;
    auto anonymous = server.client("");
    const auto res = anonymous.get("/healthz");
    REQUIRE(res.status == 200);
    CHECK(res.header("content-type") == "application/json; charset=utf-8");
    const auto before = parse(res.body);
    CHECK(keys_of(before) ==
          std::vector<std::string>{"status", "sequence", "role", "tls", "ack", "kafka"});
    CHECK(text(before["status"]) == "ok");
    CHECK(before["tls"].IsFalse());
    CHECK(text(before["role"]) == "leader");
    CHECK(text(before["ack"]) == "local");
    REQUIRE(before["sequence"].IsUint64());
    REQUIRE(before["kafka"].IsObject());
    CHECK(sorted(keys_of(before["kafka"])) == sorted({"mode", "published_sequence", "lag"}));
    const auto mode = text(before["kafka"]["mode"]);
    CHECK((mode == "embedded" || mode == "external" || mode == "off"));
    CHECK(before["kafka"]["published_sequence"].IsUint64());
    CHECK(before["kafka"]["lag"].IsUint64());
    CHECK(before["kafka"]["published_sequence"].GetUint64() <= before["sequence"].GetUint64());

    auto admin = server.client();
    create_named(admin, "One event");
    const auto after = parse(anonymous.get("/healthz").body);
    CHECK(after["sequence"].GetUint64() == before["sequence"].GetUint64() + 1);

    const auto head = anonymous.request("HEAD", "/healthz");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
}
