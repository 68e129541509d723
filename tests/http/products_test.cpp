// /api/products: the catalog of contract §7.6 and reference §10.

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

std::vector<std::string> sorted_copy(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

/// POSTs a product and requires a 201; returns the parsed product.
deals::json::Document create_product(HttpClient& client, const std::string& body) {
    const auto res = client.post("/api/products", body);
    INFO("POST /api/products " << body << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == 201);
    return parse(res.body);
}

std::int64_t product_named(HttpClient& client, const std::string& name,
                           const std::string& extra = {}) {
    return create_product(client,
                          R"({"name":")" + name + R"(","unit_price":10)" + extra + "}")["id"]
        .GetInt64();
}

std::string product_path(std::int64_t id) { return "/api/products/" + std::to_string(id); }

std::string post_422(HttpClient& client, const std::string& body) {
    const auto res = client.post("/api/products", body);
    INFO("POST /api/products " << body << " -> " << res.status << " " << res.body);
    CHECK(res.status == 422);
    return res.body;
}

std::string put_422(HttpClient& client, std::int64_t id, const std::string& body) {
    const auto res = client.put(product_path(id), body);
    INFO("PUT " << product_path(id) << " " << body << " -> " << res.status << " " << res.body);
    CHECK(res.status == 422);
    return res.body;
}

const std::vector<std::string> kProductKeys = {"id",
                                               "display_name",
                                               "created_at",
                                               "updated_at",
                                               "authorizations",
                                               "was_recently_created",
                                               "name",
                                               "sku",
                                               "description",
                                               "unit_price",
                                               "direct_cost",
                                               "tax_rate",
                                               "tax_label",
                                               "unit",
                                               "is_active",
                                               "created_by",
                                               "creator"};

}  // namespace

TEST_CASE("creating a product answers 201 with the keys of reference 10", "[http][products]") {
    TestServer server;
    auto client = server.client();
    const auto res = client.post(
        "/api/products",
        R"({"name":"Consulting hour","sku":"CH-1","description":"One hour","unit_price":120.5,)"
        R"("direct_cost":80.125,"tax_rate":7.5,"tax_label":"VAT","unit":"h","is_active":true})");
    INFO(res.body);
    REQUIRE(res.status == 201);
    CHECK(res.header("content-type") == "application/json; charset=utf-8");
    const auto p = parse(res.body);
    auto with_actions = kProductKeys;
    with_actions.emplace_back("actions");
    CHECK(sorted_copy(keys_of(p)) == sorted_copy(with_actions));
    CHECK_FALSE(p.HasMember("path"));

    CHECK(p["id"].GetInt64() == 1);
    CHECK(text(p["display_name"]) == "Consulting hour");
    CHECK(text(p["name"]) == "Consulting hour");
    CHECK(text(p["created_at"]) == kStartTime);
    CHECK(text(p["updated_at"]) == kStartTime);
    CHECK(p["authorizations"].IsObject());
    CHECK(p["authorizations"]["update"].GetBool());
    CHECK(p["authorizations"]["delete"].GetBool());
    CHECK(p["was_recently_created"].GetBool());
    CHECK(text(p["sku"]) == "CH-1");
    CHECK(text(p["description"]) == "One hour");
    CHECK(raw_number(res.body, "unit_price") == "120.5");
    CHECK(raw_number(res.body, "direct_cost") == "80.125");
    CHECK(raw_number(res.body, "tax_rate") == "7.5");
    CHECK(text(p["tax_label"]) == "VAT");
    CHECK(text(p["unit"]) == "h");
    CHECK(p["is_active"].GetBool());
    CHECK(p["created_by"].GetInt64() == 1);
    CHECK(p["creator"]["id"].GetInt64() == 1);
    CHECK(text(p["creator"]["name"]) == "Admin");
    CHECK(p["actions"].IsArray());
}

