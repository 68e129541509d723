// 422 validation envelopes, malformed JSON (400) and oversized bodies (413): contract §1, §1.1,
// §5.1.

#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

/// Requires a 400 Malformed JSON envelope with nothing but a message.
void check_malformed(const HttpResult& res) {
    INFO(res.body);
    CHECK(res.status == 400);
    const auto body = parse(res.body);
    CHECK(keys_of(body) == std::vector<std::string>{"message"});
    CHECK(starts_with(text(body["message"]), "Malformed JSON: "));
    CHECK(text(body["message"]).size() > std::string("Malformed JSON: ").size());
}

}  // namespace

TEST_CASE("an empty create body answers 422 for the name and the stage", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const auto res = client.post("/api/deals", "{}");
    CHECK(res.status == 422);
    CHECK(res.header("content-type") == "application/json; charset=utf-8");
    CHECK(
        res.body ==
        R"j({"message":"The Deal Name field is required. (and 1 more error)","errors":{"name":["The Deal Name field is required."],"stage_id":["The Stage field is required."]}})j");
}

TEST_CASE("a create without a body is validated like an empty object", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const auto res = client.post("/api/deals", "");
    CHECK(res.status == 422);
    CHECK(
        res.body ==
        R"j({"message":"The Deal Name field is required. (and 1 more error)","errors":{"name":["The Deal Name field is required."],"stage_id":["The Stage field is required."]}})j");
}

TEST_CASE("every invalid field is reported in field order with a count of the rest",
          "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const std::string long_text(192, 'x');
    // Keys deliberately out of order: errors follow the field order of §5.1, not the body's.
    const std::string body = R"({"swatch_color":"red","user_id":999,"lost_reason":")" + long_text +
                             R"(","status":"maybe","expected_close_date":"not a date",)" +
                             R"("amount":"abc","stage_id":999,"pipeline_id":999,"name":")" +
                             long_text + R"("})";
    const auto res = client.post("/api/deals", body);
    CHECK(res.status == 422);
    CHECK(
        res.body ==
        R"j({"message":"The Deal Name field must not be greater than 191 characters. (and 8 more errors)","errors":{)j"
        R"("name":["The Deal Name field must not be greater than 191 characters."],)"
        R"("pipeline_id":["This Pipeline value is forbidden."],)"
        R"("stage_id":["The selected Stage is invalid."],)"
        R"("amount":["The Amount field must be a number."],)"
        R"("expected_close_date":["The Expected Close Date field must be a valid date."],)"
        R"("status":["The selected Status is invalid."],)"
        R"("lost_reason":["The Lost Reason field must not be greater than 191 characters."],)"
        R"("user_id":["The selected Owner is invalid."],)"
        R"("swatch_color":["The Color field must be a valid hexadecimal color."]}})");
    CHECK(get_ok(client, "/api/deals")["meta"]["total"].GetInt64() == 0);
}

TEST_CASE("a single error has no count in its summary", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    expect_body(client, "POST", "/api/deals", R"({"name":"Only stage wrong","stage_id":"Nowhere"})",
                422, one_error("stage_id", "The selected Stage is invalid."));
}

TEST_CASE("a blank name counts as missing", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    expect_body(client, "POST", "/api/deals", R"({"name":"   ","stage_id":1})", 422,
                one_error("name", "The Deal Name field is required."));
}

TEST_CASE("a lost deal cannot be created without a reason", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    expect_body(client, "POST", "/api/deals", R"({"name":"Lost","stage_id":1,"status":"lost"})",
                422,
                one_error("lost_reason", "The Lost Reason field is required when Status is lost."));
}

