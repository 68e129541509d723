// Custom fields: /api/custom-fields definitions and the cf_… keys of deals, their validation,
// events, search, order and replay (contract §3, §4, §5, §12; the behaviour in detail is
// notes/custom-fields-spec.md).
//
// Most cases define the same seven fields with `seven_fields`, so ids are predictable:
//   1 cf_text   Text         "Code name"
//   2 cf_area   Textarea     "Notes"
//   3 cf_budget Numeric      "Budget"
//   4 cf_due    Date         "Due"
//   5 cf_flag   Boolean      "Approved"
//   6 cf_tier   Select       "Tier"  options Gold (1), Silver (2), Émeraude (3)
//   7 cf_tags   MultiSelect  "Tags"  options Red (4), Green (5), Blue (6)
// The seeded pipeline 1 "Sales Pipeline" has stages 1-5; the admin is user 1 "Admin". Deal names
// and search terms are chosen so that they do not occur in those names by accident.

#include <rocksdb/db.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string_view>
#include <thread>

#include "http/wiring.hpp"
#include "store/codec.hpp"
#include "tests/http/http_test_helpers.hpp"
#include "tests/support/restart.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;
namespace json = deals::json;
using Ids = std::vector<std::int64_t>;
using Keys = std::vector<std::string>;

namespace {

constexpr const char* kFields = "/api/custom-fields";
const std::string kUnauthorized = R"({"message":"This action is unauthorized."})";
const std::string kBuiltInSearchFields =
    "id,name,pipeline.name,pipeline_id,stage.name,stage_id,amount,status,lost_reason,user.name,"
    "user_id";
const Keys kFieldKeys{"id",         "resource_name", "field_id",   "label",
                      "field_type", "options",       "created_at", "updated_at"};

std::string field_path(std::int64_t id) { return std::string(kFields) + "/" + std::to_string(id); }

/// POSTs a definition and requires 201; returns the field.
json::Document define(HttpClient& client, const std::string& body) {
    return expect(client, "POST", kFields, body, 201);
}

/// Defines a field of `type` without options; returns its id.
std::int64_t define_plain(HttpClient& client, const std::string& field_id, const std::string& label,
                          const std::string& type) {
    return define(client, R"({"resource_name":"deals","field_id":")" + field_id + R"(","label":")" +
                              label + R"(","field_type":")" + type + R"("})")["id"]
        .GetInt64();
}

/// The seven fields of the header comment, ids 1-7 and option ids 1-6.
void seven_fields(HttpClient& client) {
    REQUIRE(define_plain(client, "cf_text", "Code name", "Text") == 1);
    REQUIRE(define_plain(client, "cf_area", "Notes", "Textarea") == 2);
    REQUIRE(define_plain(client, "cf_budget", "Budget", "Numeric") == 3);
    REQUIRE(define_plain(client, "cf_due", "Due", "Date") == 4);
    REQUIRE(define_plain(client, "cf_flag", "Approved", "Boolean") == 5);
    const auto tier = define(
        client,
        R"({"resource_name":"deals","field_id":"cf_tier","label":"Tier","field_type":"Select",)"
        R"("options":[{"name":"Gold"},{"name":"Silver"},{"name":"Émeraude"}]})");
    REQUIRE(tier["id"].GetInt64() == 6);
    REQUIRE(ids_of(tier["options"]) == Ids{1, 2, 3});
    const auto tags = define(
        client,
        R"({"resource_name":"deals","field_id":"cf_tags","label":"Tags","field_type":"MultiSelect",)"
        R"("options":[{"name":"Red"},{"name":"Green"},{"name":"Blue"}]})");
    REQUIRE(tags["id"].GetInt64() == 7);
    REQUIRE(ids_of(tags["options"]) == Ids{4, 5, 6});
}

const Keys kSevenKeys{"cf_text", "cf_area", "cf_budget", "cf_due", "cf_flag", "cf_tier", "cf_tags"};

/// The cf_… keys of a deal, in the order sent.
Keys cf_keys(const json::Value& deal) {
    Keys out;
    for (const auto& k : keys_of(deal)) {
        if (k.rfind("cf_", 0) == 0) {
            out.push_back(k);
        }
    }
    return out;
}

Keys sorted_keys(const json::Value& object) {
    auto keys = keys_of(object);
    std::sort(keys.begin(), keys.end());
    return keys;
}

std::vector<std::int64_t> int_array(const json::Value& v) {
    std::vector<std::int64_t> out;
    for (const auto& x : v.GetArray()) {
        out.push_back(x.GetInt64());
    }
    return out;
}

/// PUTs `body` on deal `id` and requires 200; returns the deal.
json::Document update(HttpClient& client, std::int64_t id, const std::string& body) {
    return expect(client, "PUT", deal_url(id), body, 200);
}

/// The raw body of PUT /api/deals/{id}, requiring 200 (to read numbers as printed).
std::string update_raw(HttpClient& client, std::int64_t id, const std::string& body) {
    const auto res = client.put(deal_url(id), body);
    INFO("PUT " << deal_url(id) << " " << body << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == 200);
    return res.body;
}

/// The type names of a stream's events, oldest first.
Keys stream_types(deals::store::Store& store, const std::string& stream) {
    Keys out;
    for (const auto& e : store.log().read_stream(stream, 1, 1000)) {
        out.emplace_back(deals::events::type_name(e.data));
    }
    return out;
}

/// The events of the log after `after`, as (type, data JSON).
std::vector<std::pair<std::string, std::string>> events_after(deals::store::Store& store,
                                                              deals::events::Sequence after) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto head = store.log().head_sequence();
    if (head <= after) {
        return out;
    }
    for (const auto& e : store.log().read_range(after + 1, head, 100000)) {
        out.emplace_back(std::string(deals::events::type_name(e.data)),
                         deals::store::encode_data(e.data));
    }
    return out;
}

std::size_t count_type(const std::vector<std::pair<std::string, std::string>>& events,
                       const std::string& type) {
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(),
                                                  [&](const auto& e) { return e.first == type; }));
}

/// Serializes a JSON value compactly.
std::string dump(const json::Value& v) {
    json::Buffer buffer;
    json::Writer w(buffer);
    v.Accept(w);
    return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

// 1. Definitions -------------------------------------------------------------------------------

TEST_CASE("custom fields: a super-admin defines a field of each type; the field JSON",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();

    // A type without options: the exact answer.
    expect_body(
        client, "POST", kFields,
        R"({"resource_name":"deals","field_id":"cf_code","label":"  Code name ","field_type":"Text"})",
        201,
        R"({"id":1,"resource_name":"deals","field_id":"cf_code","label":"Code name",)"
        R"("field_type":"Text","options":[],"created_at":"2026-03-01T10:00:00.000000Z",)"
        R"("updated_at":"2026-03-01T10:00:00.000000Z","was_recently_created":true})");

    int expected_id = 2;
    for (const char* type : {"Textarea", "Numeric", "Date", "Boolean"}) {
        INFO(type);
        const std::string field_id = "cf_t" + std::to_string(expected_id);
        const auto f = define(client, R"({"resource_name":"deals","field_id":")" + field_id +
                                          R"(","label":"L)" + std::to_string(expected_id) +
                                          R"(","field_type":")" + type + R"("})");
        auto with_flag = kFieldKeys;
        with_flag.emplace_back("was_recently_created");
        CHECK(keys_of(f) == with_flag);
        CHECK(f["id"].GetInt64() == expected_id);
        CHECK(text(f["field_type"]) == type);
        CHECK(text(f["field_id"]) == field_id);
        CHECK(f["options"].IsArray());
        CHECK(f["options"].Size() == 0);
        CHECK(f["was_recently_created"].GetBool());
        ++expected_id;
    }

    // Select: option ids from 1, display_order defaults to the position (1-based); options are
    // shown in display_order, then id order.
    const auto select = define(
        client,
        R"({"resource_name":"deals","field_id":"cf_tier","label":"Tier","field_type":"Select",)"
        R"("options":[{"name":"Gold"},{"name":" Silver ","display_order":5},{"name":"Émeraude"}]})");
    CHECK(select["id"].GetInt64() == 6);
    CHECK(text(select["field_type"]) == "Select");
    REQUIRE(select["options"].IsArray());
    REQUIRE(select["options"].Size() == 3);
    CHECK(keys_of(select["options"][0]) == Keys{"id", "name", "display_order"});
    CHECK(names_of(select["options"]) == Keys{"Gold", "Émeraude", "Silver"});
    CHECK(ids_of(select["options"]) == Ids{1, 3, 2});
    CHECK(select["options"][0]["display_order"].GetInt64() == 1);
    CHECK(select["options"][1]["display_order"].GetInt64() == 3);
    CHECK(select["options"][2]["display_order"].GetInt64() == 5);

    // MultiSelect: option ids are unique across all fields, so they follow the Select's.
    const auto multi = define(
        client,
        R"({"resource_name":"deals","field_id":"cf_tags","label":"Tags","field_type":"MultiSelect",)"
        R"("options":[{"name":"Red"},{"name":"Green"}]})");
    CHECK(multi["id"].GetInt64() == 7);
    CHECK(text(multi["field_type"]) == "MultiSelect");
    CHECK(ids_of(multi["options"]) == Ids{4, 5});
    CHECK(names_of(multi["options"]) == Keys{"Red", "Green"});
    CHECK(multi["options"][1]["display_order"].GetInt64() == 2);

    // GET one: the same JSON without was_recently_created.
    const auto one = get_ok(client, field_path(6));
    CHECK(keys_of(one) == kFieldKeys);
    CHECK(text(one["resource_name"]) == "deals");
    CHECK(text(one["field_id"]) == "cf_tier");
    CHECK(text(one["label"]) == "Tier");
    CHECK(ids_of(one["options"]) == Ids{1, 3, 2});
    CHECK(text(one["created_at"]) == kStartTime);
    CHECK(text(one["updated_at"]) == kStartTime);
    CHECK(get_ok(client, field_path(1)).HasMember("was_recently_created") == false);

    // GET list: paginated, in id order.
    const auto list = get_ok(client, kFields);
    CHECK(keys_of(list) == Keys{"data", "links", "meta"});
    CHECK(ids_of(list["data"]) == Ids{1, 2, 3, 4, 5, 6, 7});
    CHECK(list["meta"]["total"].GetInt64() == 7);
    CHECK(keys_of(list["data"][0]) == kFieldKeys);
    CHECK(text(list["data"][3]["field_type"]) == "Date");
    const auto page = get_ok(client, std::string(kFields) + "?per_page=2&page=2");
    CHECK(ids_of(page["data"]) == Ids{3, 4});
    CHECK(page["meta"]["total"].GetInt64() == 7);
    CHECK(page["meta"]["last_page"].GetInt64() == 4);
    CHECK(page["meta"]["current_page"].GetInt64() == 2);
}

