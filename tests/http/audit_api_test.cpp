// Contract §13: GET /api/deals/{id}/events, GET /api/deals/{id}?as_of=, GET /api/audit/head.

#include <catch2/catch.hpp>

#include "store/codec.hpp"
#include "store/rocks_event_log.hpp"
#include "support/sha256.hpp"
#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;
using deals::events::DealsScope;
namespace json = deals::json;

namespace {

std::string events_url(std::int64_t id) { return deal_url(id) + "/events"; }
std::string not_found(std::int64_t id) {
    return R"({"message":"No query results for model [Deal] )" + std::to_string(id) + R"("})";
}

/// The id of the user with this email (through the admin's GET /api/users).
std::int64_t user_id_of(HttpClient& admin, const std::string& email) {
    const auto users = get_ok(admin, "/api/users");
    const auto& list = users.IsArray() ? users : users["data"];
    for (const auto& u : list.GetArray()) {
        if (text(u["email"]) == email) {
            return u["id"].GetInt64();
        }
    }
    FAIL("no user " << email);
    return 0;
}

/// The `type` of each event of a history response.
std::vector<std::string> types_of(const json::Value& data) {
    std::vector<std::string> out;
    for (const auto& e : data.GetArray()) {
        out.push_back(text(e["type"]));
    }
    return out;
}

std::vector<std::int64_t> versions_of(const json::Value& data) {
    std::vector<std::int64_t> out;
    for (const auto& e : data.GetArray()) {
        out.push_back(e["stream_version"].GetInt64());
    }
    return out;
}

/// The field keys of a 422 body.
std::vector<std::string> error_keys(const HttpResult& res) {
    const auto doc = parse(res.body);
    REQUIRE(doc.HasMember("errors"));
    return keys_of(doc["errors"]);
}

/// One moment of a deal's life as the API showed it then.
struct Snapshot {
    std::string label;
    std::string at;                   ///< the clock when the body was read
    deals::events::Sequence sequence;  ///< the log's head then
    bool at_change;                   ///< read at the instant of the last change
    std::string body;                 ///< GET /api/deals/{id} (or the trash's, when trashed)
    std::string etag;
};

/// A deal taken through create, update, status, billable, trash, restore, trash and purge,
/// with the clock moved between steps and its JSON captured after each step.
struct Timeline {
    TestServer server;
    HttpClient client = server.client();
    std::int64_t id = 0;
    std::vector<Snapshot> snapshots;
    std::string purged_at;
    deals::events::Sequence purged_sequence = 0;

    void capture(const std::string& label, bool trashed, bool at_change) {
        const auto url =
            (trashed ? "/api/trashed/deals/" + std::to_string(id) : deal_url(id));
        const auto res = client.get(url);
        INFO(label << ": GET " << url << " -> " << res.status << " " << res.body);
        REQUIRE(res.status == 200);
        snapshots.push_back({label, server.clock().now().str(),
                             server.store().log().head_sequence(), at_change, res.body,
                             res.header("etag").value_or("")});
    }

    void step(const std::string& method, const std::string& target, const std::string& body,
              int status) {
        const auto res = client.request(method, target, body);
        INFO(method << " " << target << " " << body << " -> " << res.status << " " << res.body);
        REQUIRE(res.status == status);
    }

