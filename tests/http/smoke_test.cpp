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

TEST_CASE("the events of a request carry its X-Correlation-Id only when it is printable ASCII",
          "[http]") {
    TestServer server;
    auto client = server.client();
    auto created = client.request("POST", "/api/deals", R"({"name":"Traced","stage_id":1})",
                                  {{"X-Correlation-Id", "checkout-42"}});
    REQUIRE(created.status == 201);
    auto head = server.store().log().head_sequence();
    auto event = server.store().log().read_range(head, head, 1);
    REQUIRE(event.size() == 1);
    CHECK(event[0].meta.correlation_id == "checkout-42");

    // A byte that is not UTF-8 would make the stored envelope and the Kafka value invalid.
    created = client.request("POST", "/api/deals", R"({"name":"Untraced","stage_id":1})",
                             {{"X-Correlation-Id",
                               "bad\xff"
                               "byte"},
                              {"X-Request-Id", "req-7"}});
    REQUIRE(created.status == 201);
    head = server.store().log().head_sequence();
    event = server.store().log().read_range(head, head, 1);
    REQUIRE(event.size() == 1);
    CHECK(event[0].meta.correlation_id == "req-7");
    CHECK(event[0].meta.request_id == "req-7");
}
