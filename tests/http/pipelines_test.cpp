// POST/PUT/DELETE /api/pipelines and /api/pipeline-stages: contract §9.

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;
namespace json = deals::json;

namespace {

/// Creates pipeline "Partners" with stages Intro (order 2) and Offer (order 1); its id.
std::int64_t partners(HttpClient& client) {
    const auto p = expect(client, "POST", "/api/pipelines",
                          R"({"name":"Partners","stages":[{"name":"Intro","win_probability":10,)"
                          R"("display_order":2},{"name":"Offer","win_probability":60,)"
                          R"("display_order":1}]})",
                          201);
    return p["id"].GetInt64();
}

std::string pipeline_path(std::int64_t id) { return "/api/pipelines/" + std::to_string(id); }
std::string stage_path(std::int64_t id) { return "/api/pipeline-stages/" + std::to_string(id); }

std::vector<std::string> stage_names(HttpClient& client, std::int64_t pipeline) {
    return names_of(get_ok(client, pipeline_path(pipeline) + "/stages")["data"]);
}

const std::string kUnauthorized = R"({"message":"This action is unauthorized."})";

}  // namespace

TEST_CASE("a super-admin creates a pipeline with its stages", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();

    const auto res = client.post(
        "/api/pipelines",
        R"({"name":"  Partners  ","stages":[{"name":"Intro","win_probability":10,"display_order":2},)"
        R"({"name":"Offer","win_probability":"60","display_order":1}]})");

    REQUIRE(res.status == 201);
    const auto p = parse(res.body);
    CHECK(keys_of(p) == std::vector<std::string>{"id", "name", "flag", "is_primary", "stages",
                                                 "display_name", "created_at", "updated_at",
                                                 "authorizations", "was_recently_created"});
    CHECK(p["id"].GetInt64() == 2);
    CHECK(text(p["name"]) == "Partners");
    CHECK(p["flag"].IsNull());
    CHECK(p["is_primary"].GetBool() == false);
    CHECK(p["was_recently_created"].GetBool());
    CHECK(p["authorizations"]["delete"].GetBool());
    CHECK(text(p["created_at"]) == kStartTime);
    // Stages in display order, with the ids that follow the default pipeline's.
    CHECK(names_of(p["stages"]) == std::vector<std::string>{"Offer", "Intro"});
    CHECK(ids_of(p["stages"]) == std::vector<std::int64_t>{7, 6});
    CHECK(p["stages"][0]["win_probability"].GetInt() == 60);
    CHECK(p["stages"][0]["pipeline_id"].GetInt() == 2);
    CHECK(p["stages"][0]["was_recently_created"].GetBool());

    // Read back: no longer recently created; listed with the default pipeline.
    const auto shown = get_ok(client, "/api/pipelines/2");
    CHECK(shown["was_recently_created"].GetBool() == false);
    CHECK(names_of(shown["stages"]) == std::vector<std::string>{"Offer", "Intro"});
    CHECK(names_of(get_ok(client, "/api/pipelines")["data"]) ==
          std::vector<std::string>{"Partners", "Sales Pipeline"});
    CHECK(stage_names(client, 2) == std::vector<std::string>{"Offer", "Intro"});
    CHECK(get_ok(client, "/api/pipeline-stages")["meta"]["total"].GetInt() == 7);
}

TEST_CASE("a pipeline may be created without stages", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();

    const auto p = expect(client, "POST", "/api/pipelines", R"({"name":"Empty","stages":[]})", 201);

    CHECK(p["stages"].GetArray().Size() == 0);
    CHECK(get_ok(client, pipeline_path(p["id"].GetInt64()) + "/stages")["data"].Size() == 0);
}

TEST_CASE("a deal in a new pipeline's stage belongs to that pipeline", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();
    const auto id = partners(client);

    const auto deal = create_deal(client, R"({"name":"Reseller","stage_id":6,"pipeline_id":1})");

    CHECK(deal["pipeline_id"].GetInt64() == id);
    CHECK(text(deal["pipeline"]["name"]) == "Partners");
    CHECK(text(deal["stage"]["name"]) == "Intro");
}

