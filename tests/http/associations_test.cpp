// /api/associations/deals/{id} and the association keys of deal bodies: contract §8, §5.1.

#include <catch2/catch.hpp>

#include "store/codec.hpp"
#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

constexpr const char* kDeal1 = "/api/associations/deals/1";

std::vector<std::int64_t> ids_under(const deals::json::Value& deal, const char* type) {
    return ids_of(deal[type]);
}

deals::json::Document call(HttpClient& client, const std::string& method,
                           const std::string& target, const std::string& body, int status) {
    const auto res = client.request(method, target, body);
    INFO(method << " " << target << " " << body << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == status);
    return parse(res.body);
}

/// The AssociationsChanged events of deal 1, as stored.
std::size_t association_events(deals::store::Store& store) {
    std::size_t n = 0;
    const auto head = store.log().head_sequence();
    for (const auto& e : store.log().read_range(1, head, 100000)) {
        n += std::holds_alternative<deals::events::AssociationsChanged>(e.data) ? 1 : 0;
    }
    return n;
}

}  // namespace

TEST_CASE("attach adds ids and keeps the others; the deal shows arrays and counts",
          "[http][associations]") {
    TestServer server;
    auto client = server.client();
    create_deal(client, R"({"name":"Acme","stage_id":1})");
    const auto deal = call(client, "PUT", kDeal1, R"({"contacts":[3,1,3],"activities":[9]})", 200);
    CHECK(ids_under(deal, "contacts") == std::vector<std::int64_t>{1, 3});
    CHECK(ids_under(deal, "companies").empty());
    CHECK(ids_under(deal, "activities") == std::vector<std::int64_t>{9});
    CHECK(deal["contacts_count"].GetInt() == 2);
    CHECK(deal["activities_count"].GetInt() == 1);
    CHECK(deal["associations_count"].GetInt() == 3);
    const auto more = call(client, "PUT", kDeal1, R"({"contacts":[2]})", 200);
    CHECK(ids_under(more, "contacts") == std::vector<std::int64_t>{1, 2, 3});
    // GET lists them per type; list items carry only the counts, search items the arrays.
    const auto listed = get_ok(client, kDeal1);
    CHECK(keys_of(listed) == std::vector<std::string>{"contacts", "companies", "activities"});
    CHECK(ids_under(listed, "contacts") == std::vector<std::int64_t>{1, 2, 3});
    const auto item = get_ok(client, "/api/deals")["data"][0].GetObject();
    CHECK(item["contacts_count"].GetInt() == 3);
    CHECK_FALSE(item.HasMember("contacts"));
    const auto found = get_ok(client, "/api/deals/search?q=acme");
    CHECK(ids_of(found[0]["contacts"]) == std::vector<std::int64_t>{1, 2, 3});
    CHECK_FALSE(found[0].HasMember("associations_count"));
    CHECK(association_events(server.store()) == 2);
}

TEST_CASE("sync replaces a type's ids, and [] empties it", "[http][associations]") {
    TestServer server;
    auto client = server.client();
    create_deal(client, R"({"name":"Acme","stage_id":1,"contacts":[1,2],"companies":[5]})");
    const auto synced = call(client, "POST", kDeal1, R"({"contacts":[2,4]})", 200);
    CHECK(ids_under(synced, "contacts") == std::vector<std::int64_t>{2, 4});
    CHECK(ids_under(synced, "companies") == std::vector<std::int64_t>{5});  // not named: kept
    const auto emptied = call(client, "POST", kDeal1, R"({"companies":[]})", 200);
    CHECK(ids_under(emptied, "companies").empty());
    CHECK(ids_under(emptied, "contacts") == std::vector<std::int64_t>{2, 4});
}

TEST_CASE("detach removes the given ids, unknown ones are ignored", "[http][associations]") {
    TestServer server;
    auto client = server.client();
    create_deal(client, R"({"name":"Acme","stage_id":1,"contacts":[1,2,3]})");
    const auto detached = call(client, "DELETE", kDeal1, R"({"contacts":[2,99]})", 200);
    CHECK(ids_under(detached, "contacts") == std::vector<std::int64_t>{1, 3});
}

TEST_CASE("the 409 and 422 answers of the association routes", "[http][associations]") {
    TestServer server;
    auto client = server.client();
    create_deal(client, R"({"name":"Acme","stage_id":1,"contacts":[1]})");
    const auto events_before = server.store().log().head_sequence();
    auto unknown = call(client, "PUT", kDeal1, R"({"contacts":[2],"foo":[1]})", 409);
    CHECK(unknown["message"] == "The provided resource name \"foo\" cannot be associated to deal.");
    for (const auto* method : {"PUT", "DELETE"}) {
        for (const auto* body : {"{}", R"({"contacts":[]})", R"({"contacts":"x"})"}) {
            INFO(method << " " << body);
            const auto res = client.request(method, kDeal1, body);
            if (std::string(body) == R"({"contacts":"x"})") {
                // A comma string is read as ids ("1,2"); "x" is not one.
                CHECK(res.status == 422);
                continue;
            }
            CHECK(res.status == 422);
            CHECK(res.body ==
                  R"({"message":"Make sure to provide at least one resource.","errors":{"resources":)"
                  R"(["Make sure to provide at least one resource."]}})");
        }
    }
    const auto again = client.put(kDeal1, R"({"contacts":[1]})");
    CHECK(again.status == 409);
    CHECK(again.body == R"({"message":"This record is already associated"})");
    const auto bad = call(client, "PUT", kDeal1, R"({"contacts":[1,0,"a",2.5,-3]})", 422);
    CHECK(keys_of(bad["errors"]) ==
          std::vector<std::string>{"contacts.1", "contacts.2", "contacts.3", "contacts.4"});
    // Nothing above was written.
    CHECK(server.store().log().head_sequence() == events_before);
    // Two ids of which one is new is no conflict; an attach that changes nothing writes nothing.
    call(client, "PUT", kDeal1, R"({"contacts":[1,2]})", 200);
    const auto head = server.store().log().head_sequence();
    call(client, "PUT", kDeal1, R"({"contacts":[1,2]})", 200);
    call(client, "POST", kDeal1, R"({"contacts":[1,2]})", 200);
    CHECK(server.store().log().head_sequence() == head);
}