TEST_CASE("amounts beyond plus or minus 10^12 are refused", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    expect_body(
        client, "POST", "/api/deals", R"({"name":"Big","stage_id":1,"amount":1000000000000.001})",
        422,
        R"({"message":"The Amount field must not be greater than 1000000000000.","errors":{"amount":["The Amount field must not be greater than 1000000000000."]}})");
    const auto low = client.post("/api/deals", R"({"name":"Small","stage_id":1,"amount":-1e13})");
    CHECK(low.status == 422);
    CHECK(
        low.body ==
        R"({"message":"The Amount field must be at least -1000000000000.","errors":{"amount":["The Amount field must be at least -1000000000000."]}})");
    const auto edge =
        client.post("/api/deals", R"({"name":"Edge","stage_id":1,"amount":1000000000000})");
    CHECK(edge.status == 201);
    CHECK(raw_number(edge.body, "amount") == "1000000000000");
}

TEST_CASE("an update with a null name says the name must have a value", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Named");
    const auto res = client.put("/api/deals/" + std::to_string(id), R"({"name":null})");
    CHECK(res.status == 422);
    CHECK(
        res.body ==
        R"({"message":"The Deal Name field must have a value.","errors":{"name":["The Deal Name field must have a value."]}})");
}

TEST_CASE("an update naming a pipeline without a stage is refused", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Pipeline only");
    expect_body(client, "PUT", deal_url(id), R"({"pipeline_id":1})", 422,
                one_error("stage_id", "The Stage field is required when Pipeline is present."));
}

TEST_CASE("a rejected update writes nothing", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Untouched", R"(,"amount":5)");
    expect_body(
        client, "PUT", deal_url(id), R"({"name":"Changed","amount":"lots","stage_id":2})", 422,
        R"({"message":"The Amount field must be a number.","errors":{"amount":["The Amount field must be a number."]}})");
    const auto deal = get_ok(client, "/api/deals/" + std::to_string(id));
    CHECK(text(deal["name"]) == "Untouched");
    CHECK(deal["stage_id"].GetInt64() == 1);
    CHECK(deal["version"].GetInt64() == 1);
}

TEST_CASE("a body that is not valid JSON answers 400 Malformed JSON", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    for (const char* body :
         {"{", R"({"name":"x",})", "not json", R"({"name":"x"} trailing)", "{\"name\":\"\xff\"}"}) {
        INFO("body " << body);
        check_malformed(client.post("/api/deals", body));
    }
    CHECK(get_ok(client, "/api/deals")["meta"]["total"].GetInt64() == 0);
}

TEST_CASE("a JSON body whose top level is not an object answers 400", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    for (const char* body :
         {"[]", R"([{"name":"x","stage_id":1}])", "\"text\"", "42", "null", "true"}) {
        INFO("body " << body);
        check_malformed(client.post("/api/deals", body));
    }
}

TEST_CASE("malformed JSON is refused on update and status change too", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Target");
    check_malformed(client.put("/api/deals/" + std::to_string(id), "{oops"));
    check_malformed(client.put("/api/deals/" + std::to_string(id), "[1,2]"));
    check_malformed(client.put("/api/deals/" + std::to_string(id) + "/status/lost", "{oops"));
    CHECK(get_ok(client, "/api/deals/" + std::to_string(id))["version"].GetInt64() == 1);
}

TEST_CASE("a body over the configured limit answers 413", "[http][validation]") {
    TestServer server(deals::http::ServerConfig{.body_limit = 1024});
    auto client = server.client();
    const std::string body = R"({"name":")" + std::string(1500, 'a') + R"(","stage_id":1})";
    const auto res = client.post("/api/deals", body);
    CHECK(res.status == 413);
    CHECK(res.body == R"({"message":"Request body too large."})");
    CHECK(res.header("x-request-id").has_value());

    // The server keeps serving; a body within the limit is accepted.
    const auto ok = client.post("/api/deals", R"({"name":"Small","stage_id":1})");
    CHECK(ok.status == 201);
    CHECK(get_ok(client, "/api/deals")["meta"]["total"].GetInt64() == 1);
}