    Timeline() {
        // 2026-03-01T10:00:00Z; the close date's midnight passes during the timeline.
        id = create_deal(client,
                         R"({"name":"Acme","stage_id":1,"amount":100,)"
                         R"("expected_close_date":"2026-03-02"})")["id"]
                 .GetInt64();
        capture("created", false, true);
        server.clock().advance_seconds(1800);
        capture("created, half an hour later", false, false);

        server.clock().advance_seconds(86'400);  // 2026-03-02T10:30Z: behind the close date
        step("PUT", deal_url(id), R"({"name":"Acme renewal","stage_id":2})", 200);
        capture("renamed and moved", false, true);
        server.clock().advance_seconds(600);
        capture("renamed, ten minutes later", false, false);

        server.clock().advance_seconds(3600);
        step("PUT", deal_url(id) + "/status/won", "", 200);
        capture("won", false, true);

        server.clock().advance_seconds(3600);
        step("POST", deal_url(id) + "/billable",
             R"({"tax_type":"exclusive","products":[{"name":"Support plan","unit_price":1000,)"
             R"("qty":2,"discount_total":10,"tax_rate":10}]})",
             200);
        capture("products", false, true);

        server.clock().advance_seconds(3600);
        step("DELETE", deal_url(id), "", 204);
        capture("trashed", true, true);

        server.clock().advance_seconds(3600);
        step("POST", "/api/trashed/deals/" + std::to_string(id), "", 200);
        capture("restored", false, true);

        server.clock().advance_seconds(3600);
        step("DELETE", deal_url(id), "", 204);
        server.clock().advance_seconds(60);
        step("DELETE", "/api/trashed/deals/" + std::to_string(id), "", 204);
        purged_at = server.clock().now().str();
        purged_sequence = server.store().log().head_sequence();
        server.clock().advance_seconds(3600);
    }
};

}  // namespace

TEST_CASE("the history of a deal lists its events in order, as stored", "[http][audit]") {
    Timeline t;
    const auto res = t.client.get(events_url(t.id));
    REQUIRE(res.status == 200);
    const auto doc = parse(res.body);
    REQUIRE(keys_of(doc) == std::vector<std::string>{"data"});
    const auto& data = doc["data"];
    CHECK(types_of(data) == std::vector<std::string>{
                                "DealCreated", "DealUpdated", "StageChanged", "StatusChanged",
                                "TaxTypeChanged", "ProductAdded", "DealTrashed", "DealRestored",
                                "DealTrashed", "DealPurged"});
    std::vector<std::int64_t> expected_versions;
    for (std::int64_t v = 1; v <= static_cast<std::int64_t>(data.Size()); ++v) {
        expected_versions.push_back(v);
    }
    CHECK(versions_of(data) == expected_versions);

    const auto& log = t.server.store().log();
    std::string expected_body = "{\"data\":[";
    std::int64_t previous_sequence = 0;
    for (const auto& e : data.GetArray()) {
        CHECK(keys_of(e) == std::vector<std::string>{"id", "sequence", "stream", "stream_version",
                                                     "type", "schema_version", "occurred_at",
                                                     "actor", "request_id", "correlation_id",
                                                     "data", "prev_hash", "hash"});
        CHECK(text(e["stream"]) == "deal-" + std::to_string(t.id));
        const auto sequence = e["sequence"].GetInt64();
        CHECK(sequence > previous_sequence);
        previous_sequence = sequence;
        // The chain: the stored record's hashes, linked to the event before it in the log.
        const auto record = log.read_record(static_cast<deals::events::Sequence>(sequence));
        const auto parts = deals::store::split_record(record);
        CHECK(text(e["prev_hash"]) == parts.prev_hash);
        CHECK(text(e["hash"]) == parts.hash);
        CHECK(parts.hash == deals::support::sha256_hex(parts.prev_hash, parts.body));
        // split_record's parts view the record: keep it alive.
        const std::string before_record =
            log.read_record(static_cast<deals::events::Sequence>(sequence - 1));
        const auto before = deals::store::split_record(before_record);
        CHECK(parts.prev_hash == before.hash);
        CHECK(e["actor"]["user_id"].GetInt64() == 1);
        expected_body += (expected_body.back() == '[' ? "" : ",") +
                         deals::store::envelope_json(record);
    }
    expected_body += "]}";
    // Byte for byte the stored envelopes (no re-encoding).
    CHECK(res.body == expected_body);
    CHECK(text(data[0]["data"]["name"]) == "Acme");
    CHECK(text(data[0]["occurred_at"]) == kStartTime);
    CHECK(text(data[data.Size() - 1]["occurred_at"]) == t.purged_at);
}

TEST_CASE("from_version and limit page through a deal's history", "[http][audit]") {
    Timeline t;
    const auto all = get_ok(t.client, events_url(t.id));
    const auto count = static_cast<std::int64_t>(all["data"].Size());

    const auto page = get_ok(t.client, events_url(t.id) + "?from_version=2&limit=3");
    CHECK(versions_of(page["data"]) == std::vector<std::int64_t>{2, 3, 4});
    CHECK(text(page["data"][0]["id"]) == text(all["data"][1]["id"]));

    CHECK(get_ok(t.client, events_url(t.id) + "?limit=1")["data"].Size() == 1);
    CHECK(get_ok(t.client, events_url(t.id) + "?limit=100000")["data"].Size() ==
          static_cast<rapidjson::SizeType>(count));  // capped at 1000, not refused
    CHECK(get_ok(t.client, events_url(t.id) + "?from_version=" + std::to_string(count))["data"]
              .Size() == 1);
    const auto past_end =
        t.client.get(events_url(t.id) + "?from_version=" + std::to_string(count + 1));
    CHECK(past_end.status == 200);
    CHECK(past_end.body == R"({"data":[]})");
}

TEST_CASE("the history's limit is capped at 1000", "[http][audit]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Busy");
    for (int i = 0; i < 1005; ++i) {
        const auto res = client.put(deal_url(id), R"({"amount":)" + std::to_string(i + 1) + "}");
        REQUIRE(res.status == 200);
    }
    CHECK(get_ok(client, events_url(id))["data"].Size() == 1000);
    CHECK(get_ok(client, events_url(id) + "?limit=5000")["data"].Size() == 1000);
    const auto rest = get_ok(client, events_url(id) + "?from_version=1001");
    CHECK(versions_of(rest["data"]) == std::vector<std::int64_t>{1001, 1002, 1003, 1004, 1005,
                                                                 1006});
}