TEST_CASE("custom fields: the routes need a token and answer 405 for other verbs",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    define_plain(client, "cf_code", "Code", "Text");
    HttpClient anonymous(server.port());
    for (const auto& [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"GET", kFields},
                                                          {"GET", field_path(1)},
                                                          {"POST", kFields},
                                                          {"PUT", field_path(1)},
                                                          {"DELETE", field_path(1)}}) {
        INFO(method << " " << target);
        const auto res = anonymous.request(method, target, "{}");
        CHECK(res.status == 401);
        CHECK(res.body == R"({"message":"Unauthenticated."})");
    }
    const auto patch = client.request("PATCH", field_path(1), "{}");
    CHECK(patch.status == 405);
    CHECK(patch.body ==
          R"({"message":"The PATCH method is not supported for route api/custom-fields/1. )"
          R"(Supported methods: GET, HEAD, PUT, DELETE."})");
    const auto del = client.del(kFields);
    CHECK(del.status == 405);
    CHECK(del.body == R"({"message":"The DELETE method is not supported for route )"
                      R"(api/custom-fields. Supported methods: GET, HEAD, POST."})");
    CHECK(text(get_ok(client, field_path(1))["label"]) == "Code");
    // HEAD is answered wherever GET is.
    for (const auto& target : {std::string(kFields), field_path(1)}) {
        INFO(target);
        const auto head = client.request("HEAD", target);
        CHECK(head.status == 200);
        CHECK(head.body.empty());
    }
    CHECK(client.request("HEAD", field_path(9)).status == 404);
}

TEST_CASE("custom fields: options sent for a type without options are ignored",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    define(client,
           R"({"resource_name":"deals","field_id":"cf_tier","label":"Tier","field_type":"Select",)"
           R"("options":[{"name":"Gold"},{"name":"Silver"}]})");  // options 1, 2
    for (const auto& [field_id, type] :
         std::vector<std::pair<std::string, std::string>>{{"cf_text", "Text"},
                                                          {"cf_area", "Textarea"},
                                                          {"cf_num", "Numeric"},
                                                          {"cf_due", "Date"},
                                                          {"cf_flag", "Boolean"}}) {
        INFO(type);
        const auto f = define(client, R"({"resource_name":"deals","field_id":")" + field_id +
                                          R"(","label":"L","field_type":")" + type +
                                          R"(","options":[{"name":"ignored"},{"name":""}]})");
        CHECK(f["options"].IsArray());
        CHECK(f["options"].Size() == 0);
        CHECK(get_ok(client, field_path(f["id"].GetInt64()))["options"].Size() == 0);
    }
    // Ignored: they take no option ids, so the next field's options follow the Select's.
    const auto next = define(
        client,
        R"({"resource_name":"deals","field_id":"cf_tags","label":"Tags","field_type":"MultiSelect",)"
        R"("options":[{"name":"Red"}]})");
    CHECK(ids_of(next["options"]) == Ids{3});
}

TEST_CASE("custom fields: PUT changes the label and renames or adds options, keeping the rest",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    define(client,
           R"({"resource_name":"deals","field_id":"cf_tier","label":"Tier","field_type":"Select",)"
           R"("options":[{"name":"Gold"},{"name":"Silver"},{"name":"Émeraude"}]})");  // 1, 2, 3
    define(
        client,
        R"({"resource_name":"deals","field_id":"cf_tags","label":"Tags","field_type":"MultiSelect",)"
        R"("options":[{"name":"Red"},{"name":"Green"}]})");  // 4, 5
    server.clock().advance_seconds(60);

    const auto f = expect(
        client, "PUT", field_path(1),
        R"({"label":"Level","field_id":"cf_other","field_type":"Text","resource_name":"users",)"
        R"("options":[{"id":2,"name":"Platinum","display_order":0},)"
        R"({"name":"Bronze","display_order":9}]})",
        200);
    CHECK(keys_of(f) == kFieldKeys);
    CHECK(f["id"].GetInt64() == 1);
    CHECK(text(f["label"]) == "Level");
    // field_id, field_type and resource_name are not changed by an update.
    CHECK(text(f["field_id"]) == "cf_tier");
    CHECK(text(f["field_type"]) == "Select");
    CHECK(text(f["resource_name"]) == "deals");
    CHECK(text(f["created_at"]) == kStartTime);
    CHECK(text(f["updated_at"]) == "2026-03-01T10:01:00.000000Z");
    // Silver is renamed and moved first; Gold and Émeraude, left out, are kept; Bronze is new
    // and takes the next option id of all fields (4 and 5 are the MultiSelect's).
    CHECK(names_of(f["options"]) == Keys{"Platinum", "Gold", "Émeraude", "Bronze"});
    CHECK(ids_of(f["options"]) == Ids{2, 1, 3, 6});
    CHECK(f["options"][0]["display_order"].GetInt64() == 0);
    CHECK(f["options"][3]["display_order"].GetInt64() == 9);
    CHECK(get_ok(client, field_path(1)) == f);

    // An option added without display_order; the existing ones stay.
    const auto more = expect(client, "PUT", field_path(2), R"({"options":[{"name":"Blue"}]})", 200);
    CHECK(text(more["label"]) == "Tags");
    REQUIRE(more["options"].Size() == 3);
    CHECK(ids_of(more["options"]) == Ids{4, 5, 7});
    CHECK(names_of(more["options"]) == Keys{"Red", "Green", "Blue"});

    // Values follow the renamed options: the new name selects, the old one no longer does.
    const auto deal = create_deal(client, R"({"name":"Acme","stage_id":1,"cf_tier":"platinum"})");
    CHECK(deal["cf_tier"].GetInt64() == 2);
    CHECK(update(client, 1, R"({"cf_tier":"Bronze"})")["cf_tier"].GetInt64() == 6);
    expect_body(client, "PUT", deal_url(1), R"({"cf_tier":"Silver"})", 422,
                one_error("cf_tier", "The selected Level is invalid."));
    CHECK(update(client, 1, R"({"cf_tier":"gold"})")["cf_tier"].GetInt64() == 1);

    // A label that is present must be filled.
    // (Laravel's `filled`, as PUT /api/deals says of the name: "must have a value".)
    expect_body(client, "PUT", field_path(1), R"({"label":""})", 422,
                one_error("label", "The label field must have a value."));
    expect_body(client, "PUT", field_path(1), R"({"label":null})", 422,
                one_error("label", "The label field must have a value."));
    // An empty update answers the field as it is.
    CHECK(text(expect(client, "PUT", field_path(1), "{}", 200)["label"]) == "Level");
}

