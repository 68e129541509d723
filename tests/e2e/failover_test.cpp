// Failover (README, Failover): a leader with --ack replicated is killed under concurrent writes
// and its data directory deleted; a follower promoted by a plain start on its directory holds
// every acknowledged write and takes writes. The old leader, restarted on a copy of its
// directory that differs from the topic, refuses to start and names the first sequence that
// differs; a leader started on a directory that is a prefix of the topic catches up and takes
// over, and the one it replaces answers writes with 503. A follower started on a restored
// backup reads the topic from the offsets kept with the backup, not from its beginning.

#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_helpers.hpp"
#include "tests/e2e/replica_helpers.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::e2e;

namespace {

/// Deals whose creation was acknowledged (201), by id, with their names.
struct Acknowledged {
    std::mutex mutex;
    std::map<std::int64_t, std::string> names;

    void add(std::int64_t id, std::string name) {
        std::lock_guard lock(mutex);
        names.emplace(id, std::move(name));
    }
    std::size_t size() {
        std::lock_guard lock(mutex);
        return names.size();
    }
};

/// Creates deals on `port` from `clients` threads until `writing` is false, keeping the
/// acknowledged ones; the server may die under them (its answers then stop counting).
std::vector<std::thread> start_writers(unsigned short port, const std::string& token,
                                       std::atomic<bool>& writing, Acknowledged& acked) {
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w) {
        writers.emplace_back([&writing, &acked, port, token, w] {
            HttpClient client(port, token);
            for (int i = 0; writing; ++i) {
                const std::string name =
                    "Writer " + std::to_string(w) + " deal " + std::to_string(i);
                try {
                    const auto res =
                        client.post("/api/deals", R"({"name":")" + name + R"(","stage_id":1})");
                    if (res.status == 201) {
                        acked.add(id_in(res.body), name);
                    }
                } catch (const std::exception&) {
                    return;  // the server was killed
                }
            }
        });
    }
    return writers;
}

/// Copies a data directory's files, as a disk image would hold them (not its control socket).
void copy_files(const std::string& from, const std::string& to) {
    namespace fs = std::filesystem;
    fs::create_directories(to);
    for (const auto& entry : fs::recursive_directory_iterator(from)) {
        const auto target = fs::path(to) / fs::relative(entry.path(), from);
        if (entry.is_directory()) {
            fs::create_directories(target);
        } else if (entry.is_regular_file()) {
            fs::copy_file(entry.path(), target);
        }
    }
}

/// dealsd's first `error:` line and exit status, for a start that must be refused.
std::pair<std::string, int> refused_start(const std::string& dir, const std::string& bootstrap) {
    Process p({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", DEALS_DEALSD, "--data-dir", dir,
               "--listen", "127.0.0.1:0", "--kafka", bootstrap});
    std::string line = p.wait_for_line("error: ");
    return {line, p.wait()};
}

/// The head of a data directory nobody holds, as `dealsctl verify` finds it intact.
events::Sequence verified_head(const std::string& dir) {
    int status = 0;
    const auto line = run_dealsctl(dir, {"verify"}, status);
    REQUIRE(status == 0);
    REQUIRE(line.rfind("intact: ", 0) == 0);
    return std::stoull(line.substr(8));
}

/// Polls GET /healthz until its relay says `"state":"fenced"` (at most 10 s).
bool fenced(HttpClient& server) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (server.get("/healthz").body.find("\"state\":\"fenced\"") != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling its state
    }
    return false;
}

}  // namespace