TEST_CASE("a product created with only a name and a price gets the defaults", "[http][products]") {
    TestServer server;
    auto client = server.client();
    const auto res = client.post("/api/products", R"({"name":"Bare","unit_price":0})");
    INFO(res.body);
    REQUIRE(res.status == 201);
    const auto p = parse(res.body);
    CHECK(p["sku"].IsNull());
    CHECK(p["description"].IsNull());
    CHECK(raw_number(res.body, "unit_price") == "0");
    CHECK(raw_number(res.body, "direct_cost") == "0");  // null is shown as 0
    CHECK(raw_number(res.body, "tax_rate") == "0");
    CHECK(text(p["tax_label"]) == "TAX");
    CHECK(p["unit"].IsNull());
    CHECK(p["is_active"].GetBool());
}

TEST_CASE("a product needs a name and a unit price", "[http][products]") {
    TestServer server;
    auto client = server.client();
    CHECK(
        post_422(client, "{}") ==
        R"j({"message":"The Name field is required. (and 1 more error)","errors":{)j"
        R"("name":["The Name field is required."],"unit_price":["The Unit Price field is required."]}})");
    CHECK(post_422(client, R"({"name":"  ","unit_price":1})") ==
          one_error("name", "The Name field is required."));
    CHECK(post_422(client, R"({"name":")" + std::string(192, 'n') + R"(","unit_price":1})") ==
          one_error("name", "The Name field must not be greater than 191 characters."));
    CHECK(get_ok(client, "/api/products")["meta"]["total"].GetInt64() == 0);
}

TEST_CASE("a product name must be unique ignoring case and accents, trashed products included",
          "[http][products]") {
    TestServer server;
    auto client = server.client();
    product_named(client, "Café Crème");
    const std::string taken = one_error("name", "The Name has already been taken.");
    CHECK(post_422(client, R"({"name":"cafe creme","unit_price":1})") == taken);
    CHECK(post_422(client, R"({"name":"CAFÉ CRÈME","unit_price":1})") == taken);

    const auto trashed = product_named(client, "Old Stock");
    REQUIRE(client.del(product_path(trashed)).status == 204);
    CHECK(post_422(client, R"({"name":"old stock","unit_price":1})") == taken);
}

TEST_CASE("a product sku must be unique", "[http][products]") {
    TestServer server;
    auto client = server.client();
    product_named(client, "First", R"(,"sku":"SKU-1")");
    CHECK(post_422(client, R"({"name":"Second","unit_price":1,"sku":"SKU-1"})") ==
          one_error("sku", "A product with this SKU already exists."));
    // Nulls do not collide.
    product_named(client, "Third");
    product_named(client, "Fourth", R"(,"sku":null)");
    // Another product's sku on update.
    const auto other = product_named(client, "Fifth", R"(,"sku":"SKU-5")");
    CHECK(put_422(client, other, R"({"sku":"SKU-1"})") ==
          one_error("sku", "A product with this SKU already exists."));
    // Its own sku is fine.
    CHECK(client.put(product_path(other), R"({"sku":"SKU-5"})").status == 200);
}

TEST_CASE("a product sku is unique ignoring case, as MySQL's collation compares it",
          "[http][products]") {
    // Reference §7.4/§10: Concord's unique rule runs on utf8mb4_unicode_ci, where "abc" = "ABC".
    TestServer server;
    auto client = server.client();
    product_named(client, "First", R"(,"sku":"ABC-1")");
    CHECK(post_422(client, R"({"name":"Second","unit_price":1,"sku":"abc-1"})") ==
          one_error("sku", "A product with this SKU already exists."));
}

TEST_CASE("a product unit price is a number of at least 0 with at most three decimals",
          "[http][products]") {
    TestServer server;
    auto client = server.client();
    CHECK(post_422(client, R"({"name":"P","unit_price":"lots"})") ==
          one_error("unit_price", "The Unit Price field must be a number."));
    CHECK(post_422(client, R"({"name":"P","unit_price":-1})") ==
          one_error("unit_price", "The Unit Price field must be at least 0."));
    CHECK(post_422(client, R"({"name":"P","unit_price":1.2345})") ==
          one_error("unit_price", "The Unit Price field must have 0-3 decimal places."));
    const auto res = client.post("/api/products", R"({"name":"P","unit_price":"1.234"})");
    REQUIRE(res.status == 201);
    CHECK(raw_number(res.body, "unit_price") == "1.234");
}