TEST_CASE("custom fields: DELETE removes the field and its key from every deal",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);
    create_deal(
        client,
        R"({"name":"Acme","stage_id":1,"cf_budget":10,"cf_text":"Falcon","cf_tags":["Red"]})");
    create_deal(client, R"({"name":"Bravo","stage_id":1})");
    const auto head = server.store().log().head_sequence();

    const auto res = client.del(field_path(3));
    CHECK(res.status == 204);
    CHECK(res.body.empty());
    CHECK(server.store().log().head_sequence() > head);

    expect_body(client, "GET", field_path(3), "", 404,
                R"({"message":"No query results for model [CustomField] 3"})");
    expect(client, "DELETE", field_path(3), "", 404);
    expect(client, "PUT", field_path(3), R"({"label":"X"})", 404);
    CHECK(ids_of(get_ok(client, kFields)["data"]) == Ids{1, 2, 4, 5, 6, 7});

    const auto deal = get_ok(client, deal_url(1));
    CHECK_FALSE(deal.HasMember("cf_budget"));
    CHECK(cf_keys(deal) == Keys{"cf_text", "cf_area", "cf_due", "cf_flag", "cf_tier", "cf_tags"});
    CHECK(text(deal["cf_text"]) == "Falcon");
    const auto listed = get_ok(client, "/api/deals");
    for (const auto& item : listed["data"].GetArray()) {
        CHECK_FALSE(item.HasMember("cf_budget"));
        CHECK(item.HasMember("cf_text"));
    }
    const auto found_items = search(client, "q=acme");
    REQUIRE(found_items.Size() == 1);
    CHECK_FALSE(found_items[0].HasMember("cf_budget"));
    // Its key is now an unknown key: ignored in a deal body, refused by select.
    const auto same = update(client, 1, R"({"cf_budget":"abc"})");
    CHECK_FALSE(same.HasMember("cf_budget"));
    check_422_on(client, "/api/deals?select=name;cf_budget", "select");

    // The field_id may be used again: a new field, a new id, no values.
    const auto again = define(
        client,
        R"({"resource_name":"deals","field_id":"cf_budget","label":"Budget","field_type":"Numeric"})");
    CHECK(again["id"].GetInt64() == 8);
    const auto after = get_ok(client, deal_url(1));
    REQUIRE(after.HasMember("cf_budget"));
    CHECK(after["cf_budget"].IsNull());
    CHECK(cf_keys(after) ==
          Keys{"cf_text", "cf_area", "cf_due", "cf_flag", "cf_tier", "cf_tags", "cf_budget"});

    // Option ids of a deleted field are not used again either.
    expect(client, "DELETE", field_path(7), "", 204);
    const auto tags = define(
        client,
        R"({"resource_name":"deals","field_id":"cf_tags","label":"Tags","field_type":"MultiSelect",)"
        R"("options":[{"name":"Red"}]})");
    CHECK(tags["id"].GetInt64() == 9);
    CHECK(ids_of(tags["options"]) == Ids{7});
    CHECK(get_ok(client, deal_url(1))["cf_tags"].IsNull());
}

TEST_CASE("custom fields: only super-admins create, update or delete definitions",
          "[http][custom_fields]") {
    TestServer server;
    auto admin = server.client();
    define_plain(admin, "cf_code", "Code", "Text");
    auto user = server.client(add_user_with_token(server.store(), "Sam Seller", "sam@example.com",
                                                  false, deals::events::DealsScope::kAll));
    const auto head = server.store().log().head_sequence();

    expect_body(
        user, "POST", kFields,
        R"({"resource_name":"deals","field_id":"cf_mine","label":"Mine","field_type":"Text"})", 403,
        kUnauthorized);
    expect_body(user, "PUT", field_path(1), R"({"label":"Mine"})", 403, kUnauthorized);
    expect_body(user, "DELETE", field_path(1), "", 403, kUnauthorized);
    CHECK(server.store().log().head_sequence() == head);

    // Any API user may read them.
    CHECK(text(get_ok(user, field_path(1))["label"]) == "Code");
    CHECK(get_ok(user, kFields)["meta"]["total"].GetInt64() == 1);
    auto own = server.client(add_user_with_token(server.store(), "Olive", "olive@example.com",
                                                 false, deals::events::DealsScope::kOwn));
    CHECK(get_ok(own, kFields)["meta"]["total"].GetInt64() == 1);
}

TEST_CASE("custom fields: an unknown field id answers 404", "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    define_plain(client, "cf_code", "Code", "Text");
    for (const auto* method : {"GET", "PUT", "DELETE"}) {
        INFO(method);
        expect_body(client, method, field_path(99),
                    std::string(method) == "PUT" ? R"({"label":"X"})" : "", 404,
                    R"({"message":"No query results for model [CustomField] 99"})");
    }
    expect_body(client, "GET", std::string(kFields) + "/abc", "", 404,
                R"({"message":"No query results for model [CustomField] abc"})");
}

TEST_CASE("custom fields: definitions are validated with Laravel's messages",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    define_plain(client, "cf_budget", "Budget", "Numeric");
    const auto head = server.store().log().head_sequence();

    expect_body(
        client, "POST", kFields, "{}", 422,
        R"j({"message":"The resource name field is required. (and 3 more errors)","errors":{)j"
        R"("resource_name":["The resource name field is required."],)"
        R"("field_id":["The field id field is required."],)"
        R"("label":["The label field is required."],)"
        R"("field_type":["The field type field is required."]}})");
    expect_body(
        client, "POST", kFields,
        R"({"field_type":"Currency","label":")" + std::string(192, 'x') +
            R"(","field_id":"budget","resource_name":"contacts"})",
        422,
        R"j({"message":"The selected resource name is invalid. (and 3 more errors)","errors":{)j"
        R"("resource_name":["The selected resource name is invalid."],)"
        R"("field_id":["The field id field format is invalid."],)"
        R"("label":["The label field must not be greater than 191 characters."],)"
        R"("field_type":["The selected field type is invalid."]}})");
    expect_body(
        client, "POST", kFields,
        R"({"resource_name":"deals","field_id":"cf_budget","label":"B","field_type":"Numeric"})",
        422, one_error("field_id", "The field id has already been taken."));
    expect_body(client, "POST", kFields,
                R"({"resource_name":"deals","field_id":"cf_x","label":"   ","field_type":"Text"})",
                422, one_error("label", "The label field is required."));

    // field_id: ^cf_[a-z0-9_]+$ and at most 64 characters.
    for (const std::string& bad : std::vector<std::string>{
             "cf_Budget", "CF_budget", "cf_", "cf-budget", "cf_bud get", "cf_budget!", "budget",
             "cf_é", "xcf_a", "cf_" + std::string(62, 'a')}) {
        INFO(bad);
        expect_body(client, "POST", kFields,
                    R"({"resource_name":"deals","field_id":")" + bad +
                        R"(","label":"B","field_type":"Text"})",
                    422, one_error("field_id", "The field id field format is invalid."));
    }
    CHECK(server.store().log().head_sequence() == head);
    define_plain(client, "cf_" + std::string(61, 'a'), "Long", "Text");  // 64 characters
    define_plain(client, "cf_2nd_field_9", "Digits", "Text");

    // options for Select and MultiSelect.
    for (const char* type : {"Select", "MultiSelect"}) {
        INFO(type);
        const std::string start =
            R"({"resource_name":"deals","field_id":"cf_opt","label":"O","field_type":")" +
            std::string(type) + R"(")";
        for (const char* missing : {"", R"(,"options":null)", R"(,"options":[])"}) {
            INFO(missing);
            expect_body(client, "POST", kFields, start + missing + "}", 422,
                        one_error("options", "The options field is required."));
        }
        expect_body(client, "POST", kFields, start + R"(,"options":"Gold"})", 422,
                    one_error("options", "The options field must be an array."));
        expect_body(
            client, "POST", kFields,
            start + R"(,"options":[{"name":""},{"name":"Gold"},{"name":"gold  "},)"
                    R"({"name":"Émeraude"},{"name":"EMERAUDE"},{"display_order":3}]})",
            422,
            R"j({"message":"The options.0.name field is required. (and 3 more errors)","errors":{)j"
            R"("options.0.name":["The options.0.name field is required."],)"
            R"("options.2.name":["The options.2.name field has a duplicate value."],)"
            R"("options.4.name":["The options.4.name field has a duplicate value."],)"
            R"("options.5.name":["The options.5.name field is required."]}})");
    }
    // Errors of the options come after the other fields'.
    const auto res = client.post(
        kFields,
        R"({"options":[{"name":""}],"field_type":"Select","label":"","field_id":"cf_budget","resource_name":"deals"})");
    CHECK(res.status == 422);
    CHECK(keys_of(parse(res.body)["errors"]) == Keys{"field_id", "label", "options.0.name"});

    // Nothing was written by the refused requests.
    CHECK(get_ok(client, kFields)["meta"]["total"].GetInt64() == 3);
}

