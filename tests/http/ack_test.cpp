// --ack replicated: the answer to a write waits until the relay has published its events, and is
// a 503 (committed locally, not replicated) when that takes longer than the ack timeout; a retry
// with the write's Idempotency-Key gets its answer once the events are published. The relay is
// a fake here; tests/e2e/ack_replicated_test.cpp runs the real one against a broker.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "events/status.hpp"
#include "tests/http/http_test_helpers.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

/// A relay whose published position the test moves.
class FakeRelay final : public events::RelayStatus {
public:
    events::RelayStats stats() const override {
        events::RelayStats s;
        s.state = "publishing";
        s.published = published_;
        return s;
    }
    events::Sequence published() const override { return published_; }
    void publish_up_to(events::Sequence sequence) { published_ = sequence; }

private:
    std::atomic<events::Sequence> published_{0};
};

/// A server answering writes once `relay` has published them, waiting at most `timeout`.
std::unique_ptr<TestServer> replicated_server(const FakeRelay& relay,
                                              std::chrono::milliseconds timeout,
                                              http::ServerConfig config = {}) {
    return std::make_unique<TestServer>(config, [&](http::AppContext& app) {
        app.relay = &relay;
        app.ack = http::Ack::kReplicated;
        app.ack_timeout = timeout;
    });
}

using HeaderList = std::vector<std::pair<std::string, std::string>>;

HeaderList key(const std::string& k) { return {{"Idempotency-Key", k}}; }

std::int64_t total_deals(HttpClient& client) {
    return get_ok(client, "/api/deals")["meta"]["total"].GetInt64();
}

}  // namespace

TEST_CASE(
    "under --ack replicated a write Kafka has not taken in time answers 503, and a retry "
    "with its Idempotency-Key gets its answer once it has",
    "[http][ack]") {
    FakeRelay relay;
    const auto server = replicated_server(relay, std::chrono::milliseconds(100));
    auto client = server->client();
    const std::string body = R"({"name":"Replicated","stage_id":1})";

    const auto first = client.request("POST", "/api/deals", body, key("create-1"));
    const auto sequence = server->store().log().head_sequence();
    REQUIRE(first.status == 503);
    CHECK(first.body == R"({"message":"The write is committed locally (sequence )" +
                            std::to_string(sequence) +
                            R"() but not yet replicated to Kafka; retry with the same )"
                            R"(Idempotency-Key to get its answer once it has replicated."})");
    CHECK(first.header("retry-after") == "1");
    CHECK(first.header("deals-sequence") == std::to_string(sequence));

    // Still not published: 503 again, and nothing written a second time.
    const auto too_soon = client.request("POST", "/api/deals", body, key("create-1"));
    CHECK(too_soon.status == 503);
    CHECK(too_soon.header("deals-sequence") == std::to_string(sequence));
    CHECK(server->store().log().head_sequence() == sequence);

    relay.publish_up_to(sequence);
    const auto retried = client.request("POST", "/api/deals", body, key("create-1"));
    CHECK(retried.status == 201);
    CHECK(text(parse(retried.body)["name"]) == "Replicated");
    CHECK(retried.header("idempotent-replayed") == "true");
    CHECK(retried.header("deals-sequence") == std::to_string(sequence));
    CHECK(server->store().log().head_sequence() == sequence);
    CHECK(total_deals(client) == 1);

    // Without a key the write is committed all the same; only its answer says otherwise.
    const auto unkeyed = client.post("/api/deals", body);
    CHECK(unkeyed.status == 503);
    CHECK(unkeyed.header("deals-sequence") == std::to_string(sequence + 1));
    CHECK(total_deals(client) == 2);
}

TEST_CASE("under --ack replicated what appends nothing answers at once", "[http][ack]") {
    FakeRelay relay;  // publishes nothing
    const auto server = replicated_server(relay, std::chrono::seconds(60));
    auto client = server->client();
    CHECK(client.post("/api/deals", R"({"stage_id":1})").status == 422);
    CHECK(client.get("/api/deals").status == 200);
    const auto health = parse(client.get("/healthz").body);
    CHECK(text(health["ack"]) == "replicated");
}

TEST_CASE("under --ack replicated a write answers once the relay has published its events",
          "[http][ack]") {
    FakeRelay relay;
    const auto server = replicated_server(relay, std::chrono::seconds(60));
    auto& log = server->store().log();
    const auto before = log.head_sequence();
    // Kafka acknowledges the write's events a while after they are committed.
    std::thread kafka([&] {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (log.head_sequence() == before && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling the head
        }
        relay.publish_up_to(log.head_sequence());
    });
    auto client = server->client();
    const auto created = client.post("/api/deals", R"({"name":"Waited","stage_id":1})");
    kafka.join();
    CHECK(created.status == 201);
    CHECK(created.header("deals-sequence") == std::to_string(before + 1));
}

TEST_CASE("a write waiting for Kafka longer than the read timeout still gets its answer",
          "[http][ack]") {
    // The read timeout bounds reading a request and writing its answer, not handling it: a
    // connection closed while the handler waited would leave a committed write unanswered.
    FakeRelay relay;
    http::ServerConfig config;
    config.read_timeout = std::chrono::seconds(1);
    const auto server = replicated_server(relay, std::chrono::milliseconds(2000), config);
    auto client = server->client();
    const auto started = std::chrono::steady_clock::now();
    const auto answer = client.post("/api/deals", R"({"name":"Slow ack","stage_id":1})");
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(answer.status == 503);
    CHECK(answer.header("deals-sequence") == std::to_string(server->store().log().head_sequence()));
    CHECK(waited >= std::chrono::milliseconds(1900));
    // The connection stays usable after it.
    CHECK(client.get("/api/deals?per_page=1").status == 200);
}