TEST_CASE("an update naming an unknown pipeline is refused in field order", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Pipelines");
    const auto with_stage =
        client.put("/api/deals/" + std::to_string(id), R"({"pipeline_id":999,"stage_id":2})");
    CHECK(with_stage.status == 422);
    CHECK(
        with_stage.body ==
        R"({"message":"This Pipeline value is forbidden.","errors":{"pipeline_id":["This Pipeline value is forbidden."]}})");
    const auto alone = client.put("/api/deals/" + std::to_string(id), R"({"pipeline_id":999})");
    CHECK(alone.status == 422);
    CHECK(
        alone.body ==
        R"j({"message":"This Pipeline value is forbidden. (and 1 more error)","errors":{"pipeline_id":["This Pipeline value is forbidden."],"stage_id":["The Stage field is required when Pipeline is present."]}})j");
    CHECK(get_ok(client, "/api/deals/" + std::to_string(id))["stage_id"].GetInt64() == 1);
}

TEST_CASE("the name limit counts characters, not bytes", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    std::string name191;
    for (int i = 0; i < 191; ++i) {
        name191 += "\xC3\xA9";  // é, two bytes
    }
    const auto ok = client.post("/api/deals", R"({"name":")" + name191 + R"(","stage_id":1})");
    CHECK(ok.status == 201);
    const auto too_long =
        client.post("/api/deals", R"({"name":")" + name191 + "\xC3\xA9" + R"(","stage_id":1})");
    CHECK(too_long.status == 422);
    CHECK(
        too_long.body ==
        R"({"message":"The Deal Name field must not be greater than 191 characters.","errors":{"name":["The Deal Name field must not be greater than 191 characters."]}})");
}

TEST_CASE("values of the wrong JSON type get a field message", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const auto number_name = client.post("/api/deals", R"({"name":123,"stage_id":1})");
    CHECK(number_name.status == 422);
    CHECK(
        number_name.body ==
        R"({"message":"The Deal Name field must be a string.","errors":{"name":["The Deal Name field must be a string."]}})");

    const auto null_status =
        client.post("/api/deals", R"({"name":"Null status","stage_id":1,"status":null})");
    CHECK(null_status.status == 422);
    CHECK(keys_of(parse(null_status.body)["errors"]) == std::vector<std::string>{"status"});

    const auto object_amount =
        client.post("/api/deals", R"({"name":"Odd amount","stage_id":1,"amount":{"v":1}})");
    CHECK(object_amount.status == 422);
    CHECK(
        object_amount.body ==
        R"({"message":"The Amount field must be a number.","errors":{"amount":["The Amount field must be a number."]}})");

    const auto bad_date = client.post(
        "/api/deals", R"({"name":"Bad date","stage_id":1,"expected_close_date":"2026-02-30"})");
    CHECK(bad_date.status == 422);
    CHECK(
        bad_date.body ==
        R"({"message":"The Expected Close Date field must be a valid date.","errors":{"expected_close_date":["The Expected Close Date field must be a valid date."]}})");
    CHECK(get_ok(client, "/api/deals")["meta"]["total"].GetInt64() == 0);
}

TEST_CASE("numeric strings are accepted for ids and amounts", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const auto res = client.post(
        "/api/deals", R"({"name":"Strings","stage_id":"2","user_id":"1","amount":" 12.5 "})");
    INFO(res.body);
    REQUIRE(res.status == 201);
    const auto deal = parse(res.body);
    CHECK(deal["stage_id"].GetInt64() == 2);
    CHECK(deal["user_id"].GetInt64() == 1);
    CHECK(raw_number(res.body, "amount") == "12.5");
}

TEST_CASE("a deeply nested body is refused as malformed, not crashed on", "[http][validation]") {
    TestServer server;
    auto client = server.client();
    const std::string body =
        R"({"name":"Deep","stage_id":1,"x":)" + std::string(500, '[') + std::string(500, ']') + "}";
    check_malformed(client.post("/api/deals", body));
    CHECK(client.get("/api/deals").status == 200);
}
