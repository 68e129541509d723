// Billables and the catalog rebuilt from the log: folding every recorded event into fresh views
// gives what the live views (and so the API) show. Contract §16: nothing but events changes state.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "projections/views.hpp"
#include "support/json.hpp"
#include "tests/support/require_status.hpp"
#include "tests/support/restart.hpp"
#include "tests/support/test_server.hpp"

using namespace deals;
using namespace deals::testing;

namespace {

json::Document parse(const std::string& body) {
    json::Document doc;
    doc.Parse(body.c_str(), body.size());
    INFO("body: " << body);
    REQUIRE_FALSE(doc.HasParseError());
    return doc;
}

std::int64_t post_id(HttpClient& client, const std::string& target, const std::string& body,
                     int status = 201) {
    const auto res = client.post(target, body);
    INFO("POST " << target << " " << body << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == status);
    return parse(res.body)["id"].GetInt64();
}

json::Document save(HttpClient& client, std::int64_t deal, const std::string& body) {
    const std::string target = "/api/deals/" + std::to_string(deal) + "/billable";
    const auto res = client.post(target, body);
    INFO("POST " << target << " " << body << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == 200);
    return parse(res.body);
}

/// The JSON text of the first `"amount":` number of a body.
std::string raw_amount(const std::string& body) {
    const std::string needle = "\"amount\":";
    const auto at = body.find(needle);
    if (at == std::string::npos) {
        return "<no amount>";
    }
    const auto start = at + needle.size();
    return body.substr(start, body.find_first_of(",}", start) - start);
}

}  // namespace

TEST_CASE("replay gives the same billable as the live view", "[store][billable]") {
    TestServer server;
    auto client = server.client();

    // A catalog product that lines will match (renamed in case), and one that goes to the trash
    // and is restored by a line.
    const auto cafe = post_id(client, "/api/products",
                              R"({"name":"Café","unit_price":3.5,"sku":"CF","tax_rate":7})");
    const auto binned = post_id(client, "/api/products", R"({"name":"Binned","unit_price":1})");
    require_status(client, "DELETE", "/api/products/" + std::to_string(binned), "", 204);

    // Deal 1: created with an embedded billable (V7), then changed line by line.
    const auto one = post_id(
        client, "/api/deals",
        R"({"name":"One","stage_id":1,"amount":5,"billable":{"tax_type":"exclusive","products":[)"
        R"({"name":"Thirds","unit_price":33.333,"qty":3,"tax_rate":7.5},)"
        R"({"name":"Halves","unit_price":19.99,"qty":1.5,"discount_type":"fixed","discount_total":0.99,"tax_rate":7.5}]}})");
    server.clock().advance_seconds(10);
    const auto first = save(
        client, one,
        R"({"products":[{"name":"cafe","unit_price":4,"qty":2},)"
        R"({"name":"binned","unit_price":2},{"name":"Fresh","unit_price":9.99,"tax_rate":19}]})");
    const auto thirds = first["products"][0]["id"].GetInt64();
    const auto halves = first["products"][1]["id"].GetInt64();
    server.clock().advance_seconds(10);
    save(
        client, one,
        R"({"tax_type":"inclusive","products":[{"id":)" + std::to_string(thirds) +
            R"(,"name":"Thirds renamed","unit_price":30,"qty":3,"tax_rate":7.5,"display_order":5}],)"
            R"("removed_products":[)" +
            std::to_string(halves) + "]}");

    // Deal 2: a first save without products keeps an amount below 1; then lines come and go.
    const auto two = post_id(client, "/api/deals", R"({"name":"Two","stage_id":1,"amount":0.5})");
    save(client, two, R"({"products":[]})");
    const auto added =
        save(client, two, R"({"products":[{"name":"Fresh","unit_price":1.005,"qty":2}]})");
    server.clock().advance_seconds(10);
    save(client, two,
         R"({"removed_products":[)" + std::to_string(added["products"][0]["id"].GetInt64()) + "]}");

    // Deal 3: the billable through PUT /api/deals, then a product update in the catalog.
    const auto three = post_id(client, "/api/deals", R"({"name":"Three","stage_id":1})");
    require_status(
        client, "PUT", "/api/deals/" + std::to_string(three),
        R"({"billable":{"tax_type":"exclusive","products":[{"name":"CAFE","unit_price":3.5}]}})",
        200);
    require_status(client, "PUT", "/api/products/" + std::to_string(cafe), R"({"unit_price":3.75})",
                   200);

    const auto replayed = replay(server.store());
    server.store().read([&](const projections::Views& live) {
        CHECK(replayed.applied_sequence() == live.applied_sequence());
        CHECK(replayed.watermarks() == live.watermarks());
        for (const auto id : {one, two, three}) {
            INFO("deal " << id);
            const auto* a = live.deal(events::DealId{id});
            const auto* b = replayed.deal(events::DealId{id});
            REQUIRE(a != nullptr);
            REQUIRE(b != nullptr);
            REQUIRE(a->billable.has_value());
            REQUIRE(b->billable.has_value());
            CHECK(a->billable == b->billable);
            CHECK(a->amount == b->amount);
            CHECK(a->products_count == b->products_count);
            CHECK(a->version == b->version);
            CHECK(*a == *b);
        }
        const auto live_products = live.products_by_name(projections::Trash::kLive);
        const auto replayed_products = replayed.products_by_name(projections::Trash::kLive);
        REQUIRE(live_products.size() == replayed_products.size());
        for (std::size_t i = 0; i < live_products.size(); ++i) {
            INFO("product " << live_products[i]->fields.name);
            CHECK(*live_products[i] == *replayed_products[i]);
        }
        CHECK(replayed.products_by_name(projections::Trash::kTrashed).empty());
        // Lines are found by id in the replay as they are live.
        for (const auto id : {one, two, three}) {
            for (const auto& l : live.deal(events::DealId{id})->billable->lines) {
                CHECK(replayed.deal_of_line(l.line.id) == std::optional(events::DealId{id}));
            }
        }
        return 0;
    });

    // And the figures are the ones the API shows.
    const auto body_one = client.get("/api/deals/" + std::to_string(one)).body;
    const auto deal_one = parse(body_one);
    const auto deal_two = parse(client.get("/api/deals/" + std::to_string(two)).body);
    const auto* replayed_one = replayed.deal(events::DealId{one});
    const auto* replayed_two = replayed.deal(events::DealId{two});
    REQUIRE(replayed_one->amount.has_value());
    CHECK(replayed_one->amount->str() == raw_amount(body_one));
    CHECK(replayed_one->products_count == deal_one["products_count"].GetInt64());
    CHECK(replayed_one->billable->tax_type == events::TaxType::kInclusive);
    CHECK(replayed_two->products_count == 0);
    REQUIRE(replayed_two->amount.has_value());
    // 2 × 1.005 = 2.01 was the amount; removing the line sets 0.
    CHECK(replayed_two->amount->str() == "0");
    CHECK(deal_two["amount"].GetDouble() == 0);
    const auto* restored = replayed.product(events::ProductId{binned});
    REQUIRE(restored != nullptr);
    CHECK_FALSE(restored->trashed());
    const auto* matched = replayed.product(events::ProductId{cafe});
    REQUIRE(matched != nullptr);
    CHECK(matched->fields.unit_price == *events::Money::parse("3.75"));
}
