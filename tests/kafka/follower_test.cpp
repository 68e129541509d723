// The follower (store/follower.hpp) against a topic of the embedded broker that the test fills
// itself with a real log's messages: it applies them in sequence order whatever order they come
// in, waits at a gap (shown, never skipped) until the missing event comes, and stops applying for
// good at an event whose prevhash does not link, naming the sequence.

#include "store/follower.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "projections/views.hpp"
#include "tests/kafka/kafka_fixture.hpp"
#include "tests/kafka/topic_messages.hpp"

using namespace deals;
using namespace deals::kafka_test;
using deals::testing::TempDir;

namespace {

constexpr const char* kTopic = "deals.follow";

/// An empty data directory, as a replica's: the default pipeline comes from the topic.
std::unique_ptr<store::Store> replica_store(const std::string& dir) {
    auto s = store::Store::open({.data_dir = dir, .seed_defaults = false});
    REQUIRE(s.has_value());
    return std::move(*s);
}

/// Polls the follower's figures until `done` holds them (at most 20 s); returns the last.
template <class Done>
events::ReplicaStats await(const store::Follower& follower, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto stats = follower.replica_stats();
    while (!done(stats) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling its figures
        stats = follower.replica_stats();
    }
    return stats;
}

/// A real log, a topic of the embedded broker, and a follower of it on an empty directory.
struct Following {
    TempDir work;
    SourceLog log = make_log(work.path() + "/source");
    std::unique_ptr<store::EmbeddedBroker> broker = start();
    std::unique_ptr<store::Store> replica = replica_store(work.path() + "/replica");
    store::Follower follower{*replica, {broker->bootstrap(), kTopic, {}}};

    static std::unique_ptr<store::EmbeddedBroker> start() {
        auto b = store::EmbeddedBroker::start({.topic = kTopic, .partitions = 3});
        REQUIRE(b.has_value());
        return std::move(*b);
    }
    void produce(const std::vector<Outgoing>& out) {
        kafka_test::produce(broker->bootstrap(), kTopic, out);
    }
};

}  // namespace

TEST_CASE("a follower waits at a gap, shown, and goes on once the missing event comes",
          "[kafka][follower]") {
    Following f;
    const auto& log = f.log;
    auto out = messages(log, 1, 10);
    const auto later = messages(log, 12, log.head());
    out.insert(out.end(), later.begin(), later.end());
    f.produce(out);

    // Applied is the views' sequence, which follows the log's appends a moment later.
    auto stats =
        await(f.follower, [](const auto& s) { return s.waiting_for == 11 && s.applied == 10; });
    CHECK(stats.applied == 10);
    CHECK(stats.waiting_for == 11);
    CHECK(stats.stopped.empty());
    CHECK(stats.newest == log.head());
    CHECK(stats.lag_events >= log.head() - 10);

    f.produce(messages(log, 11, 11));
    stats = await(f.follower, [&](const auto& s) { return s.applied == log.head(); });
    CHECK(stats.applied == log.head());
    CHECK(stats.waiting_for == 0);
    CHECK(f.replica->log().head_hash() == log.hash(log.head()));
}

TEST_CASE("a follower stops applying for good at an event that does not link, naming it",
          "[kafka][follower]") {
    Following f;
    const auto& log = f.log;
    auto out = messages(log, 1, 10);
    auto broken = messages(log, 11, 11).front();
    broken.value = with_prevhash(broken.value, std::string(64, 'a'));
    out.push_back(broken);
    const auto later = messages(log, 11, log.head());  // the right 11 comes too late
    out.insert(out.end(), later.begin(), later.end());
    f.produce(out);

    const auto stats =
        await(f.follower, [](const auto& s) { return !s.stopped.empty() && s.applied == 10; });
    INFO(stats.stopped);
    CHECK(stats.stopped.find("sequence 11") != std::string::npos);
    CHECK(stats.stopped.find("does not link") != std::string::npos);
    CHECK(stats.applied == 10);
    CHECK(f.replica->log().head_sequence() == 10);  // nothing after it, ever
}

TEST_CASE("an empty follower serves what the topic held all at once when it has read it",
          "[kafka][follower]") {
    // More events than one append takes (1000), so that a follower applying as it reads would
    // be seen half-way.
    TempDir work;
    constexpr std::int64_t kDeals = 1200;
    std::vector<Outgoing> out;
    {
        auto source = open_store(work.path() + "/source");
        for (std::int64_t id = 1; id <= kDeals; ++id) {
            REQUIRE(create_deal(*source, id).has_value());
        }
        for (events::Sequence seq = 1; seq <= source->log().head_sequence(); ++seq) {
            const auto m = store::to_kafka_message(source->log().read_record(seq));
            out.push_back({m.key, m.value});
        }
    }
    const auto head = static_cast<events::Sequence>(out.size());
    const auto broker = Following::start();
    kafka_test::produce(broker->bootstrap(), kTopic, out);
    const auto replica = replica_store(work.path() + "/replica");
    store::Follower follower{*replica, {broker->bootstrap(), kTopic, {}}};

    // Every figure seen on the way: nothing applied while catching up, then the whole topic.
    std::vector<events::ReplicaStats> seen;
    const auto last = await(follower, [&seen](const auto& s) {
        seen.push_back(s);
        return s.applied != 0;
    });
    CHECK(last.applied == head);
    CHECK_FALSE(last.catching_up);
    CHECK(std::any_of(seen.begin(), seen.end(), [](const auto& s) { return s.catching_up; }));
    for (const auto& s : seen) {
        INFO("applied " << s.applied << ", catching up " << s.catching_up);
        CHECK((s.applied == 0 || s.applied == head));
        CHECK((s.applied == 0 || !s.catching_up));
    }
    CHECK(replica->read([](const projections::Views& v) {
        return v.deal_count(projections::Trash::kLive);
    }) == static_cast<std::size_t>(kDeals));
}