TEST_CASE("bad from_version and limit answer 422 on that key", "[http][audit]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Paged");
    for (const std::string query :
         {"from_version=0", "from_version=-1", "from_version=abc", "from_version=1.5",
          "from_version="}) {
        const auto res = client.get(events_url(id) + "?" + query);
        INFO(query << " -> " << res.body);
        CHECK(res.status == 422);
        CHECK(error_keys(res) == std::vector<std::string>{"from_version"});
    }
    for (const std::string query : {"limit=0", "limit=-5", "limit=ten", "limit="}) {
        const auto res = client.get(events_url(id) + "?" + query);
        INFO(query << " -> " << res.body);
        CHECK(res.status == 422);
        CHECK(error_keys(res) == std::vector<std::string>{"limit"});
    }
    const auto both = client.get(events_url(id) + "?limit=0&from_version=x");
    CHECK(both.status == 422);
    CHECK(both.body ==
          R"x({"message":"The from version field must be an integer. (and 1 more error)",)x"
          R"x("errors":{"from_version":["The from version field must be an integer."],)x"
          R"x("limit":["The limit field must be at least 1."]}})x");
    // An unknown deal is a 404 before its query is looked at.
    CHECK(client.get(events_url(999) + "?limit=0").status == 404);
}

TEST_CASE("the history of an unknown deal is a 404 like any deal's", "[http][audit]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "Known");
    const auto missing = client.get(events_url(999));
    CHECK(missing.status == 404);
    CHECK(missing.body == not_found(999));
    const auto bad = client.get("/api/deals/abc/events");
    CHECK(bad.status == 404);
    CHECK(bad.body == R"({"message":"No query results for model [Deal] abc"})");
    CHECK(client.get("/api/deals/0/events").status == 404);
    CHECK(client.request("POST", events_url(1), "{}").status == 405);
    HttpClient anonymous(server.port());
    CHECK(anonymous.get(events_url(1)).status == 401);
}