TEST_CASE("pipeline bodies are validated with Laravel's messages", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();

    expect_body(client, "POST", "/api/pipelines", "{}", 422,
                R"({"message":"The Name field is required.",)"
                R"("errors":{"name":["The Name field is required."]}})");
    expect_body(client, "POST", "/api/pipelines", R"({"name":"   "})", 422,
                R"({"message":"The Name field is required.",)"
                R"("errors":{"name":["The Name field is required."]}})");
    expect_body(client, "POST", "/api/pipelines", R"({"name":"sales PIPELINE"})", 422,
                R"({"message":"The Name has already been taken.",)"
                R"("errors":{"name":["The Name has already been taken."]}})");
    expect_body(client, "POST", "/api/pipelines", R"({"name":12})", 422,
                R"({"message":"The Name field must be a string.",)"
                R"("errors":{"name":["The Name field must be a string."]}})");
    expect_body(
        client, "POST", "/api/pipelines", R"({"name":")" + std::string(192, 'x') + R"("})", 422,
        R"({"message":"The Name field must not be greater than 191 characters.",)"
        R"("errors":{"name":["The Name field must not be greater than 191 characters."]}})");
    expect_body(client, "POST", "/api/pipelines", R"({"name":"P","stages":"x"})", 422,
                R"({"message":"The stages field must be an array.",)"
                R"("errors":{"stages":["The stages field must be an array."]}})");
    expect_body(
        client, "POST", "/api/pipelines",
        R"({"name":"P","stages":[{"win_probability":101},{"name":"A","win_probability":5},)"
        R"({"name":"a","win_probability":5,"display_order":"first"}]})",
        422,
        R"j({"message":"The stages.0.name field is required. (and 3 more errors)","errors":{)j"
        R"("stages.0.name":["The stages.0.name field is required."],)"
        R"("stages.0.win_probability":["The stages.0.win_probability field must be between 0 and 100."],)"
        R"("stages.2.name":["The stages.2.name field has a duplicate value."],)"
        R"("stages.2.display_order":["The stages.2.display_order field must be an integer."]}})");
    // Nothing was written by the refused requests.
    CHECK(get_ok(client, "/api/pipelines")["meta"]["total"].GetInt() == 1);
}

TEST_CASE("updating a pipeline renames it and changes or adds its stages", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();
    const auto id = partners(client);
    server.clock().advance_seconds(60);

    const auto p = expect(client, "PUT", pipeline_path(id),
                          R"({"name":"Partners Ünd Co","stages":[{"id":6,"display_order":0},)"
                          R"({"name":"Won","win_probability":100}]})",
                          200);

    CHECK(text(p["name"]) == "Partners Ünd Co");
    CHECK(p["was_recently_created"].GetBool() == false);
    CHECK(text(p["updated_at"]) == "2026-03-01T10:01:00.000000Z");
    CHECK(text(p["created_at"]) == kStartTime);
    CHECK(names_of(p["stages"]) == std::vector<std::string>{"Intro", "Offer", "Won"});
    CHECK(p["stages"][2]["id"].GetInt() == 8);
    CHECK(p["stages"][2]["display_order"].GetInt() == 3);

    // Renaming to its own name in another case is allowed; to another pipeline's is not.
    expect(client, "PUT", pipeline_path(id), R"({"name":"PARTNERS ünd co"})", 200);
    expect_body(client, "PUT", pipeline_path(id), R"({"name":"Sales Pipeline"})", 422,
                R"({"message":"The Name has already been taken.",)"
                R"("errors":{"name":["The Name has already been taken."]}})");
    expect_body(client, "PUT", pipeline_path(id), R"({"stages":[{"id":1,"name":"Mine"}]})", 422,
                R"({"message":"The selected stages.0.id is invalid.",)"
                R"("errors":{"stages.0.id":["The selected stages.0.id is invalid."]}})");
    // An update without changes answers the pipeline as it is.
    const auto same = expect(client, "PUT", pipeline_path(id), "{}", 200);
    CHECK(text(same["name"]) == "PARTNERS ünd co");
}