// 2. Values ------------------------------------------------------------------------------------

TEST_CASE("custom fields: every deal shows one key per field, null when unset",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    const auto before = create_deal(client, R"({"name":"Acme","stage_id":1})");
    CHECK(cf_keys(before).empty());
    seven_fields(client);

    // A deal created before the fields were defined shows null for each of them.
    const auto deal = get_ok(client, deal_url(1));
    CHECK(cf_keys(deal) == kSevenKeys);
    for (const auto& key : kSevenKeys) {
        INFO(key);
        CHECK(deal[key.c_str()].IsNull());
    }
    // The custom keys come after the built-in ones.
    const auto keys = keys_of(deal);
    const auto first_cf = std::find(keys.begin(), keys.end(), "cf_text");
    CHECK(std::find(keys.begin(), first_cf, "name") != first_cf);
    CHECK(std::find(keys.begin(), first_cf, "stage_id") != first_cf);
    CHECK(std::find(keys.begin(), first_cf, "amount") != first_cf);

    const auto created = create_deal(client, R"({"name":"Bravo","stage_id":1})");
    CHECK(cf_keys(created) == kSevenKeys);
    CHECK(created["cf_tags"].IsNull());
    const auto page = get_ok(client, "/api/deals");
    REQUIRE(page["data"].Size() == 2);
    for (const auto& item : page["data"].GetArray()) {
        CHECK(cf_keys(item) == kSevenKeys);
        CHECK(item["cf_budget"].IsNull());
    }
    const auto found_items = search(client, "q=acme");
    REQUIRE(found_items.Size() == 1);
    CHECK(cf_keys(found_items[0]) == kSevenKeys);

    // A field defined later still shows null on the older deals.
    define_plain(client, "cf_late", "Late", "Text");
    const auto later = get_ok(client, deal_url(2));
    REQUIRE(later.HasMember("cf_late"));
    CHECK(later["cf_late"].IsNull());
    CHECK(cf_keys(later).back() == "cf_late");
}

TEST_CASE("custom fields: values of every type round-trip on create and update",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);

    const auto res = client.post(
        "/api/deals",
        R"({"name":"Acme","stage_id":1,"cf_text":"  Falcon  ","cf_area":"line one\nline two",)"
        R"("cf_budget":"1250.50","cf_due":"2026-05-01","cf_flag":"1","cf_tier":"gold",)"
        R"("cf_tags":"Blue, red"})");
    INFO(res.body);
    REQUIRE(res.status == 201);
    CHECK(raw_number(res.body, "cf_budget") == "1250.5");
    const auto created = parse(res.body);
    auto check_first = [](const json::Value& d) {
        CHECK(text(d["cf_text"]) == "Falcon");
        CHECK(text(d["cf_area"]) == "line one\nline two");
        CHECK(d["cf_budget"].IsNumber());
        CHECK(text(d["cf_due"]) == "2026-05-01");
        CHECK(d["cf_flag"].IsBool());
        CHECK(d["cf_flag"].GetBool() == true);
        CHECK(d["cf_tier"].IsInt64());
        CHECK(d["cf_tier"].GetInt64() == 1);
        REQUIRE(d["cf_tags"].IsArray());
        CHECK(int_array(d["cf_tags"]) == Ids{4, 6});
    };
    check_first(created);
    {
        const auto got = client.get(deal_url(1));
        CHECK(raw_number(got.body, "cf_budget") == "1250.5");
        check_first(parse(got.body));
        const auto list = client.get("/api/deals");
        CHECK(raw_number(list.body, "cf_budget") == "1250.5");
        check_first(parse(list.body)["data"][0]);
        check_first(search(client, "q=acme")[0]);
    }

    // An update changes the values it names and keeps the others.
    const auto body = update_raw(
        client, 1,
        R"({"cf_text":"Hawk","cf_budget":3,"cf_due":"2026-06-30T15:45:00Z","cf_flag":false,)"
        R"("cf_tier":"2","cf_tags":[5,"BLUE",5]})");
    CHECK(raw_number(body, "cf_budget") == "3");
    const auto updated = parse(body);
    CHECK(text(updated["cf_text"]) == "Hawk");
    CHECK(text(updated["cf_area"]) == "line one\nline two");
    CHECK(text(updated["cf_due"]) == "2026-06-30");
    CHECK(updated["cf_flag"].GetBool() == false);
    CHECK(updated["cf_tier"].GetInt64() == 2);
    CHECK(int_array(updated["cf_tags"]) == Ids{5, 6});
    CHECK(get_ok(client, deal_url(1)) == updated);

    // Numbers print like amount: shortest form, no trailing zeros, up to 3 decimals.
    for (const auto& [in, out] : std::vector<std::pair<std::string, std::string>>{
             {"0.001", "0.001"},
             {R"("999999999999.999")", "999999999999.999"},
             {"12.10", "12.1"},
             {R"("0")", "0"},
             {R"(" 42.500 ")", "42.5"},
             {"7", "7"}}) {
        INFO(in);
        CHECK(raw_number(update_raw(client, 1, R"({"cf_budget":)" + in + "}"), "cf_budget") == out);
    }
    // Boolean forms.
    for (const auto& [in, out] : std::vector<std::pair<std::string, bool>>{{"true", true},
                                                                           {"0", false},
                                                                           {"1", true},
                                                                           {R"("0")", false},
                                                                           {R"("1")", true},
                                                                           {"false", false}}) {
        INFO(in);
        CHECK(update(client, 1, R"({"cf_flag":)" + in + "}")["cf_flag"].GetBool() == out);
    }
    // Select: an option id (number or numeric string) or a name, trimmed, ignoring case and
    // accents.
    for (const auto& [in, out] :
         std::vector<std::pair<std::string, std::int64_t>>{{R"("ÉMERAUDE")", 3},
                                                           {R"(" emeraude ")", 3},
                                                           {"1", 1},
                                                           {R"("2")", 2},
                                                           {R"("Silver")", 2},
                                                           {"3", 3}}) {
        INFO(in);
        CHECK(update(client, 1, R"({"cf_tier":)" + in + "}")["cf_tier"].GetInt64() == out);
    }
    // MultiSelect: arrays or comma strings of ids and names; duplicates collapse; ascending.
    for (const auto& [in, out] :
         std::vector<std::pair<std::string, Ids>>{{R"(["green"])", Ids{5}},
                                                  {R"([6,"red"," GREEN "])", Ids{4, 5, 6}},
                                                  {R"("5,4")", Ids{4, 5}},
                                                  {R"(["red","RED",4,"4"])", Ids{4}},
                                                  {R"("blue")", Ids{6}}}) {
        INFO(in);
        CHECK(int_array(update(client, 1, R"({"cf_tags":)" + in + "}")["cf_tags"]) == out);
    }
    // Dates accept full ISO-8601 times and keep the date.
    CHECK(text(update(client, 1, R"({"cf_due":"2025-02-28T00:00:00.000000Z"})")["cf_due"]) ==
          "2025-02-28");
    // Text up to 191 characters, Textarea up to 65535.
    const std::string t191(191, 't');
    CHECK(text(update(client, 1, R"({"cf_text":")" + t191 + R"("})")["cf_text"]) == t191);
    const std::string a65535(65535, 'a');
    CHECK(text(update(client, 1, R"({"cf_area":")" + a65535 + R"("})")["cf_area"]) == a65535);
}

TEST_CASE("custom fields: null or an empty string clears a value", "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);
    const std::string all =
        R"({"cf_text":"Falcon","cf_area":"notes","cf_budget":5,"cf_due":"2026-05-01",)"
        R"("cf_flag":true,"cf_tier":1,"cf_tags":[4]})";
    create_deal(client, R"({"name":"Acme","stage_id":1})");

    update(client, 1, all);
    const auto nulls =
        update(client, 1,
               R"({"cf_text":null,"cf_area":null,"cf_budget":null,"cf_due":null,"cf_flag":null,)"
               R"("cf_tier":null,"cf_tags":null})");
    for (const auto& key : kSevenKeys) {
        INFO("null " << key);
        CHECK(nulls[key.c_str()].IsNull());
    }
    update(client, 1, all);
    const auto empties =
        update(client, 1,
               R"({"cf_text":"","cf_area":"  ","cf_budget":"","cf_due":"","cf_flag":"",)"
               R"("cf_tier":"","cf_tags":""})");
    for (const auto& key : kSevenKeys) {
        INFO("empty " << key);
        CHECK(empties[key.c_str()].IsNull());
    }
    update(client, 1, all);
    CHECK(update(client, 1, R"({"cf_tags":[]})")["cf_tags"].IsNull());
    // False is a value, not a clear.
    CHECK(update(client, 1, R"({"cf_flag":false})")["cf_flag"].IsBool());
    CHECK(get_ok(client, deal_url(1))["cf_tags"].IsNull());
    CHECK(get_ok(client, deal_url(1))["cf_flag"].GetBool() == false);
}