TEST_CASE("as_of shows the deal exactly as the API showed it then", "[http][audit]") {
    Timeline t;
    for (const auto& snap : t.snapshots) {
        INFO(snap.label << " at " << snap.at << ", sequence " << snap.sequence);
        // By time: the same bytes, time_in_stages and falls_behind included (now = as_of).
        const auto by_time = t.client.get(deal_url(t.id) + "?as_of=" + snap.at);
        REQUIRE(by_time.status == 200);
        CHECK(by_time.body == snap.body);
        CHECK(by_time.header("etag") == snap.etag);

        // By sequence: "now" is the time of that event, so a snapshot read later than its
        // change differs only in the keys that count time: time_in_stages and
        // falls_behind_expected_close_date.
        const auto by_sequence =
            t.client.get(deal_url(t.id) + "?as_of=" + std::to_string(snap.sequence));
        REQUIRE(by_sequence.status == 200);
        if (snap.at_change) {
            CHECK(by_sequence.body == snap.body);
        } else {
            const auto want = parse(snap.body);
            const auto got = parse(by_sequence.body);
            CHECK(keys_of(got) == keys_of(want));
            for (auto it = want.MemberBegin(); it != want.MemberEnd(); ++it) {
                const std::string key = text(it->name);
                if (key == "time_in_stages" || key == "falls_behind_expected_close_date") {
                    continue;
                }
                INFO("key " << key);
                CHECK(got[key.c_str()] == it->value);
            }
        }
    }
    // The snapshots read half an hour / ten minutes after a change: time_in_stages moved on.
    const auto created = parse(t.snapshots[0].body);
    const auto later = parse(t.snapshots[1].body);
    CHECK(raw_number(t.snapshots[1].body, "1") == "1800");
    CHECK(created["falls_behind_expected_close_date"].GetBool() == false);
    CHECK(later["time_in_stages"] != created["time_in_stages"]);
    const auto moved = parse(t.snapshots[2].body);
    CHECK(moved["falls_behind_expected_close_date"].GetBool() == true);
    CHECK(text(moved["name"]) == "Acme renewal");
}

TEST_CASE("as_of takes timestamps in several forms, a date meaning the end of that day",
          "[http][audit]") {
    Timeline t;
    const auto& created = t.snapshots[0];  // 2026-03-01T10:00:00Z
    const auto url = deal_url(t.id) + "?as_of=";
    for (const std::string at :
         {"2026-03-01T10:00:00Z", "2026-03-01T10:00:00.000000Z", "2026-03-01T10:00:00",
          "2026-03-01T11:00:00%2B01:00", "2026-03-01T11:00:00+01:00" /* '+' arrives as ' ' */,
          "2026-03-01T05:00:00-05:00"}) {
        INFO(at);
        const auto res = t.client.get(url + at);
        REQUIRE(res.status == 200);
        CHECK(res.body == created.body);
    }
    // A date is up to its last microsecond: the deal as it stood at the end of 1 March.
    const auto day = t.client.get(url + "2026-03-01");
    const auto end_of_day = t.client.get(url + "2026-03-01T23:59:59.999999Z");
    REQUIRE(day.status == 200);
    CHECK(day.body == end_of_day.body);
    const auto doc = parse(day.body);
    CHECK(text(doc["name"]) == "Acme");
    CHECK(raw_number(day.body, "1") == "50400");  // 10:00 to midnight in stage 1
    CHECK(doc["falls_behind_expected_close_date"].GetBool() == false);
    // One microsecond before the update it is still the old deal; at it, the new one.
    CHECK(text(get_ok(t.client, url + "2026-03-02T10:29:59.999999Z")["name"]) == "Acme");
    CHECK(t.client.get(url + t.snapshots[2].at).body == t.snapshots[2].body);
    // A time in the future: the deal as it is now (here: purged).
    CHECK(t.client.get(url + "2030-01-01").status == 404);
}

