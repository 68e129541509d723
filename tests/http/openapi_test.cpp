#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "http/router.hpp"
#include "support/json.hpp"
#include "tests/support/test_server.hpp"

using deals::testing::TestServer;

namespace {

using Operations = std::set<std::string>;  // "GET /api/deals/{id}"

/// The route table's routes, as "METHOD pattern".
Operations route_table() {
    Operations out;
    for (const auto& route : deals::http::routes()) {
        out.insert(std::string(route.method) + " " + std::string(route.pattern));
    }
    return out;
}

/// The document's operations, as "METHOD path".
Operations documented(const std::string& text) {
    deals::json::Document doc;
    doc.Parse(text.data(), text.size());
    REQUIRE_FALSE(doc.HasParseError());
    REQUIRE(doc.HasMember("paths"));
    Operations out;
    for (const auto& path : doc["paths"].GetObject()) {
        for (const auto& method : path.value.GetObject()) {
            std::string verb = method.name.GetString();
            std::transform(verb.begin(), verb.end(), verb.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            out.insert(verb + " " + path.name.GetString());
        }
    }
    return out;
}

/// What `a` has and `b` has not, one per line.
std::string missing(const Operations& a, const Operations& b) {
    std::string out;
    for (const auto& each : a) {
        if (!b.contains(each)) {
            out += "  " + each + "\n";
        }
    }
    return out;
}

}  // namespace

TEST_CASE("the OpenAPI document describes exactly the routes of the route table", "[http]") {
    TestServer server;
    auto client = server.client("");
    const auto served = client.get("/openapi.json");
    REQUIRE(served.status == 200);
    CHECK(served.header("content-type") == "application/json");

    // The served bytes are the checkout's file: the build embeds the current one.
    std::ifstream file(std::string(DEALS_SOURCE_DIR) + "/docs/openapi.json", std::ios::binary);
    std::ostringstream checkout;
    checkout << file.rdbuf();
    CHECK(served.body == checkout.str());

    // Each side's extra operations, one per line: empty both ways when they agree.
    const Operations routes = route_table();
    const Operations doc = documented(served.body);
    const std::string undocumented = missing(routes, doc);
    const std::string unrouted = missing(doc, routes);
    CHECK(undocumented == "");  // in the route table, not in docs/openapi.json
    CHECK(unrouted == "");      // in docs/openapi.json, not in the route table
    CHECK(routes.size() == doc.size());
}

TEST_CASE("HEAD /openapi.json answers like GET without a body", "[http]") {
    TestServer server;
    auto client = server.client("");
    const auto head = client.request("HEAD", "/openapi.json");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.header("content-type") == "application/json");
}

TEST_CASE("GET /docs answers the reference page, and the page's script, without a token",
          "[http]") {
    TestServer server;
    auto client = server.client("");
    const auto page = client.get("/docs");
    REQUIRE(page.status == 200);
    CHECK(page.header("content-type") == "text/html; charset=utf-8");
    // Everything the page loads comes from this server: no CDN.
    CHECK(page.body.find("spec-url=\"/openapi.json\"") != std::string::npos);
    CHECK(page.body.find("src=\"/docs/redoc.standalone.js\"") != std::string::npos);
    CHECK(page.body.find("https://") == std::string::npos);

    const auto script = client.get("/docs/redoc.standalone.js");
    REQUIRE(script.status == 200);
    CHECK(script.header("content-type") == "text/javascript; charset=utf-8");
    CHECK(script.body.size() > 100000);
}