TEST_CASE("custom fields: every value validation message, under the field's key",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);
    create_deal(client, R"({"name":"Acme","stage_id":1,"cf_text":"Falcon","cf_budget":5})");
    const auto head = server.store().log().head_sequence();

    const std::vector<std::tuple<std::string, std::string, std::string>> cases{
        {"cf_text", "12", "The Code name field must be a string."},
        {"cf_text", R"(")" + std::string(192, 'x') + R"(")",
         "The Code name field must not be greater than 191 characters."},
        {"cf_area", "true", "The Notes field must be a string."},
        {"cf_area", R"(")" + std::string(65536, 'y') + R"(")",
         "The Notes field must not be greater than 65535 characters."},
        {"cf_budget", R"("abc")", "The Budget field must be a number."},
        {"cf_budget", "true", "The Budget field must be a number."},
        {"cf_budget", "1.2345", "The Budget field must have 0-3 decimal places."},
        {"cf_budget", R"("1.2345")", "The Budget field must have 0-3 decimal places."},
        {"cf_budget", "-1", "The Budget field must be at least 0."},
        {"cf_budget", R"("-0.5")", "The Budget field must be at least 0."},
        {"cf_budget", "1000000000000",
         "The Budget field must not be greater than 999999999999.999."},
        {"cf_due", R"("not a date")", "The Due field must be a valid date."},
        {"cf_due", R"("2026-02-30")", "The Due field must be a valid date."},
        {"cf_flag", R"("yes")", "The Approved field must be true or false."},
        {"cf_flag", "2", "The Approved field must be true or false."},
        {"cf_flag", R"("true")", "The Approved field must be true or false."},
        {"cf_tier", R"("Platinum")", "The selected Tier is invalid."},
        {"cf_tier", "4", "The selected Tier is invalid."},  // an option of cf_tags
        {"cf_tier", "99", "The selected Tier is invalid."},
        {"cf_tier", R"("Red")", "The selected Tier is invalid."},
        {"cf_tags", "5", "The Tags field must be an array."},
        {"cf_tags", "true", "The Tags field must be an array."},
        {"cf_tags", R"({"a":4})", "The Tags field must be an array."},
        {"cf_tags", R"(["Red","Purple"])", "The selected Tags is invalid."},
        {"cf_tags", R"("Red,Purple")", "The selected Tags is invalid."},
        {"cf_tags", "[1]", "The selected Tags is invalid."},  // an option of cf_tier
        {"cf_tags", R"(["Gold"])", "The selected Tags is invalid."},
    };
    for (const auto& [key, value, message] : cases) {
        INFO(key << " = " << value.substr(0, 40));
        // On create…
        expect_body(client, "POST", "/api/deals",
                    R"({"name":"New","stage_id":1,")" + key + R"(":)" + value + "}", 422,
                    one_error(key, message));
        // …and on update.
        expect_body(client, "PUT", deal_url(1), R"({")" + key + R"(":)" + value + "}", 422,
                    one_error(key, message));
    }
    // Nothing was written; the deal keeps its values.
    CHECK(server.store().log().head_sequence() == head);
    const auto deal = get_ok(client, deal_url(1));
    CHECK(text(deal["cf_text"]) == "Falcon");
    CHECK(deal["cf_budget"].GetInt64() == 5);
    CHECK(get_ok(client, "/api/deals")["meta"]["total"].GetInt64() == 1);

    // The label in the messages is the definition's current label.
    expect(client, "PUT", field_path(3), R"j({"label":"Budget (EUR)"})j", 200);
    expect_body(client, "PUT", deal_url(1), R"({"cf_budget":"lots"})", 422,
                one_error("cf_budget", "The Budget (EUR) field must be a number."));
}

TEST_CASE("custom fields: value errors follow the built-in fields', in field id order",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);

    // Keys deliberately out of order in the body.
    const auto res = client.post(
        "/api/deals",
        R"({"cf_tags":5,"cf_tier":"Platinum","cf_flag":"yes","cf_due":"not a date",)"
        R"("cf_budget":"abc","cf_area":12,"cf_text":12,"billable":{"products":[{"name":"A"}]},)"
        R"("activities":[0],"amount":"abc","stage_id":1})");
    INFO(res.body);
    CHECK(res.status == 422);
    const auto body = parse(res.body);
    // Contract §5.1's order: …, contacts/companies/activities, billable, then custom fields.
    CHECK(keys_of(body["errors"]) == Keys{"name", "amount", "activities.0",
                                          "billable.products.0.unit_price", "cf_text", "cf_area",
                                          "cf_budget", "cf_due", "cf_flag", "cf_tier", "cf_tags"});
    CHECK(text(body["message"]) == "The Deal Name field is required. (and 10 more errors)");
    CHECK(text(body["errors"]["cf_flag"][0]) == "The Approved field must be true or false.");
    CHECK(body["errors"]["cf_text"].Size() == 1);

    // Only custom errors: the summary is the first field's message.
    expect_body(
        client, "POST", "/api/deals",
        R"({"name":"N","stage_id":1,"cf_tier":"nope","cf_budget":-3})", 422,
        R"j({"message":"The Budget field must be at least 0. (and 1 more error)","errors":{)j"
        R"("cf_budget":["The Budget field must be at least 0."],)"
        R"("cf_tier":["The selected Tier is invalid."]}})");
    CHECK(get_ok(client, "/api/deals")["meta"]["total"].GetInt64() == 0);
}

TEST_CASE("custom fields: select= accepts the cf keys of live fields", "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);
    create_deal(client, R"({"name":"Acme","stage_id":1,"cf_budget":12.5,"cf_tier":"Gold"})");

    const auto page = get_ok(client, "/api/deals?select=name;cf_budget");
    REQUIRE(page["data"].Size() == 1);
    CHECK(sorted_keys(page["data"][0]) == Keys{"cf_budget", "id", "name"});
    CHECK(page["data"][0]["cf_budget"].GetDouble() == 12.5);
    const auto found_items = search(client, "q=acme&select=cf_tier;cf_tags");
    REQUIRE(found_items.Size() == 1);
    CHECK(sorted_keys(found_items[0]) == Keys{"cf_tags", "cf_tier", "id"});
    CHECK(found_items[0]["cf_tier"].GetInt64() == 1);
    CHECK(found_items[0]["cf_tags"].IsNull());
    check_422_on(client, "/api/deals?select=name;cf_nope", "select");
    check_422_on(client, "/api/deals/search?q=acme&select=cf_nope", "select");
}

TEST_CASE("custom fields: a trashed deal keeps its values, and restore shows them",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);
    create_deal(
        client,
        R"({"name":"Acme","stage_id":1,"cf_budget":"1250.5","cf_tier":"Silver","cf_tags":[6,4]})");
    REQUIRE(client.del(deal_url(1)).status == 204);
    const auto trashed = client.get("/api/trashed/deals/1");
    INFO(trashed.body);
    REQUIRE(trashed.status == 200);
    CHECK(raw_number(trashed.body, "cf_budget") == "1250.5");
    CHECK(parse(trashed.body)["cf_tier"].GetInt64() == 2);
    const auto listed = get_ok(client, "/api/trashed/deals");
    REQUIRE(listed["data"].Size() == 1);
    CHECK(int_array(listed["data"][0]["cf_tags"]) == Ids{4, 6});
    const auto restored = expect(client, "POST", "/api/trashed/deals/1", "", 200);
    CHECK(restored["cf_tier"].GetInt64() == 2);
    CHECK(int_array(restored["cf_tags"]) == Ids{4, 6});
    CHECK(found(client, "1250.5") == Ids{1});
    REQUIRE(client.del(deal_url(1)).status == 204);
    CHECK(ids_of(get_ok(client, "/api/trashed/deals?q=1250.5")["data"]) == Ids{1});
    CHECK(ids_of(get_ok(client, "/api/trashed/deals?q=silver")["data"]) == Ids{1});
    CHECK(found(client, "1250.5").empty());
}

