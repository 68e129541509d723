// `dealsctl restore --kafka` (store/topic_restore.hpp), the real binary against a topic of the
// embedded broker that the test fills itself with a real log's messages (store::to_kafka_message),
// produced with librdkafka keyed by stream over several partitions: the log comes back whole
// (also from duplicates and out of order), `--until` stops at a sequence, and every way the topic
// can fail to continue the log is an error naming the sequence, leaving no data directory and no
// staging directory behind.

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "store/cloud_event.hpp"
#include "store/codec.hpp"
#include "store/kafka_consumer.hpp"
#include "store/log_reader.hpp"
#include "tests/kafka/kafka_fixture.hpp"
#include "tests/kafka/topic_messages.hpp"
#include "tests/support/process.hpp"

using namespace deals;
using namespace deals::kafka_test;
using deals::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr const char* kTopic = "deals.restore";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// How a dealsctl run ended.
struct Ran {
    int status = -1;
    std::string out;
    std::string err;
    [[nodiscard]] std::string last_line() const {
        const auto end = out.find_last_not_of('\n');
        if (end == std::string::npos) {
            return {};
        }
        const auto newline = out.rfind('\n', end);
        const auto start = newline == std::string::npos ? 0 : newline + 1;
        return out.substr(start, end + 1 - start);
    }
};

/// An embedded broker with the topic, in three partitions.
std::unique_ptr<store::EmbeddedBroker> start_topic() {
    auto b = store::EmbeddedBroker::start({.topic = kTopic, .partitions = 3});
    REQUIRE(b.has_value());
    return std::move(*b);
}

/// A topic of an embedded broker, a directory for the restores and dealsctl's output.
struct Fixture {
    TempDir work;
    TempDir output;
    std::unique_ptr<store::EmbeddedBroker> broker = start_topic();
    int runs = 0;

    [[nodiscard]] std::string target() const { return work.path() + "/restored"; }

    /// Runs `dealsctl --data-dir DIR ARGS…` to the end, with its whole stdout and stderr.
    Ran dealsctl(const std::string& dir, const std::vector<std::string>& args) {
        const std::string base = output.path() + "/run-" + std::to_string(++runs);
        std::vector<std::string> argv{
            "/bin/sh",    "-c", R"(exec "$@" >"$0.out" 2>"$0.err")", base, DEALS_DEALSCTL,
            "--data-dir", dir};
        argv.insert(argv.end(), args.begin(), args.end());
        deals::testing::Process p(argv);
        Ran r;
        r.status = p.wait();
        r.out = slurp(base + ".out");
        r.err = slurp(base + ".err");
        return r;
    }

    Ran restore(std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"restore",       "--kafka", broker->bootstrap(),
                                      "--kafka-topic", kTopic,    "--no-progress"};
        args.insert(args.end(), extra.begin(), extra.end());
        return dealsctl(target(), args);
    }

    /// Staging directories of a restore (`.restored.restoring-<pid>`) left beside the target.
    [[nodiscard]] std::vector<std::string> staging_left() const {
        std::vector<std::string> out;
        for (const auto& entry : fs::directory_iterator(work.path())) {
            const auto name = entry.path().filename().string();
            if (name.rfind(".restored.restoring-", 0) == 0) {
                out.push_back(name);
            }
        }
        return out;
    }
};

/// The restore succeeded up to `head`: its last line, `dealsctl verify` on the new directory,
/// and its records byte for byte those of the source log.
void require_restored(Fixture& f, const Ran& r, const SourceLog& log, events::Sequence head,
                      events::Sequence from_kafka) {
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.status == 0);
    CHECK(r.last_line() == "restored: sequence " + std::to_string(head) + " hash " +
                               log.hash(head) + " (" + std::to_string(from_kafka) +
                               " events from kafka)");
    CHECK(f.staging_left().empty());
    const Ran verified = f.dealsctl(f.target(), {"verify"});
    INFO("verify: " << verified.out << verified.err);
    CHECK(verified.status == 0);
    CHECK(verified.out.find("head: sequence " + std::to_string(head) + ", hash " +
                            log.hash(head)) != std::string::npos);
    auto reader = store::LogReader::open(f.target());
    REQUIRE(reader.has_value());
    CHECK((*reader)->head().sequence == head);
    for (events::Sequence seq = 1; seq <= head; ++seq) {
        INFO("sequence " << seq);
        const auto record = (*reader)->record(seq);
        REQUIRE(record.has_value());
        CHECK(record->bytes == log.records.at(seq - 1));
    }
}