TEST_CASE("a product tax rate is between 0 and 100 with at most three decimals",
          "[http][products]") {
    TestServer server;
    auto client = server.client();
    CHECK(post_422(client, R"({"name":"P","unit_price":1,"tax_rate":100.001})") ==
          one_error("tax_rate", "The Tax Rate field must not be greater than 100."));
    CHECK(post_422(client, R"({"name":"P","unit_price":1,"tax_rate":-0.5})") ==
          one_error("tax_rate", "The Tax Rate field must be at least 0."));
    CHECK(post_422(client, R"({"name":"P","unit_price":1,"tax_rate":"x"})") ==
          one_error("tax_rate", "The Tax Rate field must be a number."));
    CHECK(post_422(client, R"({"name":"P","unit_price":1,"tax_rate":7.1234})") ==
          one_error("tax_rate", "The Tax Rate field must have 0-3 decimal places."));
    const auto hundred =
        client.post("/api/products", R"({"name":"P","unit_price":1,"tax_rate":100})");
    REQUIRE(hundred.status == 201);
    CHECK(raw_number(hundred.body, "tax_rate") == "100");
    const auto empty = client.post("/api/products", R"({"name":"Q","unit_price":1,"tax_rate":""})");
    REQUIRE(empty.status == 201);
    CHECK(raw_number(empty.body, "tax_rate") == "0");  // empty is stored as 0
}

TEST_CASE("a product direct cost and is_active are validated", "[http][products]") {
    TestServer server;
    auto client = server.client();
    CHECK(post_422(client, R"({"name":"P","unit_price":1,"direct_cost":-2})") ==
          one_error("direct_cost", "The Direct Cost field must be at least 0."));
    CHECK(post_422(client, R"({"name":"P","unit_price":1,"is_active":"maybe"})") ==
          one_error("is_active", "The Active field must be true or false."));
    const auto res =
        client.post("/api/products", R"({"name":"P","unit_price":1,"is_active":false})");
    REQUIRE(res.status == 201);
    CHECK_FALSE(parse(res.body)["is_active"].GetBool());
}

TEST_CASE("one product is shown with actions and was_recently_created false", "[http][products]") {
    TestServer server;
    auto client = server.client();
    const auto id = product_named(client, "Shown");
    const auto res = client.get(product_path(id));
    INFO(res.body);
    REQUIRE(res.status == 200);
    const auto p = parse(res.body);
    CHECK(p.HasMember("actions"));
    CHECK_FALSE(p["was_recently_created"].GetBool());
    CHECK(text(p["name"]) == "Shown");

    expect_body(client, "GET", "/api/products/99", "", 404,
                R"({"message":"No query results for model [Product] 99"})");
}

TEST_CASE("an update changes only the fields it names", "[http][products]") {
    TestServer server;
    auto client = server.client();
    const auto id =
        create_product(client, R"({"name":"Widget","unit_price":10,"sku":"W-1","tax_rate":5,)"
                               R"("tax_label":"VAT","unit":"pcs","description":"d"})")["id"]
            .GetInt64();
    server.clock().advance_seconds(30);
    const auto res = client.put(product_path(id), R"({"unit_price":12.75,"is_active":false})");
    INFO(res.body);
    REQUIRE(res.status == 200);
    const auto p = parse(res.body);
    CHECK(raw_number(res.body, "unit_price") == "12.75");
    CHECK_FALSE(p["is_active"].GetBool());
    CHECK(text(p["name"]) == "Widget");
    CHECK(text(p["sku"]) == "W-1");
    CHECK(raw_number(res.body, "tax_rate") == "5");
    CHECK(text(p["tax_label"]) == "VAT");
    CHECK(text(p["unit"]) == "pcs");
    CHECK(text(p["description"]) == "d");
    CHECK_FALSE(p["was_recently_created"].GetBool());
    CHECK(text(p["created_at"]) == kStartTime);
    CHECK(text(p["updated_at"]) == "2026-03-01T10:00:30.000000Z");

    // A product may keep its own name in another case; another product's name is taken.
    CHECK(client.put(product_path(id), R"({"name":"WIDGET"})").status == 200);
    product_named(client, "Gadget");
    CHECK(put_422(client, id, R"({"name":"gadget"})") ==
          one_error("name", "The Name has already been taken."));
    CHECK(text(get_ok(client, product_path(id))["name"]) == "WIDGET");
}