TEST_CASE("stages are created, changed and listed in display order", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();
    const auto id = partners(client);

    const auto s = expect(
        client, "POST", "/api/pipeline-stages",
        R"({"name":"Won","win_probability":100,"pipeline_id":)" + std::to_string(id) + "}", 201);
    CHECK(keys_of(s) == std::vector<std::string>{"id", "name", "win_probability", "display_order",
                                                 "pipeline_id", "display_name", "created_at",
                                                 "updated_at", "was_recently_created"});
    CHECK(s["id"].GetInt() == 8);
    CHECK(s["display_order"].GetInt() == 3);  // after the last one
    CHECK(s["was_recently_created"].GetBool());
    CHECK(stage_names(client, id) == std::vector<std::string>{"Offer", "Intro", "Won"});

    // Move Won first, then rename Intro: the listing follows.
    const auto moved = expect(client, "PUT", stage_path(8), R"({"display_order":0})", 200);
    CHECK(text(moved["name"]) == "Won");
    CHECK(moved["win_probability"].GetInt() == 100);
    CHECK(moved["was_recently_created"].GetBool() == false);
    expect(client, "PUT", stage_path(6), R"({"name":"Introduction","win_probability":15})", 200);
    CHECK(stage_names(client, id) == std::vector<std::string>{"Won", "Offer", "Introduction"});
    const auto intro = get_ok(client, stage_path(6));
    CHECK(intro["win_probability"].GetInt() == 15);
    CHECK(intro["display_order"].GetInt() == 2);
    // The same name in another pipeline is fine.
    expect(client, "POST", "/api/pipeline-stages",
           R"({"name":"Offer","win_probability":50,"pipeline_id":1})", 201);
}

TEST_CASE("stage bodies are validated with Laravel's messages", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();
    const auto id = partners(client);

    expect_body(client, "POST", "/api/pipeline-stages", "{}", 422,
                R"j({"message":"The Name field is required. (and 2 more errors)","errors":{)j"
                R"("name":["The Name field is required."],)"
                R"("win_probability":["The Win Probability field is required."],)"
                R"("pipeline_id":["The Pipeline field is required."]}})");
    expect_body(client, "POST", "/api/pipeline-stages",
                R"({"name":"offer","win_probability":101,"display_order":1.5,"pipeline_id":)" +
                    std::to_string(id) + "}",
                422,
                R"j({"message":"The Name has already been taken. (and 2 more errors)","errors":{)j"
                R"("name":["The Name has already been taken."],)"
                R"("win_probability":["The Win Probability field must be between 0 and 100."],)"
                R"("display_order":["The Display Order field must be an integer."]}})");
    expect_body(
        client, "POST", "/api/pipeline-stages",
        R"({"name":"New","win_probability":"high","pipeline_id":99})", 422,
        R"j({"message":"The Win Probability field must be an integer. (and 1 more error)",)j"
        R"("errors":{"win_probability":["The Win Probability field must be an integer."],)"
        R"("pipeline_id":["The selected Pipeline is invalid."]}})");
    expect_body(client, "PUT", stage_path(6), R"({"name":null,"win_probability":-1})", 422,
                R"j({"message":"The Name field is required. (and 1 more error)","errors":{)j"
                R"("name":["The Name field is required."],)"
                R"("win_probability":["The Win Probability field must be between 0 and 100."]}})");
    expect_body(client, "PUT", stage_path(6), R"({"name":"Offer"})", 422,
                R"({"message":"The Name has already been taken.",)"
                R"("errors":{"name":["The Name has already been taken."]}})");
    // A stage keeps its pipeline (its deals' pipeline is the stage's).
    expect_body(client, "PUT", stage_path(6), R"({"pipeline_id":1})", 409,
                R"({"message":"A stage cannot be moved to another pipeline."})");
    expect_body(client, "PUT", stage_path(6), R"({"pipeline_id":77})", 422,
                R"({"message":"The selected Pipeline is invalid.",)"
                R"("errors":{"pipeline_id":["The selected Pipeline is invalid."]}})");
    CHECK(text(get_ok(client, stage_path(6))["name"]) == "Intro");
}

