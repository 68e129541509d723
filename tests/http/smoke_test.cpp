#include <catch2/catch.hpp>

#include "tests/support/test_server.hpp"

using deals::testing::TestServer;

TEST_CASE("healthz answers without a token", "[http]") {
    TestServer server;
    auto client = server.client("");
    const auto res = client.get("/healthz");
    CHECK(res.status == 200);
    CHECK(res.body.find("\"status\":\"ok\"") != std::string::npos);
    CHECK(res.header("x-request-id").has_value());
}