TEST_CASE("association routes answer 404 for a missing, trashed or invisible deal",
          "[http][associations]") {
    TestServer server;
    auto admin = server.client();
    const auto token = add_user_with_token(server.store(), "Olive", "olive@example.com", false,
                                           deals::events::DealsScope::kOwn);
    create_deal(admin, R"({"name":"Admin's","stage_id":1,"user_id":1})");
    create_deal(admin, R"({"name":"Olive's","stage_id":1,"user_id":2})");
    create_deal(admin, R"({"name":"Trashed","stage_id":1})");
    REQUIRE(admin.del("/api/deals/3").status == 204);
    auto olive = server.client(token);
    for (const auto* method : {"GET", "PUT", "POST", "DELETE"}) {
        INFO(method);
        CHECK(olive.request(method, kDeal1, R"({"contacts":[1]})").status == 404);
        CHECK(admin.request(method, "/api/associations/deals/3", R"({"contacts":[1]})").status ==
              404);
        CHECK(admin.request(method, "/api/associations/deals/999", R"({"contacts":[1]})").status ==
              404);
    }
    CHECK(olive.put("/api/associations/deals/2", R"({"contacts":[1]})").status == 200);
}

TEST_CASE("deal bodies attach on create and replace on update", "[http][associations]") {
    TestServer server;
    auto client = server.client();
    const auto created =
        create_deal(client, R"({"name":"Acme","stage_id":1,"contacts":"3, 1","companies":[7]})");
    CHECK(ids_under(created, "contacts") == std::vector<std::int64_t>{1, 3});
    CHECK(created["associations_count"].GetInt() == 3);
    const auto updated = parse(client.put("/api/deals/1", R"({"contacts":[4]})").body);
    CHECK(ids_under(updated, "contacts") == std::vector<std::int64_t>{4});
    CHECK(ids_under(updated, "companies") == std::vector<std::int64_t>{7});
    // Item errors come after the deal's own, in contract §5.1's order.
    const auto res = client.post("/api/deals", R"({"stage_id":1,"activities":[0]})");
    CHECK(res.status == 422);
    CHECK(keys_of(parse(res.body)["errors"]) == std::vector<std::string>{"name", "activities.0"});
    // A trashed deal keeps its associations.
    REQUIRE(client.del("/api/deals/1").status == 204);
    REQUIRE(client.post("/api/trashed/deals/1", "").status == 200);
    CHECK(ids_under(get_ok(client, kDeal1), "contacts") == std::vector<std::int64_t>{4});
}

TEST_CASE("If-Match guards an association change", "[http][associations]") {
    TestServer server;
    auto client = server.client();
    create_deal(client, R"({"name":"Acme","stage_id":1})");
    const auto stale =
        client.request("PUT", kDeal1, R"({"contacts":[1]})", {{"If-Match", "\"7\""}});
    CHECK(stale.status == 412);
    const auto fresh =
        client.request("PUT", kDeal1, R"({"contacts":[1]})", {{"If-Match", "\"1\""}});
    CHECK(fresh.status == 200);
}

TEST_CASE("replaying the log rebuilds the associations exactly", "[http][associations]") {
    TestServer server;
    auto client = server.client();
    create_deal(client, R"({"name":"Acme","stage_id":1,"contacts":[1,2]})");
    call(client, "PUT", kDeal1, R"({"companies":[5,6],"activities":[8]})", 200);
    call(client, "POST", kDeal1, R"({"contacts":[2,3]})", 200);
    call(client, "DELETE", kDeal1, R"({"companies":[5]})", 200);
    deals::projections::Views replayed;
    const auto head = server.store().log().head_sequence();
    for (const auto& e : server.store().log().read_range(1, head, 100000)) {
        replayed.apply(e);
    }
    const auto live = server.store().read([](const deals::projections::Views& v) {
        return *v.deal(deals::events::DealId{1});
    });
    const auto* rebuilt = replayed.deal(deals::events::DealId{1});
    REQUIRE(rebuilt != nullptr);
    CHECK(rebuilt->associations == live.associations);
    CHECK(live.associations.contacts == std::vector<std::int64_t>{2, 3});
    CHECK(live.associations.companies == std::vector<std::int64_t>{6});
    CHECK(live.associations.activities == std::vector<std::int64_t>{8});
    CHECK(deals::store::encode_view(*rebuilt) == deals::store::encode_view(live));
}