TEST_CASE("only super-admins create, update or delete pipelines and stages", "[http][pipelines]") {
    TestServer server;
    auto admin = server.client();
    const auto id = partners(admin);
    // A user who sees every deal, but is no super-admin.
    auto user = server.client(add_user_with_token(server.store(), "Sam Seller", "sam@example.com",
                                                  false, deals::events::DealsScope::kAll));

    expect_body(user, "POST", "/api/pipelines", R"({"name":"Mine"})", 403, kUnauthorized);
    expect_body(user, "POST", "/api/pipelines", "{}", 403, kUnauthorized);  // before validation
    expect_body(user, "PUT", pipeline_path(id), R"({"name":"Mine"})", 403, kUnauthorized);
    expect_body(user, "DELETE", pipeline_path(id), "", 403, kUnauthorized);
    expect_body(user, "POST", "/api/pipeline-stages",
                R"({"name":"Mine","win_probability":5,"pipeline_id":2})", 403, kUnauthorized);
    expect_body(user, "PUT", stage_path(6), R"({"name":"Mine"})", 403, kUnauthorized);
    expect_body(user, "DELETE", stage_path(6), "", 403, kUnauthorized);

    // Nothing changed, and they may still read; their authorizations say so.
    const auto p = get_ok(user, pipeline_path(id));
    CHECK(text(p["name"]) == "Partners");
    CHECK(names_of(p["stages"]) == std::vector<std::string>{"Offer", "Intro"});
    CHECK(p["authorizations"]["view"].GetBool());
    CHECK_FALSE(p["authorizations"]["create"].GetBool());
    CHECK_FALSE(p["authorizations"]["update"].GetBool());
    CHECK_FALSE(p["authorizations"]["delete"].GetBool());
    CHECK(get_ok(user, "/api/pipelines")["meta"]["total"].GetInt() == 2);
}

TEST_CASE("unknown pipelines and stages answer 404", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();
    auto user =
        server.client(add_user_with_token(server.store(), "Sam Seller", "sam@example.com", false));

    for (auto* c : {&client, &user}) {
        expect_body(*c, "PUT", "/api/pipelines/99", R"({"name":"X"})", 404,
                    R"({"message":"No query results for model [Pipeline] 99"})");
        expect_body(*c, "DELETE", "/api/pipelines/99", "", 404,
                    R"({"message":"No query results for model [Pipeline] 99"})");
        expect_body(*c, "PUT", "/api/pipeline-stages/99", R"({"name":"X"})", 404,
                    R"({"message":"No query results for model [Stage] 99"})");
        expect_body(*c, "DELETE", "/api/pipeline-stages/abc", "", 404,
                    R"({"message":"No query results for model [Stage] abc"})");
    }
    // A verb the path does not serve.
    const auto res = client.request("PATCH", "/api/pipelines/1", "{}");
    CHECK(res.status == 405);
    CHECK(res.body == R"({"message":"The PATCH method is not supported for route api/pipelines/1. )"
                      R"(Supported methods: GET, HEAD, PUT, DELETE."})");
}

TEST_CASE("the default pipeline cannot be deleted", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();

    expect_body(client, "DELETE", "/api/pipelines/1", "", 409,
                R"({"message":"The primary pipeline cannot be deleted."})");
    CHECK(get_ok(client, "/api/pipelines/1/stages")["meta"]["total"].GetInt() == 5);
    // Its stages may be renamed, like any other.
    expect(client, "PUT", stage_path(1), R"({"name":"Qualified"})", 200);
}

TEST_CASE("a pipeline or stage with deals, trashed ones included, cannot be deleted",
          "[http][pipelines]") {
    TestServer server;
    auto client = server.client();
    const auto id = partners(client);
    const auto deal = create_deal(client, R"({"name":"Reseller","stage_id":7})")["id"].GetInt64();
    const std::string pipeline_in_use =
        R"({"message":"The pipeline has deals and cannot be deleted (deals in the trash count )"
        R"(too); move or delete them first."})";
    const std::string stage_in_use =
        R"({"message":"The stage has deals and cannot be deleted (deals in the trash count )"
        R"(too); move or delete them first."})";

    expect_body(client, "DELETE", pipeline_path(id), "", 409, pipeline_in_use);
    expect_body(client, "DELETE", stage_path(7), "", 409, stage_in_use);

    // In the trash, the deal still holds them.
    expect(client, "DELETE", "/api/deals/" + std::to_string(deal), "", 204);
    expect_body(client, "DELETE", pipeline_path(id), "", 409, pipeline_in_use);
    expect_body(client, "DELETE", stage_path(7), "", 409, stage_in_use);

    // Restored and moved to the default pipeline, it holds them no more.
    expect(client, "POST", "/api/trashed/deals/" + std::to_string(deal), "", 200);
    expect(client, "PUT", "/api/deals/" + std::to_string(deal), R"({"stage_id":2})", 200);
    expect(client, "DELETE", stage_path(7), "", 204);
    expect_body(client, "GET", stage_path(7), "", 404,
                R"({"message":"No query results for model [Stage] 7"})");
    CHECK(stage_names(client, id) == std::vector<std::string>{"Intro"});
    // The default pipeline's stage 2 now has the deal.
    expect_body(client, "DELETE", stage_path(2), "", 409, stage_in_use);
}

