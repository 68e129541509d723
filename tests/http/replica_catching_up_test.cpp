// A replica that started empty serves its views all at once when it has read the topic
// (store::Store::begin_staging): until then its API reads answer 503 with Retry-After, while
// /healthz and /metrics say it is catching up. The replica's figures are a fake here;
// tests/kafka/follower_test.cpp runs the real follower.

#include <atomic>
#include <catch2/catch.hpp>

#include "events/status.hpp"
#include "tests/http/http_test_helpers.hpp"

using namespace deals;
using namespace deals::testing;

namespace {

class FakeReplica final : public events::ReplicaStatus {
public:
    events::ReplicaStats replica_stats() const override {
        events::ReplicaStats s;
        s.catching_up = catching_up;
        s.applied = catching_up ? 0 : 7;
        return s;
    }
    std::atomic<bool> catching_up{true};
};

}  // namespace

TEST_CASE("a replica catching up from empty answers API reads 503 until it serves its views",
          "[http][replica]") {
    FakeReplica replica;
    TestServer server({}, [&](http::AppContext& app) { app.replica = &replica; });
    auto client = server.client();

    const auto early = client.get("/api/deals");
    CHECK(early.status == 503);
    CHECK(early.body ==
          R"({"message":"This replica started empty and is still reading the topic."})");
    CHECK(early.header("retry-after") == "1");
    CHECK(early.header("deals-sequence") == "0");
    const auto health = client.get("/healthz");
    CHECK(health.status == 200);
    CHECK(health.body.find("\"catching_up\":true") != std::string::npos);
    CHECK(client.get("/metrics").body.find("\ndeals_replica_catching_up 1\n") != std::string::npos);
    CHECK(client.post("/api/deals", R"({"name":"X"})").status == 503);  // a replica's refusal

    replica.catching_up = false;
    const auto served = client.get("/api/deals");
    CHECK(served.status == 200);
    CHECK(served.header("deals-sequence") == "7");
    CHECK(client.get("/healthz").body.find("\"catching_up\":false") != std::string::npos);
    CHECK(client.get("/metrics").body.find("\ndeals_replica_catching_up 0\n") != std::string::npos);
}