TEST_CASE("as_of before the deal existed or after its purge is a 404", "[http][audit]") {
    Timeline t;
    const auto url = deal_url(t.id) + "?as_of=";
    for (const auto& at :
         {std::string("2026-03-01T09:59:59.999999Z"), std::string("2026-02-28"),
          std::string("1"), std::to_string(t.snapshots[0].sequence - 1), t.purged_at,
          std::to_string(t.purged_sequence), std::string("2026-03-03")}) {
        INFO(at);
        const auto res = t.client.get(url + at);
        CHECK(res.status == 404);
        CHECK(res.body == not_found(t.id));
    }
    // Just before the purge: the deal in the trash, shown like GET /api/trashed/deals/{id}.
    const auto before = t.client.get(url + std::to_string(t.purged_sequence - 1));
    REQUIRE(before.status == 200);
    CHECK(parse(before.body)["version"].GetInt64() == 9);
    CHECK_FALSE(parse(before.body).HasMember("deleted_at"));
    // Without as_of a purged deal is simply not found.
    CHECK(t.client.get(deal_url(t.id)).status == 404);
}

TEST_CASE("a trashed deal's past is the trash's rendering", "[http][audit]") {
    Timeline t;
    const auto& trashed = t.snapshots[6];
    REQUIRE(trashed.label == "trashed");
    CHECK(t.client.get(deal_url(t.id) + "?as_of=" + trashed.at).body == trashed.body);
    CHECK(t.client.get(deal_url(t.id) + "?as_of=" + std::to_string(trashed.sequence)).body ==
          trashed.body);
}

TEST_CASE("a bad as_of answers 422 on as_of", "[http][audit]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Then");
    const auto head = server.store().log().head_sequence();
    const std::vector<std::string> bad = {
        "yesterday", "2026-13-01", "2026-02-30", "2026-03-01T25:00:00Z", "0", "-3", "", "1.5",
        "2026-03-01T10:00:00Q", std::to_string(head + 1), "99999999999999999999"};
    for (const auto& as_of : bad) {
        const auto res = client.get(deal_url(id) + "?as_of=" + as_of);
        INFO("as_of=" << as_of << " -> " << res.body);
        CHECK(res.status == 422);
        CHECK(error_keys(res) == std::vector<std::string>{"as_of"});
    }
    const auto beyond = parse(client.get(deal_url(id) + "?as_of=" + std::to_string(head + 1)).body);
    CHECK(text(beyond["errors"]["as_of"][0]) ==
          "The as of field must not be greater than " + std::to_string(head) + ".");
    // with= is checked as on the plain GET; the unknown deal is a 404 first.
    CHECK(client.get(deal_url(id) + "?as_of=" + std::to_string(head) + "&with=nope").status ==
          422);
    CHECK(client.get(deal_url(999) + "?as_of=yesterday").status == 404);
}

TEST_CASE("as_of keeps ?with=billable", "[http][audit]") {
    Timeline t;
    const auto& products = t.snapshots[5];
    REQUIRE(products.label == "products");
    const auto now = get_ok(t.client, deal_url(t.id) + "?as_of=" + products.at +
                                          "&with=billable.products");
    REQUIRE(now.HasMember("billable"));
    CHECK(now["billable"]["products"].Size() == 1);
    const auto before = get_ok(t.client, deal_url(t.id) + "?as_of=" + t.snapshots[4].at +
                                             "&with=billable");
    CHECK(before.HasMember("billable"));
}

TEST_CASE("the audit head is the log's head", "[http][audit]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "First");
    server.clock().advance_seconds(90);
    create_named(client, "Second");
    const auto res = client.get("/api/audit/head");
    REQUIRE(res.status == 200);
    const auto doc = parse(res.body);
    CHECK(keys_of(doc) == std::vector<std::string>{"sequence", "hash", "at"});
    const auto& log = server.store().log();
    CHECK(doc["sequence"].GetUint64() == log.head_sequence());
    CHECK(text(doc["hash"]) == log.head_hash());
    CHECK(text(doc["hash"]).size() == 64);
    CHECK(text(doc["at"]) == "2026-03-01T10:01:30.000000Z");

    const auto before = doc["sequence"].GetUint64();
    server.clock().advance_seconds(10);
    create_named(client, "Third");
    const auto after = get_ok(client, "/api/audit/head");
    CHECK(after["sequence"].GetUint64() > before);
    CHECK(text(after["hash"]) == log.head_hash());
    CHECK(text(after["at"]) == "2026-03-01T10:01:40.000000Z");
    CHECK(client.request("HEAD", "/api/audit/head").status == 200);
}