TEST_CASE(
    "failover: a promoted follower holds every acknowledged write; a diverged leader "
    "refuses to start; a newer leader fences the one it replaces",
    "[e2e][follower][failover]") {
    const TempDir tmp;
    Process broker({DEALS_DEALSCTL, "broker", "--partitions", "4"});
    const std::string bootstrap = broker.wait_for_line("bootstrap: ").substr(11);
    const std::string old_dir = tmp.path() + "/leader";
    const std::string token = admin_token(old_dir);
    const std::vector<std::string> leading{"--kafka",    bootstrap,       "--ack",
                                           "replicated", "--ack-timeout", "1"};
    auto leader = start_dealsd(old_dir, leading);
    auto first = start_dealsd(tmp.path() + "/first", {"--follow", bootstrap});
    auto second = start_dealsd(tmp.path() + "/second", {"--follow", bootstrap});

    // Concurrent writes, acknowledged only once Kafka has them; the leader dies under them.
    Acknowledged acked;
    std::atomic<bool> writing{true};
    auto writers = start_writers(leader.port, token, writing, acked);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (acked.size() < 150 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the count
    }
    leader.process->kill(SIGKILL);
    leader.process->wait();
    writing = false;
    for (auto& w : writers) {
        w.join();
    }
    REQUIRE(acked.size() >= 150);
    const std::string copy = tmp.path() + "/leader-copy";
    copy_files(old_dir, copy);
    std::filesystem::remove_all(old_dir);

    // Promotion: stop the follower, start it as a leader on the same directory.
    first.process->kill(SIGTERM);
    REQUIRE(first.process->wait() == 0);
    auto promoted = start_dealsd(tmp.path() + "/first", leading);
    HttpClient to_promoted(promoted.port, token);
    const auto taken_over = head_of(to_promoted);
    for (const auto& [id, name] : acked.names) {
        INFO("acknowledged deal " << id);
        const auto got = to_promoted.get("/api/deals/" + std::to_string(id));
        REQUIRE(got.status == 200);
        CHECK(got.body.find("\"name\":\"" + name + "\"") != std::string::npos);
    }
    create_deals(to_promoted, 1, 5);  // writes go on there
    CHECK(head_of(to_promoted) > taken_over);

    // The old leader's copy: past what reached the topic it holds events of its own (a write
    // through dealsctl makes sure of one), and the promoted leader wrote others there.
    if (verified_head(copy) == taken_over) {
        int status = 0;
        run_dealsctl(copy, {"user", "add", "--name", "Late", "--email", "late@example.com"},
                     status);
        REQUIRE(status == 0);
    }
    REQUIRE(verified_head(copy) > taken_over);
    const auto [error, status] = refused_start(copy, bootstrap);
    CHECK(status == 1);
    CHECK(error == "error: cannot take over topic deals.events: sequence " +
                       std::to_string(taken_over + 1) +
                       " on the topic differs from the one this data directory holds");

    // A leader on a directory that is a prefix of the topic (the second follower's) catches
    // up and takes over; the promoted one is fenced and answers writes with 503 from then on.
    HttpClient to_second(second.port, token);
    REQUIRE(caught_up(to_second, taken_over) >= taken_over);
    second.process->kill(SIGTERM);
    REQUIRE(second.process->wait() == 0);
    auto newest = start_dealsd(tmp.path() + "/second", leading);
    HttpClient to_newest(newest.port, token);
    CHECK(to_newest.get("/api/audit/head").body == to_promoted.get("/api/audit/head").body);
    create_deals(to_newest, 10, 1);
    REQUIRE(fenced(to_promoted));
    for (int i = 0; i < 3; ++i) {
        const auto refused = to_promoted.post("/api/deals", R"({"name":"Too late","stage_id":1})");
        CHECK(refused.status == 503);
        CHECK(refused.body.find("no longer the leader") != std::string::npos);
    }
    create_deals(to_newest, 11, 2);
}

TEST_CASE("a follower started on a restored backup reads the topic from the backup's offsets",
          "[e2e][follower][backup]") {
    const TempDir tmp;
    Process broker({DEALS_DEALSCTL, "broker", "--partitions", "4"});
    const std::string bootstrap = broker.wait_for_line("bootstrap: ").substr(11);
    const std::string token = admin_token(tmp.path() + "/leader");
    auto leader = start_dealsd(tmp.path() + "/leader", {"--kafka", bootstrap});
    HttpClient to_leader(leader.port, token);
    create_deals(to_leader, 1, 150);
    const std::string backups = tmp.path() + "/backups";
    int status = 0;
    run_dealsctl(tmp.path() + "/leader", {"backup", "--backup-dir", backups}, status);
    REQUIRE(status == 0);
    create_deals(to_leader, 151, 50);
    run_dealsctl(tmp.path() + "/replica", {"restore", "--backup-dir", backups}, status);
    REQUIRE(status == 0);

    auto follower = start_dealsd(tmp.path() + "/replica", {"--follow", bootstrap});
    const auto reading = follower.process->wait_for_line("follow: reading");
    INFO(reading);
    CHECK(reading.find("from offsets ") != std::string::npos);
    HttpClient to_follower(follower.port, token);
    const auto head = head_of(to_leader);
    const auto seen = caught_up(to_follower, head);
    INFO(to_follower.get("/healthz").body);
    INFO(to_leader.get("/healthz").body);
    REQUIRE(seen == head);
    CHECK(to_follower.get("/api/audit/head").body == to_leader.get("/api/audit/head").body);
    const auto health = to_follower.get("/healthz").body;
    INFO(health);
    const auto read_at = health.find("\"messages_read\":");
    const auto from_at = health.find("\"read_from_sequence\":");
    REQUIRE(read_at != std::string::npos);
    REQUIRE(from_at != std::string::npos);
    const auto read = std::stoull(health.substr(read_at + 16));
    const auto from = std::stoull(health.substr(from_at + 21));
    CHECK(from > 1);  // from the position kept with the backup, not from sequence 1
    // The messages of the events after it (and a few sent twice), not the whole topic.
    CHECK(read <= head - from + 1 + 16);
    CHECK(read < head);
    follower.process->kill(SIGTERM);
    REQUIRE(follower.process->wait() == 0);
    CHECK(verified_head(tmp.path() + "/replica") == head);
}