/// The restore failed with `message` on stderr, and left no data directory nor staging one.
void require_refused(Fixture& f, const Ran& r, const std::string& message) {
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.status == 1);
    CHECK(r.err.find("error: " + message) != std::string::npos);
    CHECK(r.out.find("restored:") == std::string::npos);
    CHECK_FALSE(fs::exists(f.target()));
    CHECK(f.staging_left().empty());
}

}  // namespace

TEST_CASE("restore --kafka rebuilds the whole log from the topic", "[kafka][restore]") {
    Fixture f;
    const auto log = make_log(f.work.path() + "/source");
    std::vector<Outgoing> out = messages(log, 1, log.head());
    SECTION("in order") {}
    SECTION("out of order, with duplicates") {
        std::reverse(out.begin(), out.end());
        for (const events::Sequence seq : {1, 2, 7, 20, 36}) {
            out.push_back(messages(log, seq, seq).front());
        }
    }
    const auto partitions = produce(f.broker->bootstrap(), kTopic, out);
    CHECK(partitions.size() > 1);
    const Ran r = f.restore();
    require_restored(f, r, log, log.head(), log.head());
    CHECK(r.err.find("warning:") == std::string::npos);

    // Restored to the topic's end: the relay's position there is the head, so a server started
    // on the directory publishes only what comes after.
    auto consumer = store::KafkaConsumer::open({.brokers = f.broker->bootstrap(), .topic = kTopic});
    REQUIRE(consumer.has_value());
    const std::string cluster = (*consumer)->cluster_id(std::chrono::milliseconds(10'000));
    REQUIRE_FALSE(cluster.empty());
    auto restored = open_store(f.target());
    CHECK(restored->relay_position(cluster, kTopic) == log.head());
}

TEST_CASE("restore --kafka --until SEQ stops at that sequence", "[kafka][restore]") {
    Fixture f;
    const auto log = make_log(f.work.path() + "/source");
    produce(f.broker->bootstrap(), kTopic, messages(log, 1, log.head()));
    const Ran r = f.restore({"--until", "20"});
    require_restored(f, r, log, 20, 20);
    CHECK(r.err.find("warning: the topic holds events up to sequence 36, past the restored head") !=
          std::string::npos);
}

TEST_CASE("restore --kafka --until TIME stops at the last event at or before it",
          "[kafka][restore]") {
    Fixture f;
    const auto log = make_log(f.work.path() + "/source");
    produce(f.broker->bootstrap(), kTopic, messages(log, 1, log.head()));
    // The time of event 20; a later event of the same time would be restored too.
    const auto until = log.messages.at(20 - 1).occurred_at;
    events::Sequence last = 20;
    while (last < log.head() && !(until < log.messages.at(last).occurred_at)) {
        ++last;
    }
    require_restored(f, f.restore({"--until", until.str()}), log, last, last);
}

TEST_CASE("restore takes a target named with a trailing slash", "[kafka][restore]") {
    Fixture f;
    const auto log = make_log(f.work.path() + "/source");
    produce(f.broker->bootstrap(), kTopic, messages(log, 1, log.head()));
    const Ran r = f.dealsctl(f.target() + "/", {"restore", "--kafka", f.broker->bootstrap(),
                                                "--kafka-topic", kTopic, "--no-progress"});
    require_restored(f, r, log, log.head(), log.head());
}

TEST_CASE("restore --kafka refuses a topic with a gap", "[kafka][restore]") {
    Fixture f;
    const auto log = make_log(f.work.path() + "/source");
    auto out = messages(log, 1, 16);
    const auto after = messages(log, 18, log.head());
    out.insert(out.end(), after.begin(), after.end());
    produce(f.broker->bootstrap(), kTopic, out);
    const std::string message =
        "gap: sequence 17 is not on the topic, though 19 later ones are (from sequence 18); the "
        "topic continues the log without a gap to sequence 16: --until 16 restores to there";
    SECTION("into a new directory") { require_refused(f, f.restore(), message); }
    SECTION("into an empty directory made for it, left empty") {
        fs::create_directory(f.target());
        const Ran r = f.restore();
        INFO("stderr: " << r.err);
        CHECK(r.status == 1);
        CHECK(r.err.find(message) != std::string::npos);
        CHECK(fs::is_directory(f.target()));
        CHECK(fs::is_empty(f.target()));
        CHECK(f.staging_left().empty());
    }
}

TEST_CASE("restore --kafka refuses a topic that retention cut short", "[kafka][restore]") {
    Fixture f;
    const auto log = make_log(f.work.path() + "/source");
    produce(f.broker->bootstrap(), kTopic, messages(log, 6, log.head()));
    require_refused(f, f.restore(),
                    "the topic no longer reaches back to sequence 1: its oldest event is "
                    "sequence 6");
}

TEST_CASE("restore --kafka refuses an event whose prevhash does not link", "[kafka][restore]") {
    Fixture f;
    const auto log = make_log(f.work.path() + "/source");
    auto out = messages(log, 1, log.head());
    out.at(12 - 1).value = with_prevhash(out.at(12 - 1).value, log.hash(10));
    produce(f.broker->bootstrap(), kTopic, out);
    require_refused(f, f.restore(),
                    "sequence 12 does not link: its prevhash is " + log.hash(10) +
                        ", the hash of sequence 11 is " + log.hash(11));
}

TEST_CASE("restore --kafka refuses an event whose hash is not that of its bytes",
          "[kafka][restore]") {
    Fixture f;
    const auto log = make_log(f.work.path() + "/source");
    auto out = messages(log, 1, log.head());
    out.at(12 - 1).value = with_data_changed(out.at(12 - 1).value);
    REQUIRE(out.at(12 - 1).value != log.messages.at(12 - 1).value);
    produce(f.broker->bootstrap(), kTopic, out);
    require_refused(f, f.restore(), "sequence 12: its hash is not that of its bytes");
}

TEST_CASE("restore --kafka refuses a sequence on the topic twice with different bytes",
          "[kafka][restore]") {
    Fixture f;
    const auto log = make_log(f.work.path() + "/source");
    // One partition, so that the order the restore reads them in is the order written.
    auto in_order = [&](std::initializer_list<std::pair<events::Sequence, events::Sequence>> runs) {
        std::vector<Outgoing> out;
        for (const auto& [from, to] : runs) {
            for (auto m : messages(log, from, to)) {
                m.partition = 0;
                out.push_back(std::move(m));
            }
        }
        return out;
    };
    Outgoing changed = messages(log, 9, 9).front();
    changed.value = with_data_changed(changed.value);
    changed.partition = 0;
    std::vector<Outgoing> out;
    std::string message;
    SECTION("both copies read before it can be appended") {
        out = in_order({{1, 7}, {9, 9}});
        out.push_back(changed);
        const auto rest = in_order({{8, 8}, {10, log.head()}});
        out.insert(out.end(), rest.begin(), rest.end());
        message = "sequence 9 is on the topic twice, with different bytes";
    }
    SECTION("the second copy read after the first was appended") {
        out = in_order({{1, 9}});
        out.push_back(changed);
        const auto rest = in_order({{10, log.head()}});
        out.insert(out.end(), rest.begin(), rest.end());
        message = "sequence 9 is on the topic twice, with different bytes";
    }
    produce(f.broker->bootstrap(), kTopic, out);
    require_refused(f, f.restore(), message);
}

TEST_CASE("restore --backup-dir --kafka continues a backup with the topic's events after it",
          "[kafka][restore][backup]") {
    Fixture f;
    const std::string backups = f.work.path() + "/backups";
    const auto log = make_log(f.work.path() + "/source", backups);
    REQUIRE(log.backup_sequence == 21);
    auto out = messages(log, 1, log.head());  // the whole log: what the backup holds too
    SECTION("the topic agrees with the backup") {
        produce(f.broker->bootstrap(), kTopic, out);
        require_restored(f, f.restore({"--backup-dir", backups}), log, log.head(),
                         log.head() - log.backup_sequence);
    }
    SECTION("the topic holds another event at a sequence the backup holds") {
        out.at(10 - 1).value = with_data_changed(out.at(10 - 1).value);
        produce(f.broker->bootstrap(), kTopic, out);
        require_refused(f, f.restore({"--backup-dir", backups}),
                        "sequence 10 on the topic differs from the one the backup holds");
    }
    SECTION("--until a time before the backup's head") {
        produce(f.broker->bootstrap(), kTopic, out);
        const std::string until = log.messages.at(10 - 1).occurred_at.str();
        require_refused(f, f.restore({"--backup-dir", backups, "--until", until}),
                        "the backup's head, sequence 21, occurred at " +
                            log.messages.at(21 - 1).occurred_at.str() + ", after --until " + until);
    }
}