TEST_CASE("an update may not empty the name (Laravel's filled rule)", "[http][products]") {
    TestServer server;
    auto client = server.client();
    const auto id = product_named(client, "Named");
    const auto body = put_422(client, id, R"({"name":""})");
    // Reference §10: name is `filled` on update, whose Laravel message is "must have a value"
    // (as PUT /api/deals says "The Deal Name field must have a value.").
    CHECK(body == one_error("name", "The Name field must have a value."));
    CHECK(text(get_ok(client, product_path(id))["name"]) == "Named");
}

TEST_CASE("a deleted product answers 204, then 404, and leaves the lists", "[http][products]") {
    TestServer server;
    auto client = server.client();
    const auto keep = product_named(client, "Keep");
    const auto gone = product_named(client, "Gone");
    const auto del = client.del(product_path(gone));
    CHECK(del.status == 204);
    CHECK(del.body.empty());
    CHECK(client.get(product_path(gone)).status == 404);
    CHECK(client.put(product_path(gone), R"({"unit_price":1})").status == 404);
    CHECK(client.del(product_path(gone)).status == 404);
    const auto list = get_ok(client, "/api/products");
    CHECK(ids_of(list["data"]) == std::vector<std::int64_t>{keep});
    CHECK(list["meta"]["total"].GetInt64() == 1);
    CHECK(ids_of(get_ok(client, "/api/products/active")) == std::vector<std::int64_t>{keep});
    CHECK(get_ok(client, "/api/products/search?q=Gone").Empty());
}

TEST_CASE("products are listed in name order, paginated, without actions", "[http][products]") {
    TestServer server;
    auto client = server.client();
    for (const char* name : {"cherry", "Banana", "apple", "Äpfel", "date"}) {
        product_named(client, name);
    }
    const auto first = get_ok(client, "/api/products?per_page=2");
    CHECK(keys_of(first) == std::vector<std::string>{"data", "links", "meta"});
    CHECK(names_of(first["data"]) == std::vector<std::string>{"Äpfel", "apple"});
    CHECK(first["meta"]["total"].GetInt64() == 5);
    CHECK(first["meta"]["last_page"].GetInt64() == 3);
    CHECK(first["meta"]["per_page"].GetInt64() == 2);
    CHECK(sorted_copy(keys_of(first["data"][0])) == sorted_copy(kProductKeys));
    CHECK_FALSE(first["data"][0]["was_recently_created"].GetBool());

    const auto second = get_ok(client, "/api/products?per_page=2&page=2");
    CHECK(names_of(second["data"]) == std::vector<std::string>{"Banana", "cherry"});
    const auto third = get_ok(client, "/api/products?per_page=2&page=3");
    CHECK(names_of(third["data"]) == std::vector<std::string>{"date"});
}

TEST_CASE("search matches q in names ignoring case and accents, skus exactly, and descriptions",
          "[http][products]") {
    TestServer server;
    auto client = server.client();
    product_named(client, "Crème brûlée");
    product_named(client, "Espresso", R"(,"sku":"ESP-2","description":"strong coffee")");
    product_named(client, "Latte", R"(,"sku":"QQ-1")");
    const auto inactive = product_named(client, "Creme soda", R"(,"is_active":false)");

    const auto creme = get_ok(client, "/api/products/search?q=CREME");
    REQUIRE(creme.IsArray());  // a bare array
    CHECK(names_of(creme) == std::vector<std::string>{"Crème brûlée", "Creme soda"});
    CHECK(names_of(get_ok(client, "/api/products/search?q=br%C3%BBl")) ==
          std::vector<std::string>{"Crème brûlée"});
    CHECK(names_of(get_ok(client, "/api/products/search?q=qq-1")) ==
          std::vector<std::string>{"Latte"});
    CHECK(get_ok(client, "/api/products/search?q=QQ").Empty());  // a sku is matched whole
    CHECK(names_of(get_ok(client, "/api/products/search?q=coffee")) ==
          std::vector<std::string>{"Espresso"});
    CHECK(get_ok(client, "/api/products/search?q=nothing-like-this").Empty());
    // An id matches too (and inactive products are found).
    const auto by_id = get_ok(client, "/api/products/search?q=" + std::to_string(inactive));
    const auto found = ids_of(by_id);
    CHECK(std::count(found.begin(), found.end(), inactive) == 1);
    // The paginated list takes q too.
    CHECK(get_ok(client, "/api/products?q=creme")["meta"]["total"].GetInt64() == 2);
}

