// Read-only replicas (dealsd --follow): a follower fed by the leader's Kafka topic (a `dealsctl
// broker` in its own process) serves what the leader serves once caught up, sends writes to the
// leader (307) or refuses them (503), and after a SIGKILL resumes from its own head with a
// gapless log that verifies.

#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/e2e/e2e_helpers.hpp"
#include "tests/e2e/replica_helpers.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::e2e;

TEST_CASE("a follower serves the leader's deals, sends writes to it, and resumes after a kill",
          "[e2e][follower]") {
    const TempDir tmp;
    Process broker({DEALS_DEALSCTL, "broker", "--partitions", "4"});
    const std::string bootstrap = broker.wait_for_line("bootstrap: ").substr(11);
    const std::string token = admin_token(tmp.path() + "/leader");
    auto leader = start_dealsd(tmp.path() + "/leader", {"--kafka", bootstrap});
    const std::string leader_url = "http://127.0.0.1:" + std::to_string(leader.port);
    auto follower =
        start_dealsd(tmp.path() + "/follower", {"--follow", bootstrap, "--leader-url", leader_url});
    auto refusing = start_dealsd(tmp.path() + "/refusing",
                                 {"--follow", bootstrap, "--min-sequence-wait", "0.2"});
    HttpClient to_leader(leader.port, token);
    HttpClient to_follower(follower.port, token);

    create_deals(to_leader, 1, 40);
    const auto head = head_of(to_leader);
    HttpClient to_second(refusing.port, token);
    for (HttpClient* replica : {&to_follower, &to_second}) {  // each follower, once caught up
        REQUIRE(caught_up(*replica, head) == head);
        CHECK(replica->get("/api/audit/head").body == to_leader.get("/api/audit/head").body);
        for (const std::string path :
             {"/api/deals/1", "/api/deals/40", "/api/deals?per_page=7&page=2", "/api/pipelines"}) {
            INFO(path);
            const auto from_leader = to_leader.get(path);
            const auto from_follower = replica->get(path);
            CHECK(from_follower.status == from_leader.status);
            CHECK(timeless(from_follower.body) == timeless(from_leader.body));
        }
    }
    const auto healthz = to_follower.get("/healthz");
    CHECK(healthz.body.find("\"role\":\"follower\",\"applied_sequence\":" + std::to_string(head)) !=
          std::string::npos);
    CHECK(to_leader.get("/healthz").body.find("\"role\":\"leader\"") != std::string::npos);
    const auto metrics = to_follower.get("/metrics").body;
    CHECK(metrics.find("\ndeals_replica_applied_sequence " + std::to_string(head) + "\n") !=
          std::string::npos);
    CHECK(metrics.find("\ndeals_replica_lag_events 0\n") != std::string::npos);
    CHECK(metrics.find("\ndeals_replica_lag_seconds 0\n") != std::string::npos);

    // Read your writes: the leader's answer names the sequence of the write's last event; a
    // read that asks for it waits until the replica has applied it.
    const auto created = to_leader.post("/api/deals", R"({"name":"Fresh","stage_id":1})");
    REQUIRE(created.status == 201);
    const auto written = created.header("deals-sequence");
    REQUIRE(written.has_value());
    CHECK(std::stoull(*written) == head + 1);
    const std::string fresh = "/api/deals/" + std::to_string(id_in(created.body));
    const auto seen = to_follower.request("GET", fresh, {}, {{"Deals-Min-Sequence", *written}});
    CHECK(seen.status == 200);
    CHECK(timeless(seen.body) == timeless(to_leader.get(fresh).body));
    REQUIRE(seen.header("deals-sequence").has_value());
    CHECK(std::stoull(*seen.header("deals-sequence")) >= head + 1);
    HttpClient to_refusing(refusing.port, token);
    REQUIRE(caught_up(to_refusing, head + 1) == head + 1);
    const auto too_soon = to_refusing.request("GET", fresh, {}, {{"Deals-Min-Sequence", "999999"}});
    CHECK(too_soon.status == 503);
    CHECK(too_soon.header("retry-after") == "1");
    CHECK(to_refusing.request("GET", fresh, {}, {{"Deals-Min-Sequence", "x"}}).status == 400);

    // Writes: to the leader, or refused; nothing is written through a replica.
    const auto redirected = to_follower.post("/api/deals?via=follower", R"({"name":"X"})");
    CHECK(redirected.status == 307);
    CHECK(redirected.header("location") == leader_url + "/api/deals?via=follower");
    const auto refused = to_refusing.del("/api/deals/1");
    CHECK(refused.status == 503);
    CHECK(refused.body == R"({"message":"This server is a read-only replica."})");
    CHECK(head_of(to_follower) == head + 1);

    // Killed mid-stream and restarted, the follower goes on from its own head.
    std::atomic<bool> writing{true};
    std::thread writer([&] {
        HttpClient client(leader.port, token);
        for (int i = 100; writing; ++i) {
            create_deals(client, i, 1);
        }
    });
    create_deals(to_leader, 41, 30);
    follower.process->kill(SIGKILL);
    follower.process->wait();
    create_deals(to_leader, 71, 30);
    writing = false;
    writer.join();
    follower =
        start_dealsd(tmp.path() + "/follower", {"--follow", bootstrap, "--leader-url", leader_url});
    HttpClient again(follower.port, token);
    const auto end = head_of(to_leader);
    REQUIRE(caught_up(again, end) == end);
    CHECK(again.get("/api/audit/head").body == to_leader.get("/api/audit/head").body);
    follower.process->kill(SIGTERM);
    REQUIRE(follower.process->wait() == 0);
    int status = 0;
    const auto verified = run_dealsctl(tmp.path() + "/follower", {"verify"}, status);
    CHECK(status == 0);
    CHECK(verified ==
          "intact: " + std::to_string(end) + " events, sequences 1-" + std::to_string(end));
}