TEST_CASE("the audit head is for super-admins and users who see every deal", "[http][audit]") {
    TestServer server;
    const auto all = add_user_with_token(server.store(), "Alex All", "alex@example.com", false,
                                         DealsScope::kAll);
    const auto own = add_user_with_token(server.store(), "Olive Own", "olive@example.com", false,
                                         DealsScope::kOwn);
    CHECK(server.client(all).get("/api/audit/head").status == 200);
    const auto denied = server.client(own).get("/api/audit/head");
    CHECK(denied.status == 403);
    CHECK(denied.body == R"({"message":"This action is unauthorized."})");
    HttpClient anonymous(server.port());
    CHECK(anonymous.get("/api/audit/head").status == 401);
}

TEST_CASE("own-scope users read the past of the deals they may view", "[http][audit]") {
    TestServer server;
    auto admin = server.client();
    const auto olive_token = add_user_with_token(server.store(), "Olive Own", "olive@example.com",
                                                 false, DealsScope::kOwn);
    const auto oscar_token = add_user_with_token(server.store(), "Oscar Own", "oscar@example.com",
                                                 false, DealsScope::kOwn);
    const auto alex_token = add_user_with_token(server.store(), "Alex All", "alex@example.com",
                                                false, DealsScope::kAll);
    const auto olive_id = user_id_of(admin, "olive@example.com");
    const auto oscar_id = user_id_of(admin, "oscar@example.com");
    auto olive = server.client(olive_token);
    auto oscar = server.client(oscar_token);
    auto alex = server.client(alex_token);

    const auto id = create_named(admin, "Olive's", R"(,"user_id":)" + std::to_string(olive_id));
    const auto created_at = server.store().log().head_sequence();
    const auto as_of = deal_url(id) + "?as_of=" + std::to_string(created_at);

    CHECK(olive.get(events_url(id)).status == 200);
    CHECK(olive.get(as_of).status == 200);
    CHECK(alex.get(events_url(id)).status == 200);
    const auto hidden = oscar.get(events_url(id));
    CHECK(hidden.status == 404);
    CHECK(hidden.body == not_found(id));
    CHECK(oscar.get(as_of).status == 404);
    CHECK(oscar.get(deal_url(id) + "?as_of=yesterday").status == 404);  // 404 before 422

    // Reassigned: the deal's current owner decides, for its whole past.
    server.clock().advance_seconds(60);
    REQUIRE(admin.put(deal_url(id), R"({"user_id":)" + std::to_string(oscar_id) + "}").status ==
            200);
    CHECK(olive.get(events_url(id)).status == 404);
    CHECK(olive.get(as_of).status == 404);
    CHECK(oscar.get(events_url(id)).status == 200);
    const auto then = oscar.get(as_of);
    REQUIRE(then.status == 200);
    const auto doc = parse(then.body);
    CHECK(doc["user_id"].GetInt64() == olive_id);
    // Authorizations are the caller's on the deal as it was then (it was Olive's).
    CHECK(doc["authorizations"]["view"].GetBool() == false);

    // Trashed: still readable by its owner. Purged: by its last owner and by those who see
    // every deal, by nobody else.
    REQUIRE(admin.del(deal_url(id)).status == 204);
    CHECK(oscar.get(events_url(id)).status == 200);
    REQUIRE(admin.del("/api/trashed/deals/" + std::to_string(id)).status == 204);
    CHECK(oscar.get(events_url(id)).status == 200);
    CHECK(oscar.get(as_of).status == 200);
    CHECK(alex.get(events_url(id)).status == 200);
    CHECK(admin.get(events_url(id)).status == 200);
    CHECK(olive.get(events_url(id)).status == 404);
    CHECK(olive.get(as_of).status == 404);
}