TEST_CASE("active products are a bare array without inactive or trashed ones", "[http][products]") {
    TestServer server;
    auto client = server.client();
    const auto on = product_named(client, "On");
    product_named(client, "Off", R"(,"is_active":false)");
    const auto trashed = product_named(client, "Binned");
    REQUIRE(client.del(product_path(trashed)).status == 204);
    const auto later = product_named(client, "Another");
    const auto active = get_ok(client, "/api/products/active");
    REQUIRE(active.IsArray());
    CHECK(names_of(active) == std::vector<std::string>{"Another", "On"});
    CHECK(ids_of(active) == std::vector<std::int64_t>{later, on});

    // Turning a product off takes it out.
    REQUIRE(client.put(product_path(on), R"({"is_active":false})").status == 200);
    CHECK(names_of(get_ok(client, "/api/products/active")) == std::vector<std::string>{"Another"});
}

TEST_CASE("a user who did not create a product may not change it, as its authorizations say",
          "[http][products]") {
    // Reference §10: ProductPolicy; the JSON's authorizations for such a user say update and
    // delete false, so the routes should refuse them (403, contract §1.1).
    TestServer server;
    auto admin = server.client();
    const auto id = product_named(admin, "Admin's");
    auto other = server.client(add_user_with_token(server.store(), "Sales", "sales@example.com",
                                                   false, deals::events::DealsScope::kAll));
    const auto shown = other.get(product_path(id));
    INFO(shown.body);
    REQUIRE(shown.status == 200);
    const auto p = parse(shown.body);
    CHECK_FALSE(p["authorizations"]["update"].GetBool());
    CHECK_FALSE(p["authorizations"]["delete"].GetBool());
    const auto put = other.put(product_path(id), R"({"unit_price":1})");
    INFO(put.body);
    CHECK(put.status == 403);
    const auto del = other.del(product_path(id));
    CHECK(del.status == 403);
}

TEST_CASE("the catalog speaks the deals' query language: search_fields, search_match, take",
          "[http][products][query]") {
    TestServer server;
    auto client = server.client();
    product_named(client, "Crème brûlée", R"(,"unit":"jar")");
    product_named(client, "Espresso", R"(,"sku":"ESP-2","unit":"cup")");
    product_named(client, "Latte", R"(,"sku":"QQ-1","unit":"cup")");

    // An operator chosen per field, and fields restricted.
    CHECK(names_of(get_ok(client, "/api/products/search?q=QQ&search_fields=sku:like")) ==
          std::vector<std::string>{"Latte"});
    CHECK(get_ok(client, "/api/products/search?q=cup&search_fields=name").Empty());
    // AND-ed conditions with per-field values.
    CHECK(names_of(get_ok(client, "/api/products/search?q=unit:cup;name:latte&search_match=and")) ==
          std::vector<std::string>{"Latte"});
    CHECK(names_of(get_ok(client, "/api/products/search?q=unit:cup;name:creme")) ==
          std::vector<std::string>{"Crème brûlée", "Espresso", "Latte"});
    // take caps the bare array; an empty q finds nothing.
    CHECK(names_of(get_ok(client, "/api/products/search?q=e&take=2")) ==
          std::vector<std::string>{"Crème brûlée", "Espresso"});
    CHECK(get_ok(client, "/api/products/search?q=").Empty());
    // The same refusals as the deals.
    auto refused = client.get("/api/products/search?q=x&search_fields=bogus");
    CHECK(refused.status == 403);
    CHECK(parse(refused.body)["message"] ==
          "None of the search fields were accepted. Acceptable search fields are: "
          "id,name,sku,description,unit_price,tax_label,unit,is_active");
    auto invalid = client.get("/api/products?q=abc&search_fields=unit_price");
    CHECK(invalid.status == 422);
    CHECK(parse(invalid.body)["message"] == "Invalid search fields.");
}
