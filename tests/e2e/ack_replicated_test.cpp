// dealsd --ack replicated end to end, against a `dealsctl broker` in its own process: a write's
// answer comes once its events are on the topic; with the broker frozen (SIGSTOP) the write is
// committed locally and answers 503, and once the broker is back a retry with its
// Idempotency-Key gets the write's own answer. It refuses to start without a relay.

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>

#include "store/kafka_consumer.hpp"
#include "support/json.hpp"
#include "tests/e2e/e2e_helpers.hpp"
#include "tests/e2e/topic_reader.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::e2e;

namespace {

/// `dealsd ARGS…` with its standard error shown as output: its first line and exit status.
std::string refusal(const std::string& args, int& status) {
    Process p({"/bin/sh", "-c", std::string(DEALS_DEALSD) + " " + args + " 2>&1"});
    std::string line = p.wait_for_line("");
    status = p.wait();
    return line;
}

}  // namespace

TEST_CASE("under --ack replicated a write answers once it is on the topic, or 503 until it is",
          "[e2e][ack]") {
    const TempDir tmp;
    Process broker({DEALS_DEALSCTL, "broker", "--partitions", "4"});
    const std::string bootstrap = broker.wait_for_line("bootstrap: ").substr(11);
    const std::string token = admin_token(tmp.path() + "/leader");
    auto leader = start_dealsd(tmp.path() + "/leader",
                               {"--kafka", bootstrap, "--ack", "replicated", "--ack-timeout", "1"});
    HttpClient client(leader.port, token);
    CHECK(client.get("/healthz").body.find("\"ack\":\"replicated\"") != std::string::npos);

    const auto created = client.post("/api/deals", R"({"name":"On the topic","stage_id":1})");
    REQUIRE(created.status == 201);
    REQUIRE(created.header("deals-sequence").has_value());
    const events::Sequence sequence = std::stoull(*created.header("deals-sequence"));
    CHECK(read_topic(bootstrap).count(sequence) == 1);

    // Kafka cannot take the next write: committed here, not acknowledged.
    broker.kill(SIGSTOP);
    const std::string body = R"({"name":"Frozen","stage_id":1})";
    const std::vector<std::pair<std::string, std::string>> key{{"Idempotency-Key", "frozen-1"}};
    const auto refused = client.request("POST", "/api/deals", body, key);
    broker.kill(SIGCONT);
    REQUIRE(refused.status == 503);
    const std::string next = std::to_string(sequence + 1);
    CHECK(refused.body.find("committed locally (sequence " + next + ")") != std::string::npos);
    CHECK(refused.header("deals-sequence") == next);
    CHECK(refused.header("retry-after") == "1");

    // Once the relay has published it, the retry gets the write's own answer.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    auto retried = client.request("POST", "/api/deals", body, key);
    while (retried.status == 503 && std::chrono::steady_clock::now() < deadline) {
        retried = client.request("POST", "/api/deals", body, key);  // waits up to 1 s itself
    }
    CHECK(retried.status == 201);
    CHECK(retried.header("idempotent-replayed") == "true");
    CHECK(retried.header("deals-sequence") == next);
    CHECK(retried.body.find(R"("name":"Frozen")") != std::string::npos);
    CHECK(read_topic(bootstrap).count(sequence + 1) == 1);
    CHECK(client.get("/api/deals").body.find(R"("total":2)") != std::string::npos);
    leader.process->kill(SIGTERM);
    CHECK(leader.process->wait() == 0);
}

TEST_CASE("dealsd refuses --ack replicated without a relay to wait for", "[e2e][ack]") {
    const TempDir tmp;
    int status = 0;
    const std::string dir = "--data-dir " + tmp.path() + " --listen 127.0.0.1:0 ";
    CHECK(refusal(dir + "--ack replicated --kafka off", status) ==
          "error: --ack replicated waits for the Kafka relay to publish each write: it needs "
          "Kafka (not --kafka off)");
    CHECK(status == 2);
    CHECK(refusal(dir + "--ack replicated --follow 127.0.0.1:9", status) ==
          "error: --ack replicated waits for the Kafka relay to publish each write: a --follow "
          "replica publishes nothing");
    CHECK(status == 2);
    CHECK(refusal(dir + "--ack eventually", status).find("--ack") != std::string::npos);
    CHECK(status != 0);
}
