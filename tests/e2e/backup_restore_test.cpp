// Disaster recovery end to end: clients write through the API while a backup is taken, the
// server is killed and its data directory deleted, and the directory is restored from the backup
// plus the Kafka topic (a `dealsctl broker` in its own process). Every acknowledged deal whose
// event reached the topic is back, the log is gapless and verifies, and the deals are those of
// the original at the same sequence.

#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

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

namespace fs = std::filesystem;

/// Clients creating deals until stopped; what was acknowledged, by deal id.
class Writers {
public:
    Writers(unsigned short port, const std::string& token, int clients) {
        for (int c = 0; c < clients; ++c) {
            threads_.emplace_back([this, port, token, c] { write(port, token, c); });
        }
    }
    ~Writers() { stop(); }
    Writers(const Writers&) = delete;
    Writers& operator=(const Writers&) = delete;

    /// Waits until `n` creates are acknowledged in all; returns how many are.
    std::size_t wait_for(std::size_t n) {
        std::unique_lock lock(mutex_);
        acked_cv_.wait(lock, [&] { return acked_.size() >= n || failed_; });
        REQUIRE_FALSE(failed_);
        return acked_.size();
    }
    void stop() {
        stopping_ = true;
        for (auto& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
    }
    std::map<std::int64_t, std::string> acked() {
        std::lock_guard lock(mutex_);
        return acked_;
    }

private:
    void write(unsigned short port, const std::string& token, int c) {
        HttpClient client(port, token);
        for (int i = 0; !stopping_; ++i) {
            const std::string name = "C" + std::to_string(c) + " D" + std::to_string(i);
            HttpResult res;
            try {
                res = client.post("/api/deals", R"({"name":")" + name + R"(","stage_id":1})");
            } catch (const std::exception&) {
                return;  // the server is gone
            }
            std::lock_guard lock(mutex_);
            if (res.status != 201) {
                failed_ = true;
                acked_cv_.notify_all();
                return;
            }
            acked_.emplace(id_in(res.body), name);
            acked_cv_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable acked_cv_;
    std::map<std::int64_t, std::string> acked_;
    bool failed_ = false;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> threads_;
};

/// The stdout lines of `dealsctl ARGS…`, and its exit status.
std::vector<std::string> dealsctl_lines(const std::vector<std::string>& args, int& status) {
    std::vector<std::string> argv{DEALS_DEALSCTL};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv);
    std::vector<std::string> lines;
    for (std::string line; !(line = p.wait_for_line("")).empty();) {
        lines.push_back(line);
    }
    status = p.wait();
    return lines;
}

/// Deals as `export` or `replay` print them, without what depends on the time they are shown
/// at (the time spent in each stage runs on with the clock).
std::multiset<std::string> deals_shown(const std::vector<std::string>& lines) {
    static const std::regex kNow(R"("time_in_stages":\{[^}]*\})");
    std::multiset<std::string> out;
    for (const auto& line : lines) {
        out.insert(std::regex_replace(line, kNow, "\"time_in_stages\":{}"));
    }
    return out;
}

/// `<what>: sequence S hash H…`: S and H.
std::pair<events::Sequence, std::string> head_in(const std::string& line) {
    static const std::regex kHead(R"(: sequence (\d+) hash ([0-9a-f]{64}))");
    std::smatch m;
    REQUIRE(std::regex_search(line, m, kHead));
    return {std::stoull(m[1].str()), m[2].str()};
}

/// The gapless prefix of the topic: the largest P with every sequence 1…P on it.
events::Sequence gapless_prefix(const std::map<events::Sequence, OnTopic>& topic) {
    events::Sequence p = 0;
    while (topic.count(p + 1) != 0) {
        ++p;
    }
    return p;
}

}  // namespace

TEST_CASE("a backup taken mid-stream plus the topic restores every acknowledged write",
          "[e2e][backup]") {
    const TempDir tmp;
    const std::string data = tmp.path() + "/data";
    const std::string backups = tmp.path() + "/backups";
    const std::string original = tmp.path() + "/original";
    Process broker({DEALS_DEALSCTL, "broker", "--partitions", "4"});
    const std::string bootstrap = broker.wait_for_line("bootstrap: ").substr(11);
    REQUIRE_FALSE(bootstrap.empty());

    const std::string token = admin_token(data);
    auto server = start_dealsd(data, {"--kafka", bootstrap});
    Writers writers(server.port, token, 3);
    writers.wait_for(150);

    int status = 0;
    const auto taken = dealsctl_lines(
        {"--data-dir", data, "backup", "--backup-dir", backups, "--no-progress"}, status);
    REQUIRE(status == 0);
    REQUIRE(
        std::regex_match(taken.back(), std::regex("backup 1: sequence \\d+ hash [0-9a-f]{64}")));
    REQUIRE(taken.front().find("while dealsd serves") != std::string::npos);
    const auto [backup_sequence, backup_hash] = head_in(taken.back());

    const std::size_t at_backup = writers.acked().size();
    writers.wait_for(at_backup + 300);  // writes go on after the backup
    server.process->kill(SIGKILL);
    server.process->wait();
    writers.stop();
    fs::create_directory(original);  // the original, as the kill left it (but its socket)
    for (const auto& f : fs::directory_iterator(data)) {
        if (f.is_regular_file()) {
            fs::copy_file(f.path(), original + "/" + f.path().filename().string());
        }
    }
    fs::remove_all(data);

    const auto topic = read_topic(bootstrap);
    const events::Sequence prefix = gapless_prefix(topic);
    REQUIRE(prefix > backup_sequence);
    REQUIRE(topic.at(backup_sequence).hash == backup_hash);
    // Events in flight at the kill may have reached some partitions and not others: past a gap
    // the chain cannot be followed, so the restore stops before it (and says so without --until).
    std::vector<std::string> restore{"--data-dir", data,      "restore", "--backup-dir",
                                     backups,      "--kafka", bootstrap, "--no-progress"};
    if (topic.rbegin()->first > prefix) {
        WARN("the topic has events past a gap at sequence " << prefix + 1);
        restore.insert(restore.end(), {"--until", std::to_string(prefix)});
    }
    const auto restored = dealsctl_lines(restore, status);
    REQUIRE(status == 0);
    REQUIRE(restored.back() ==
            "restored: sequence " + std::to_string(prefix) + " hash " + topic.at(prefix).hash +
                " (" + std::to_string(prefix - backup_sequence) + " events from kafka)");

    {  // every acknowledged deal whose event reached the topic is back, as the original had it
        std::map<std::int64_t, events::Sequence> created;
        for (const auto& [seq, e] : topic) {
            if (e.type == "DealCreated" && seq <= prefix) {
                created[e.deal_id] = seq;
            }
        }
        const auto acked = writers.acked();
        std::size_t expected = 0;
        for (const auto& [id, name] : acked) {
            expected += created.count(id);
        }
        INFO(acked.size() << " acknowledged, " << expected << " of them on the topic");
        REQUIRE(expected >= at_backup);

        const auto exported = dealsctl_lines({"--data-dir", data, "export"}, status);
        REQUIRE(status == 0);
        std::size_t found = 0;
        for (const auto& line : exported) {
            const auto id = id_in(line);
            found += acked.count(id) != 0 && created.count(id) != 0;
        }
        REQUIRE(found == expected);
        const auto then = dealsctl_lines(
            {"--data-dir", original, "replay", "--as-of", std::to_string(prefix)}, status);
        REQUIRE(status == 0);
        REQUIRE(deals_shown(exported) == deals_shown(then));
    }
    {  // the log is gapless, verifies, and dealsd serves it at the restored head
        const auto verified = dealsctl_lines({"--data-dir", data, "verify"}, status);
        REQUIRE(status == 0);
        REQUIRE(verified.front() == "intact: " + std::to_string(prefix) + " events, sequences 1-" +
                                        std::to_string(prefix));
        auto restarted = start_dealsd(data, {"--kafka", "off"});
        HttpClient client(restarted.port, token);
        const auto head = client.get("/api/audit/head");
        REQUIRE(head.status == 200);
        REQUIRE(head.body.find("\"sequence\":" + std::to_string(prefix) + ",\"hash\":\"" +
                               topic.at(prefix).hash + "\"") != std::string::npos);
        restarted.process->kill(SIGTERM);
        REQUIRE(restarted.process->wait() == 0);
    }
    {  // the topic alone gives the same log, to the same head hash
        const std::string alone = tmp.path() + "/alone";
        const auto from_topic =
            dealsctl_lines({"--data-dir", alone, "restore", "--kafka", bootstrap, "--until",
                            std::to_string(prefix), "--no-progress"},
                           status);
        REQUIRE(status == 0);
        REQUIRE(head_in(from_topic.back()) == std::make_pair(prefix, topic.at(prefix).hash));
        int verified = 0;
        run_dealsctl(alone, {"verify"}, verified);
        REQUIRE(verified == 0);
    }
}

TEST_CASE("dealsctl backup of a stopped directory, listed, verified, and refused once damaged",
          "[e2e][backup]") {
    const TempDir tmp;
    const std::string data = tmp.path() + "/data";
    const std::string backups = tmp.path() + "/backups";
    admin_token(data);  // the default pipeline, a user and a token: sequence 8
    int status = 0;
    const auto first = dealsctl_lines(
        {"--data-dir", data, "backup", "--backup-dir", backups, "--no-progress"}, status);
    REQUIRE(status == 0);
    CHECK(first.front().find("while dealsd serves") == std::string::npos);
    const auto [sequence, hash] = head_in(first.back());
    CHECK(first.back() == "backup 1: sequence 8 hash " + hash);
    const auto second = dealsctl_lines(
        {"--data-dir", data, "backup", "--backup-dir", backups, "--no-progress"}, status);
    REQUIRE(status == 0);
    CHECK(second.back() == "backup 2: sequence 8 hash " + hash);

    dealsctl_lines({"--data-dir", data, "backup", "--backup-dir", data + "/backups"}, status);
    CHECK(status == 1);  // a backup kept in what it saves is refused
    CHECK_FALSE(fs::exists(data + "/backups"));

    const auto listed = dealsctl_lines({"backup", "--list", "--backup-dir", backups}, status);
    REQUIRE(status == 0);
    REQUIRE(listed.size() == 3);  // a header and a row each
    CHECK(listed[1].rfind("1 ", 0) == 0);
    CHECK(listed[2].rfind("2 ", 0) == 0);
    CHECK(listed[2].find(" 8 " + hash + " ") != std::string::npos);
    const auto verified =
        dealsctl_lines({"backup", "--verify", "--backup-dir", backups, "--no-progress"}, status);
    REQUIRE(status == 0);
    CHECK(verified.back() == "backup 2: verified: sequence 8 hash " + hash);

    // One byte of backup 1's own copy of the MANIFEST: backup 2 has a copy of its own.
    std::string manifest;
    for (const auto& f : fs::directory_iterator(backups + "/private/1")) {
        if (f.path().filename().string().rfind("MANIFEST-", 0) == 0) {
            manifest = f.path().string();
        }
    }
    REQUIRE_FALSE(manifest.empty());
    {
        std::fstream file(manifest, std::ios::in | std::ios::out | std::ios::binary);
        file.seekg(10);
        const char c = static_cast<char>(file.get());
        file.seekp(10);
        file.put(static_cast<char>(c ^ 0x01));
    }
    dealsctl_lines({"backup", "--verify", "--backup-dir", backups, "--id", "1", "--no-progress"},
                   status);
    CHECK(status == 1);
    dealsctl_lines({"backup", "--verify", "--backup-dir", backups, "--id", "2", "--no-progress"},
                   status);
    CHECK(status == 0);
    const std::string target = tmp.path() + "/restored";
    dealsctl_lines(
        {"--data-dir", target, "restore", "--backup-dir", backups, "--id", "1", "--no-progress"},
        status);
    CHECK(status == 1);
    CHECK_FALSE(fs::exists(target));
    const auto restored = dealsctl_lines(
        {"--data-dir", target, "restore", "--backup-dir", backups, "--no-progress"}, status);
    REQUIRE(status == 0);
    CHECK(restored.back() == "restored: sequence 8 hash " + hash);
}