TEST_CASE("custom fields: If-Match guards a change of values", "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);
    create_deal(client, R"({"name":"Acme","stage_id":1,"cf_budget":5})");  // version 2
    const auto head = server.store().log().head_sequence();
    const auto stale =
        client.request("PUT", deal_url(1), R"({"cf_budget":6})", {{"If-Match", "\"1\""}});
    CHECK(stale.status == 412);
    CHECK(server.store().log().head_sequence() == head);
    const auto fresh =
        client.request("PUT", deal_url(1), R"({"cf_budget":6})", {{"If-Match", "\"2\""}});
    INFO(fresh.body);
    CHECK(fresh.status == 200);
    CHECK(fresh.header("etag") == "\"3\"");
}

TEST_CASE("custom fields: concurrent definitions of one field_id make one field",
          "[http][custom_fields]") {
    TestServer server;
    constexpr int kRequests = 6;
    const auto statuses =
        concurrent_posts(server, kRequests, kFields,
                         R"({"resource_name":"deals","field_id":"cf_race","label":"Race",)"
                         R"("field_type":"Select","options":[{"name":"A"},{"name":"B"}]})");
    CHECK(std::count(statuses.begin(), statuses.end(), 201) == 1);
    CHECK(std::count(statuses.begin(), statuses.end(), 422) == kRequests - 1);
    auto client = server.client();
    const auto list = get_ok(client, kFields);
    REQUIRE(list["data"].Size() == 1);
    CHECK(text(list["data"][0]["field_id"]) == "cf_race");
    // Two fields made at once never share option ids.
    std::vector<std::thread> pair;
    for (const char* id : {"cf_one", "cf_two"}) {
        pair.emplace_back([&server, id] {
            auto c = server.client();
            c.post(kFields, std::string(R"({"resource_name":"deals","field_id":")") + id +
                                R"(","label":"L","field_type":"MultiSelect",)"
                                R"("options":[{"name":"A"},{"name":"B"},{"name":"C"}]})");
        });
    }
    for (auto& t : pair) {
        t.join();
    }
    Ids all;
    const auto fields = get_ok(client, kFields);
    for (const auto& f : fields["data"].GetArray()) {
        const auto ids = ids_of(f["options"]);
        all.insert(all.end(), ids.begin(), ids.end());
    }
    std::sort(all.begin(), all.end());
    CHECK(all.size() == 8);
    CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
}

// 3. Events ------------------------------------------------------------------------------------

TEST_CASE("custom fields: values are recorded as CustomFieldValuesChanged, only when they change",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);

    // A create with values: DealCreated, then the values.
    auto head = server.store().log().head_sequence();
    const auto created = create_deal(
        client,
        R"({"name":"Acme","stage_id":1,"cf_text":"Falcon","cf_budget":10,"cf_tier":"gold"})");
    CHECK(stream_types(server.store(), "deal-1") ==
          Keys{"DealCreated", "CustomFieldValuesChanged"});
    CHECK(created["version"].GetInt64() == 2);
    {
        const auto events = events_after(server.store(), head);
        REQUIRE(events.size() == 2);
        CHECK(events[0].first == "DealCreated");
        CHECK(events[1].first == "CustomFieldValuesChanged");
        CHECK(events[1].second.find("cf_text") != std::string::npos);
        CHECK(events[1].second.find("cf_budget") != std::string::npos);
        CHECK(events[1].second.find("cf_area") == std::string::npos);  // not set: not carried
    }
    // Without values, or with only nulls: DealCreated alone.
    create_deal(client, R"({"name":"Bravo","stage_id":1})");
    CHECK(stream_types(server.store(), "deal-2") == Keys{"DealCreated"});
    create_deal(client, R"({"name":"Charlie","stage_id":1,"cf_text":null,"cf_tags":[]})");
    CHECK(stream_types(server.store(), "deal-3") == Keys{"DealCreated"});

    // An update whose values equal the stored ones (in other forms) writes nothing.
    server.clock().advance_seconds(60);
    head = server.store().log().head_sequence();
    const auto same =
        update(client, 1,
               R"({"cf_text":" Falcon ","cf_budget":"10.000","cf_tier":"GOLD","cf_area":null})");
    CHECK(server.store().log().head_sequence() == head);
    CHECK(same["version"].GetInt64() == 2);
    CHECK(text(same["updated_at"]) == kStartTime);
    CHECK(update(client, 1, R"({"cf_tier":1,"cf_tags":""})")["version"].GetInt64() == 2);
    CHECK(server.store().log().head_sequence() == head);

    // A changing update: one CustomFieldValuesChanged with only the changed field.
    const auto changed = update(client, 1, R"({"cf_text":"Falcon","cf_budget":11})");
    CHECK(changed["version"].GetInt64() == 3);
    CHECK(changed["cf_budget"].GetInt64() == 11);
    {
        const auto events = events_after(server.store(), head);
        REQUIRE(events.size() == 1);
        CHECK(events[0].first == "CustomFieldValuesChanged");
        INFO(events[0].second);
        CHECK(events[0].second.find("cf_budget") != std::string::npos);
        CHECK(events[0].second.find("cf_text") == std::string::npos);
        CHECK(events[0].second.find("Falcon") == std::string::npos);
    }
    // Built-in and custom changes together: one event of each kind.
    head = server.store().log().head_sequence();
    update(client, 1, R"({"name":"Acme Renamed","cf_text":"Eagle","cf_tags":["red"]})");
    {
        const auto events = events_after(server.store(), head);
        CHECK(count_type(events, "CustomFieldValuesChanged") == 1);
        CHECK(count_type(events, "DealUpdated") == 1);
        CHECK(events.size() == 2);
        for (const auto& [type, data] : events) {
            if (type == "CustomFieldValuesChanged") {
                INFO(data);
                CHECK(data.find("cf_text") != std::string::npos);
                CHECK(data.find("cf_tags") != std::string::npos);
                CHECK(data.find("cf_budget") == std::string::npos);
            }
        }
    }
    // Clearing is a change.
    head = server.store().log().head_sequence();
    CHECK(update(client, 1, R"({"cf_text":null})")["cf_text"].IsNull());
    {
        const auto events = events_after(server.store(), head);
        REQUIRE(events.size() == 1);
        CHECK(events[0].first == "CustomFieldValuesChanged");
    }
    {
        const auto types = stream_types(server.store(), "deal-1");
        INFO(Catch::Detail::stringify(types));
        // The update of name and values may record its two events in either order.
        CHECK(
            (types == Keys{"DealCreated", "CustomFieldValuesChanged", "CustomFieldValuesChanged",
                           "DealUpdated", "CustomFieldValuesChanged", "CustomFieldValuesChanged"} ||
             types == Keys{"DealCreated", "CustomFieldValuesChanged", "CustomFieldValuesChanged",
                           "CustomFieldValuesChanged", "DealUpdated", "CustomFieldValuesChanged"}));
    }
    // A refused update writes nothing either.
    head = server.store().log().head_sequence();
    expect(client, "PUT", deal_url(1), R"({"cf_text":"Hawk","cf_budget":"x"})", 422);
    CHECK(server.store().log().head_sequence() == head);
    CHECK(text(get_ok(client, deal_url(1))["name"]) == "Acme Renamed");
}

TEST_CASE("custom fields: definition changes are events; refused ones write nothing",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    auto head = server.store().log().head_sequence();
    define_plain(client, "cf_code", "Code", "Text");
    CHECK(server.store().log().head_sequence() > head);
    head = server.store().log().head_sequence();
    expect(client, "PUT", field_path(1), R"({"label":"Code name"})", 200);
    CHECK(server.store().log().head_sequence() > head);
    head = server.store().log().head_sequence();
    expect(client, "POST", kFields, R"({"resource_name":"deals","field_id":"cf_code"})", 422);
    expect(client, "PUT", field_path(1), R"({"label":""})", 422);
    CHECK(server.store().log().head_sequence() == head);
    expect(client, "DELETE", field_path(1), "", 204);
    CHECK(server.store().log().head_sequence() > head);
}

// 4. Search and order --------------------------------------------------------------------------