TEST_CASE("deleting a pipeline deletes its stages", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();
    const auto id = partners(client);
    // A deal that was there and is purged does not hold the pipeline.
    const auto deal = create_deal(client, R"({"name":"Gone","stage_id":6})")["id"].GetInt64();
    expect(client, "DELETE", "/api/deals/" + std::to_string(deal), "", 204);
    expect(client, "DELETE", "/api/trashed/deals/" + std::to_string(deal), "", 204);

    const auto res = client.del(pipeline_path(id));

    CHECK(res.status == 204);
    CHECK(res.body.empty());
    expect_body(client, "GET", pipeline_path(id), "", 404,
                R"({"message":"No query results for model [Pipeline] 2"})");
    expect_body(client, "GET", pipeline_path(id) + "/stages", "", 404,
                R"({"message":"No query results for model [Pipeline] 2"})");
    expect(client, "GET", stage_path(6), "", 404);
    expect(client, "GET", stage_path(7), "", 404);
    CHECK(get_ok(client, "/api/pipeline-stages")["meta"]["total"].GetInt() == 5);
    CHECK(names_of(get_ok(client, "/api/pipelines")["data"]) ==
          std::vector<std::string>{"Sales Pipeline"});
    // Its name is free again; ids are never reused.
    const auto again =
        expect(client, "POST", "/api/pipelines",
               R"({"name":"Partners","stages":[{"name":"Intro","win_probability":1}]})", 201);
    CHECK(again["id"].GetInt() == 3);
    CHECK(again["stages"][0]["id"].GetInt() == 8);
    // Deleting again: it is gone.
    expect(client, "DELETE", pipeline_path(id), "", 404);
}

TEST_CASE("pipeline changes are recorded as events on the pipeline's stream", "[http][pipelines]") {
    TestServer server;
    auto client = server.client();
    const auto id = partners(client);
    expect(client, "PUT", pipeline_path(id), R"({"name":"Resellers"})", 200);
    expect(client, "PUT", stage_path(6), R"({"win_probability":20})", 200);
    // The pipeline's view knows its stream's version (for optimistic concurrency).
    server.store().read([](const deals::projections::Views& views) {
        CHECK(views.pipeline(deals::events::PipelineId{2})->version == 5u);
        return 0;
    });
    expect(client, "DELETE", pipeline_path(id), "", 204);

    const auto events = server.store().log().read_stream("pipeline-2", 1, 100);
    std::vector<std::string> types;
    for (const auto& e : events) {
        types.emplace_back(deals::events::type_name(e.data));
        CHECK(e.meta.actor.user_id == deals::events::UserId{1});
    }
    CHECK(types == std::vector<std::string>{"PipelineCreated", "StageCreated", "StageCreated",
                                            "PipelineUpdated", "StageUpdated", "StageDeleted",
                                            "StageDeleted", "PipelineDeleted"});
}

TEST_CASE("concurrent requests on one pipeline are decided one after the other",
          "[http][pipelines]") {
    TestServer server;
    auto admin = server.client();
    const auto id = partners(admin);
    constexpr int kRequests = 6;
    const auto statuses = concurrent_posts(
        server, kRequests, "/api/pipeline-stages",
        R"({"name":"Race","win_probability":5,"pipeline_id":)" + std::to_string(id) + "}");

    // The name is unique in the pipeline: one request made the stage, the others saw it.
    CHECK(std::count(statuses.begin(), statuses.end(), 201) == 1);
    CHECK(std::count(statuses.begin(), statuses.end(), 422) == kRequests - 1);
    CHECK(stage_names(admin, id) == std::vector<std::string>{"Offer", "Intro", "Race"});
}