TEST_CASE("custom fields: q searches Text, Numeric and Select fields, not the others",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);
    const auto alpha =
        create_deal(client, R"({"name":"Alpha","stage_id":1,"cf_text":"Zebra Crossing",)"
                            R"("cf_budget":777,"cf_tier":"Émeraude"})")["id"]
            .GetInt64();
    const auto bravo = create_deal(client, R"({"name":"Bravo","stage_id":1,"cf_text":"Café Zebra",)"
                                           R"("cf_budget":12.5,"cf_tier":"Gold"})")["id"]
                           .GetInt64();
    const auto charlie =
        create_deal(client, R"({"name":"Charlie","stage_id":1,"cf_area":"wombat notes",)"
                            R"("cf_due":"2026-07-04","cf_flag":true,"cf_tags":["Red"]})")["id"]
            .GetInt64();
    create_deal(client, R"({"name":"Delta","stage_id":1})");

    // Text: like, a substring ignoring case and accents.
    CHECK(found(client, "zebra") == Ids{alpha, bravo});
    CHECK(found(client, "CAFE") == Ids{bravo});
    CHECK(found(client, "Café") == Ids{bravo});
    CHECK(found(client, "ebra cross") == Ids{alpha});
    // Numeric: equality, numerically.
    CHECK(found(client, "777") == Ids{alpha});
    CHECK(found(client, "12.5") == Ids{bravo});
    CHECK(found(client, "12.50") == Ids{bravo});
    CHECK(found(client, "12") == Ids{});
    // Select: equality on the option's name, ignoring case and accents.
    CHECK(found(client, "emeraude") == Ids{alpha});
    CHECK(found(client, "GOLD") == Ids{bravo});
    CHECK(found(client, "gol") == Ids{});
    // Textarea, Date, Boolean and MultiSelect are not searched.
    CHECK(found(client, "wombat") == Ids{});
    CHECK(found(client, "2026-07-04") == Ids{});
    CHECK(found(client, "red") == Ids{});
    CHECK(ids_of(search(client, "q=zebra")) == Ids{alpha, bravo});
    CHECK(ids_of(search(client, "q=777")) == Ids{alpha});
    (void)charlie;

    // search_fields names them like built-in fields, with operators.
    CHECK(found(client, "zebra", "&search_fields=cf_text") == Ids{alpha, bravo});
    CHECK(found(client, "zebra", "&search_fields=cf_text:like") == Ids{alpha, bravo});
    CHECK(found(client, "zebra crossing", "&search_fields=" + enc("cf_text:=")) == Ids{alpha});
    CHECK(found(client, "zebra", "&search_fields=" + enc("cf_text:=")) == Ids{});
    CHECK(found(client, "777,12.5", "&search_fields=" + enc("cf_budget:in")) == Ids{alpha, bravo});
    CHECK(found(client, "gold,emeraude", "&search_fields=" + enc("cf_tier:in")) ==
          Ids{alpha, bravo});
    CHECK(found(client, "777", "&search_fields=cf_budget;name") == Ids{alpha});
    CHECK(found(client, "zebra", "&search_fields=cf_budget;cf_text") == Ids{alpha, bravo});
    // A non-numeric q skips numeric fields; none left is a 422.
    check_refused(client, "/api/deals?q=abc&search_fields=cf_budget", 422,
                  "Invalid search fields.");
    // The field:value form.
    CHECK(found(client, "cf_text:zebra") == Ids{alpha, bravo});
    CHECK(found(client, "cf_text:zebra;cf_budget:777", "&search_match=and") == Ids{alpha});
    CHECK(found(client, "cf_text:zebra;cf_budget:777") == Ids{alpha, bravo});
    CHECK(found(client, "cf_tier:gold") == Ids{bravo});

    // Fields that are not searchable: 403 listing the acceptable ones, the searchable custom
    // fields after user_id in id order.
    const std::string none =
        "None of the search fields were accepted. Acceptable search fields are: " +
        kBuiltInSearchFields + ",cf_text,cf_budget,cf_tier";
    for (const char* fields :
         {"cf_area", "cf_due", "cf_flag", "cf_tags", "cf_area;cf_tags", "cf_nope", "cf_flag:="}) {
        INFO(fields);
        check_refused(client, "/api/deals?q=zebra&search_fields=" + enc(fields), 403, none);
        check_refused(client, "/api/deals/search?q=zebra&search_fields=" + enc(fields), 403, none);
    }
    CHECK(found(client, "zebra", "&search_fields=cf_area;cf_text") == Ids{alpha, bravo});
}

TEST_CASE("custom fields: a user who sees only own deals finds and counts only those",
          "[http][custom_fields]") {
    TestServer server;
    const auto token = add_user_with_token(server.store(), "Olive", "olive@example.com", false,
                                           deals::events::DealsScope::kOwn);  // user 2
    auto admin = server.client();
    seven_fields(admin);
    create_deal(admin,
                R"({"name":"Alpha","stage_id":1,"user_id":1,"cf_text":"zebra","cf_budget":777})");
    const auto bravo =
        create_deal(admin,
                    R"({"name":"Bravo","stage_id":1,"user_id":2,"cf_text":"zebra one"})")["id"]
            .GetInt64();
    const auto echo =
        create_deal(
            admin,
            R"({"name":"Echo","stage_id":1,"user_id":2,"cf_tier":"Gold","cf_text":"Zebra two"})")
            ["id"]
                .GetInt64();
    create_deal(admin, R"({"name":"Foxtrot","stage_id":1,"cf_text":"zebra three"})");

    auto olive = server.client(token);
    const auto page = get_ok(olive, "/api/deals?q=zebra");
    CHECK(ids_of(page["data"]) == Ids{bravo, echo});
    CHECK(page["meta"]["total"].GetInt64() == 2);
    CHECK(page["meta"]["last_page"].GetInt64() == 1);
    CHECK(ids_of(search(olive, "q=zebra")) == Ids{bravo, echo});
    CHECK(found(olive, "777").empty());
    CHECK(found(olive, "gold") == Ids{echo});
    const auto paged = get_ok(olive, "/api/deals?q=zebra&per_page=1&order=cf_text|desc");
    CHECK(ids_of(paged["data"]) == Ids{echo});
    CHECK(paged["meta"]["total"].GetInt64() == 2);
    CHECK(get_ok(admin, "/api/deals?q=zebra")["meta"]["total"].GetInt64() == 4);
    // She sets values on her own deals only; others' answer 404.
    CHECK(update(olive, bravo, R"({"cf_budget":777})")["cf_budget"].GetInt64() == 777);
    CHECK(found(olive, "777") == Ids{bravo});
    CHECK(olive.put(deal_url(1), R"({"cf_budget":1})").status == 404);
    CHECK(found(admin, "777") == Ids{1, bravo});
}

TEST_CASE("custom fields: order by Numeric, Date and Text fields; unset first ascending",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);
    create_deal(
        client,
        R"({"name":"D1","stage_id":1,"cf_budget":50,"cf_due":"2026-05-01","cf_text":"beta","cf_flag":true,"cf_tier":1})");
    create_deal(client, R"({"name":"D2","stage_id":1})");
    create_deal(
        client,
        R"({"name":"D3","stage_id":1,"cf_budget":"50.000","cf_due":"2026-01-15","cf_text":"Älpha"})");
    create_deal(
        client,
        R"({"name":"D4","stage_id":1,"cf_budget":7.5,"cf_due":"2026-12-31","cf_text":"alpha"})");
    create_deal(client, R"({"name":"D5","stage_id":1,"cf_due":"2026-05-01","cf_text":"Charlie"})");

    CHECK(list_ids(client, "order=cf_budget|asc") == Ids{2, 5, 4, 1, 3});
    CHECK(list_ids(client, "order=cf_budget") == Ids{2, 5, 4, 1, 3});
    CHECK(list_ids(client, "order=cf_budget|DESC") == Ids{1, 3, 4, 2, 5});
    CHECK(list_ids(client, "order=cf_due|asc") == Ids{2, 3, 1, 5, 4});
    CHECK(list_ids(client, "order=cf_due|desc") == Ids{4, 1, 5, 3, 2});
    // Text sorts like name: accents and case ignored, ties by id.
    CHECK(list_ids(client, "order=cf_text|asc") == Ids{2, 3, 4, 1, 5});
    CHECK(list_ids(client, "order=cf_text|desc") == Ids{5, 1, 3, 4, 2});
    // The array form, several keys.
    CHECK(list_ids(client,
                   "order[0][field]=cf_budget&order[0][direction]=desc&"
                   "order[1][field]=cf_text&order[1][direction]=desc") == Ids{1, 3, 4, 5, 2});
    CHECK(list_ids(client, "order[field]=cf_due&order[direction]=desc") == Ids{4, 1, 5, 3, 2});
    // Pages and search follow the order.
    const auto page = get_ok(client, "/api/deals?order=cf_budget|desc&per_page=2&page=2");
    CHECK(ids_of(page["data"]) == Ids{4, 2});
    CHECK(page["meta"]["total"].GetInt64() == 5);
    CHECK(ids_of(search(client, "q=" + enc("d") + "&search_fields=name&order=cf_due|asc")) ==
          Ids{2, 3, 1, 5, 4});

    // Boolean, Select, MultiSelect, Textarea and unknown fields cannot be ordered by.
    for (const char* query : {"order=cf_flag|asc", "order=cf_tier|desc", "order=cf_tags",
                              "order=cf_area|asc", "order=cf_nope|asc", "order=cf_budget|sideways",
                              "order[0][field]=cf_tier&order[0][direction]=asc"}) {
        INFO(query);
        check_422_on(client, std::string("/api/deals?") + query, "order");
    }
}

TEST_CASE("custom fields: a deleted field is neither searched nor ordered by",
          "[http][custom_fields]") {
    TestServer server;
    auto client = server.client();
    seven_fields(client);
    const auto alpha =
        create_deal(client,
                    R"({"name":"Alpha","stage_id":1,"cf_text":"zebra","cf_budget":777})")["id"]
            .GetInt64();
    CHECK(found(client, "777") == Ids{alpha});
    CHECK(list_ids(client, "order=cf_budget|asc") == Ids{alpha});

    expect(client, "DELETE", field_path(3), "", 204);

    const std::string none =
        "None of the search fields were accepted. Acceptable search fields are: " +
        kBuiltInSearchFields + ",cf_text,cf_tier";
    check_refused(client, "/api/deals?q=777&search_fields=cf_budget", 403, none);
    check_refused(client, "/api/deals?q=777&search_fields=" + enc("cf_budget:="), 403, none);
    check_422_on(client, "/api/deals?order=cf_budget|asc", "order");
    CHECK(found(client, "777").empty());
    CHECK(found(client, "zebra") == Ids{alpha});

    // A new field with the same field_id has no values.
    define(
        client,
        R"({"resource_name":"deals","field_id":"cf_budget","label":"Budget","field_type":"Numeric"})");
    CHECK(found(client, "777").empty());
    CHECK(found(client, "777", "&search_fields=cf_budget").empty());
    CHECK(list_ids(client, "order=cf_budget|desc") == Ids{alpha});
}

// 5. Replay ------------------------------------------------------------------------------------

namespace {

/// What the API shows of definitions and deals. List links name the server's port, which
/// changes with a restart, so only their data is kept.
std::vector<std::string> snapshot(HttpClient& client) {
    std::vector<std::string> out;
    out.push_back(dump(get_ok(client, kFields)["data"]));
    for (int id = 1; id <= 6; ++id) {
        out.push_back(client.get(field_path(id)).body);
    }
    out.push_back(dump(get_ok(client, "/api/deals")["data"]));
    for (int id = 1; id <= 3; ++id) {
        out.push_back(client.get(deal_url(id)).body);
    }
    return out;
}

/// The stored form of deals 1-3 in `views`.
std::vector<std::string> stored_deals(const deals::projections::Views& views) {
    std::vector<std::string> out;
    for (std::int64_t id = 1; id <= 3; ++id) {
        const auto* d = views.deal(deals::events::DealId{id});
        out.push_back(d != nullptr ? deals::store::encode_view(*d) : "<none>");
    }
    return out;
}

/// Search and order over the restored values (deal 1: cf_text Hawk, cf_budget 1250.5;
/// deal 2: cf_tier Platinum; deal 3: none; the new cf_due has no values).
void check_indexes(HttpClient& client) {
    CHECK(found(client, "hawk") == Ids{1});
    CHECK(found(client, "1250.5") == Ids{1});
    CHECK(found(client, "platinum") == Ids{2});
    CHECK(list_ids(client, "order=cf_budget|desc") == Ids{1, 2, 3});
    CHECK(list_ids(client, "order=cf_text|asc") == Ids{2, 3, 1});
    CHECK(list_ids(client, "order=cf_due|desc") == Ids{1, 2, 3});
    update(client, 3, R"({"cf_due":5})");
    CHECK(list_ids(client, "order=cf_due|desc") == Ids{3, 1, 2});
}

}  // namespace

TEST_CASE("custom fields: definitions and values survive a restart, from the checkpoint or the log",
          "[http][custom_fields]") {
    TempDir dir;
    ManualClock clock;
    std::string token;
    std::vector<std::string> before;
    std::vector<std::string> stored_before;
    deals::events::Sequence head = 0;
    {
        ServerOnDir server(dir.path(), clock);
        token = add_user_with_token(server.store(), "Admin", "admin@example.com", true,
                                    deals::events::DealsScope::kAll);
        auto client = server.client(token);
        define_plain(client, "cf_text", "Code name", "Text");    // 1
        define_plain(client, "cf_budget", "Budget", "Numeric");  // 2
        define(client,
               R"({"resource_name":"deals","field_id":"cf_tier","label":"Tier",)"
               R"("field_type":"Select","options":[{"name":"Gold"},{"name":"Silver"}]})");  // 3
        define(client,
               R"({"resource_name":"deals","field_id":"cf_tags","label":"Tags",)"
               R"("field_type":"MultiSelect","options":[{"name":"Red"},{"name":"Blue"}]})");  // 4
        define_plain(client, "cf_due", "Due", "Date");                                        // 5
        create_deal(client,
                    R"({"name":"Acme","stage_id":1,"cf_text":"Falcon","cf_budget":"1250.5",)"
                    R"("cf_tier":"gold","cf_tags":"blue,red","cf_due":"2026-05-01"})");
        create_deal(client, R"({"name":"Bravo","stage_id":2,"cf_budget":3})");
        create_deal(client, R"({"name":"Charlie","stage_id":1})");
        clock.advance_seconds(60);
        update(client, 1, R"({"cf_text":"Hawk","cf_tags":["Blue"]})");
        update(client, 2, R"({"cf_budget":null,"cf_tier":2})");
        expect(client, "PUT", field_path(3),
               R"({"label":"Level","options":[{"id":2,"name":"Platinum"},{"name":"Bronze"}]})",
               200);
        expect(client, "DELETE", field_path(5), "", 204);
        // The deleted field's key again: a new field (6) without the old field's values.
        define_plain(client, "cf_due", "Due again", "Numeric");
        before = snapshot(client);
        stored_before = server.store().read(stored_deals);
        head = server.store().log().head_sequence();

        // The log alone, folded into fresh views, gives the same deals.
        deals::projections::Views replayed;
        const auto recorded = server.store().log().read_range(1, head, 100000);
        REQUIRE(recorded.size() == head);
        for (const auto& e : recorded) {
            replayed.apply(e);
        }
        CHECK(stored_deals(replayed) == stored_before);
    }
    // What was shown before the restart.
    {
        CHECK(before[1].find(R"("label":"Code name")") != std::string::npos);
        const auto deal1 = parse(before[8]);
        CHECK(text(deal1["cf_text"]) == "Hawk");
        CHECK(raw_number(before[8], "cf_budget") == "1250.5");
        CHECK(deal1["cf_tier"].GetInt64() == 1);
        CHECK(int_array(deal1["cf_tags"]) == Ids{4});
        REQUIRE(deal1.HasMember("cf_due"));
        CHECK(deal1["cf_due"].IsNull());  // the value was the deleted field's
        const auto deal2 = parse(before[9]);
        CHECK(deal2["cf_budget"].IsNull());
        CHECK(deal2["cf_tier"].GetInt64() == 2);
        CHECK(names_of(parse(before[3])["options"]) == Keys{"Gold", "Platinum", "Bronze"});
    }

    SECTION("from the checkpoint") {
        ServerOnDir server(dir.path(), clock);
        auto client = server.client(token);
        CHECK(snapshot(client) == before);
        CHECK(server.store().read(stored_deals) == stored_before);
        // Ids keep counting where they stopped: field 7, option 6.
        const auto next =
            define(client, R"({"resource_name":"deals","field_id":"cf_soon","label":"Soon",)"
                           R"("field_type":"Select","options":[{"name":"Soon"}]})");
        CHECK(next["id"].GetInt64() == 7);
        CHECK(ids_of(next["options"]) == Ids{6});
        // The values still validate, search and sort against the restored definitions.
        check_indexes(client);
        expect_body(client, "PUT", deal_url(1), R"({"cf_tier":"Silver"})", 422,
                    one_error("cf_tier", "The selected Level is invalid."));
    }
    SECTION("from the log alone") {
        forget_views(dir.path());
        ServerOnDir server(dir.path(), clock);
        CHECK(server.store().open_report().events_replayed == head);
        auto client = server.client(token);
        CHECK(snapshot(client) == before);
        CHECK(server.store().read(stored_deals) == stored_before);
        const auto next =
            define(client, R"({"resource_name":"deals","field_id":"cf_x","label":"X",)"
                           R"("field_type":"MultiSelect","options":[{"name":"One"}]})");
        CHECK(next["id"].GetInt64() == 7);
        CHECK(ids_of(next["options"]) == Ids{6});
        CHECK(get_ok(client, deal_url(1))["cf_due"].IsNull());
        check_indexes(client);
    }
}
