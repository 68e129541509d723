#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/rebuild.hpp"
#include "store/store.hpp"
#include "support/sha256.hpp"
#include "tests/support/raw_database.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/user_requests.hpp"

using namespace deals;
using deals::testing::TempDir;
using events::ExpectedVersion;

namespace {

std::unique_ptr<store::Store> open_store(const std::string& dir, bool seed = false,
                                         std::size_t cached_streams = store::kCachedStreams) {
    std::int64_t t = 1'772'359'200'000'000;
    auto s = store::Store::open({.data_dir = dir,
                                 .cached_streams = cached_streams,
                                 .seed_defaults = seed,
                                 .clock = [t]() mutable { return events::Timestamp{t += 1000}; }});
    REQUIRE(s);
    return std::move(*s);
}

/// A refusal because a stream moved on (the log's kConflict).
bool conflicted(const events::AppendResult& result) {
    return !result && result.error().code == ErrorCode::kConflict;
}

events::AppendRequest create_user(std::int64_t id, ExpectedVersion expected) {
    return testing::create_user(id, expected, "req-1", "corr-1");
}

/// An event appended to `stream` expecting `expected` (TokenRevoked: any event will do).
events::AppendRequest revoke(const std::string& stream, ExpectedVersion expected) {
    return {stream, expected, {events::TokenRevoked{}}, {}};
}

/// Leaves user-1 at version 3 in a store at `dir`, closed: the next store opened there holds
/// nothing of the stream in the writer's memory. `expect` makes the expected versions.
void user_1_at_version_3(const std::string& dir, ExpectedVersion (*expect)(events::StreamVersion)) {
    auto store = open_store(dir);
    REQUIRE(store->append_and_wait(create_user(1, ExpectedVersion::no_stream())).has_value());
    for (events::StreamVersion v = 1; v <= 2; ++v) {
        REQUIRE(store->append_and_wait(revoke("user-1", expect(v))).has_value());
    }
}

}  // namespace

TEST_CASE("appends get gapless sequence numbers and per-stream versions", "[store]") {
    TempDir dir;
    auto store = open_store(dir.path());
    auto first = store->append_and_wait(create_user(1, ExpectedVersion::no_stream()));
    REQUIRE(first.has_value());
    REQUIRE(first->recorded.size() == 1);
    CHECK(first->recorded[0].sequence == 1);
    CHECK(first->recorded[0].stream_version == 1);
    CHECK(first->recorded[0].stream == "user-1");
    CHECK(first->recorded[0].meta.request_id == "req-1");

    auto second = store->append_and_wait(create_user(2, ExpectedVersion::no_stream()));
    REQUIRE(second.has_value());
    CHECK(second->recorded[0].sequence == 2);
    CHECK(second->recorded[0].stream_version == 1);
    CHECK(store->log().head_sequence() == 2);
}

TEST_CASE("an append with a stale expected version is refused and writes nothing", "[store]") {
    TempDir dir;
    auto store = open_store(dir.path());
    REQUIRE(store->append_and_wait(create_user(1, ExpectedVersion::no_stream())).has_value());
    const auto head_hash = store->log().head_hash();

    auto again = store->append_and_wait(create_user(1, ExpectedVersion::no_stream()));
    CHECK(conflicted(again));
    CHECK(again.error().message == "the stream user-1 is at version 1");
    auto stale = store->append_and_wait(create_user(1, ExpectedVersion::exactly(0)));
    CHECK(conflicted(stale));

    CHECK(store->log().head_sequence() == 1);
    CHECK(store->log().head_hash() == head_hash);
    CHECK(store->log().read_stream("user-1", 1, 100).size() == 1);

    auto right = store->append_and_wait(revoke("user-1", ExpectedVersion::exactly(1)));
    CHECK(right.has_value());
    CHECK(right->recorded[0].stream_version == 2);
}

TEST_CASE("expected versions hold for streams the writer no longer keeps in memory", "[store]") {
    // Three streams per generation: of ten streams, the last written are in the new
    // generation, some in the old one, and the rest only in RocksDB.
    TempDir dir;
    auto store = open_store(dir.path(), false, 3);
    for (std::int64_t id = 1; id <= 10; ++id) {
        REQUIRE(store->append_and_wait(create_user(id, ExpectedVersion::no_stream())).has_value());
    }
    for (int pass = 1; pass <= 2; ++pass) {
        INFO("pass " << pass);
        for (std::int64_t id = 1; id <= 10; ++id) {
            INFO("user-" << id);
            const std::string stream = "user-" + std::to_string(id);
            const events::StreamVersion now = pass;  // 1, then 2 after the first pass
            auto created_again = store->append_and_wait(create_user(id, ExpectedVersion::no_stream()));
            CHECK(conflicted(created_again));
            CHECK(created_again.error().message ==
                  "the stream " + stream + " is at version " + std::to_string(now));
            auto stale = store->append_and_wait(revoke(stream, ExpectedVersion::exactly(now - 1)));
            CHECK(conflicted(stale));
            CHECK(stale.error().message ==
                  "the stream " + stream + " is at version " + std::to_string(now));
            auto right = store->append_and_wait(revoke(stream, ExpectedVersion::exactly(now)));
            REQUIRE(right.has_value());
            CHECK(right->recorded[0].stream_version == now + 1);
        }
    }
    CHECK(store->log().head_sequence() == 30);
}

TEST_CASE("an expected version is checked against the stored one when the writer holds none",
          "[store]") {
    // Each append below is the first to its stream since the store opened: the writer reads
    // the stream's version from RocksDB, looking up the version the append expects first.
    TempDir dir;
    user_1_at_version_3(dir.path(), ExpectedVersion::exactly);
    for (const events::StreamVersion expected : {1, 2, 4, 7}) {
        INFO("expected " << expected);
        auto store = open_store(dir.path());
        auto refused = store->append_and_wait(revoke("user-1", ExpectedVersion::exactly(expected)));
        CHECK(conflicted(refused));
        CHECK(refused.error().message == "the stream user-1 is at version 3");
    }
    auto store = open_store(dir.path());
    auto right = store->append_and_wait(revoke("user-1", ExpectedVersion::exactly(3)));
    REQUIRE(right.has_value());
    CHECK(right->recorded[0].stream_version == 4);
    auto absent = store->append_and_wait(revoke("user-2", ExpectedVersion::exactly(1)));
    CHECK(conflicted(absent));
    CHECK(absent.error().message == "the stream user-2 is at version 0");
}

TEST_CASE(
    "a version seen in the views is checked against the stored one when the writer holds none",
    "[store]") {
    // ExpectedVersion::seen_at: the caller read the version in the views, so the stream has at
    // least that many entries and the writer only looks for the next one. The stream is at
    // version 3. In the loop, and for `right`, the append is the first to its stream since the
    // store opened (the writer reads RocksDB); `again` finds the version `right` left in the
    // writer's memory.
    TempDir dir;
    user_1_at_version_3(dir.path(), ExpectedVersion::seen_at);
    for (const events::StreamVersion seen : {1, 2}) {
        INFO("seen at " << seen << ", stored at 3");
        auto store = open_store(dir.path());
        auto refused = store->append_and_wait(revoke("user-1", ExpectedVersion::seen_at(seen)));
        CHECK(conflicted(refused));
        CHECK(refused.error().message == "the stream user-1 is at version 3");
        CHECK(store->log().head_sequence() == 3);
    }
    auto store = open_store(dir.path());
    auto right = store->append_and_wait(revoke("user-1", ExpectedVersion::seen_at(3)));
    REQUIRE(right.has_value());
    CHECK(right->recorded[0].stream_version == 4);
    auto again = store->append_and_wait(revoke("user-1", ExpectedVersion::seen_at(3)));
    CHECK(conflicted(again));
    CHECK(again.error().message == "the stream user-1 is at version 4");
}

TEST_CASE("a store whose views are past the end of its log is refused until rebuilt", "[store]") {
    // The log writer trusts a version read in the views to be stored (ExpectedVersion::seen_at),
    // so views ahead of the log (a log copied in from an older backup, say) must not serve.
    TempDir dir;
    {
        auto store = open_store(dir.path());
        for (std::int64_t id = 1; id <= 3; ++id) {
            REQUIRE(
                store->append_and_wait(create_user(id, ExpectedVersion::no_stream())).has_value());
        }
    }  // closed with a checkpoint at sequence 3
    {
        auto db = testing::open_raw_database(dir.path());
        REQUIRE(db->Delete(rocksdb::WriteOptions{}, db.log(), store::keys::event(3)).ok());
        REQUIRE(db->Delete(rocksdb::WriteOptions{}, store::keys::stream_entry("user-3", 1)).ok());
    }
    auto refused = store::Store::open({.data_dir = dir.path()});
    REQUIRE_FALSE(refused.has_value());
    CHECK_THAT(refused.error().message,
               Catch::Contains("its views are at sequence 3, past the end of its log at sequence "
                               "2; `dealsctl rebuild` folds the views from the log again"));

    const auto rebuilt = store::rebuild_views({.data_dir = dir.path()});
    REQUIRE(rebuilt.has_value());
    auto store = open_store(dir.path());
    CHECK(store->log().head_sequence() == 2);
    CHECK(store->read([](const projections::Views& v) { return v.users().size(); }) == 2);
    auto again = store->append_and_wait(create_user(3, ExpectedVersion::no_stream()));
    REQUIRE(again.has_value());
    CHECK(again->recorded[0].sequence == 3);
}

TEST_CASE("reads by stream and by sequence range return committed events in order", "[store]") {
    TempDir dir;
    auto store = open_store(dir.path());
    for (int i = 1; i <= 5; ++i) {
        REQUIRE(store->append_and_wait(create_user(i % 2 + 1, ExpectedVersion::any())).has_value());
    }
    const auto stream = store->log().read_stream("user-1", 1, 100);
    REQUIRE(stream.size() == 2);
    CHECK(stream[0].stream_version == 1);
    CHECK(stream[1].stream_version == 2);
    CHECK(stream[0].sequence < stream[1].sequence);
    CHECK(store->log().read_stream("user-1", 2, 100).size() == 1);
    CHECK(store->log().read_stream("user-2", 1, 1).size() == 1);
    CHECK(store->log().read_stream("user-9", 1, 100).empty());

    const auto range = store->log().read_range(2, 4, 100);
    REQUIRE(range.size() == 3);
    CHECK(range[0].sequence == 2);
    CHECK(range[2].sequence == 4);
    CHECK(store->log().read_range(1, 100, 2).size() == 2);
}

TEST_CASE("every event is chained to the previous one by SHA-256", "[store]") {
    TempDir dir;
    auto store = open_store(dir.path());
    for (int i = 1; i <= 4; ++i) {
        REQUIRE(store->append_and_wait(create_user(i, ExpectedVersion::no_stream())).has_value());
    }
    std::string prev(64, '0');
    for (events::Sequence seq = 1; seq <= 4; ++seq) {
        const std::string record = store->log().read_record(seq);
        const auto parts = store::split_record(record);
        CHECK(parts.prev_hash == prev);
        CHECK(parts.hash == support::sha256_hex(parts.prev_hash, parts.body));
        prev = std::string(parts.hash);
    }
    CHECK(store->log().head_hash() == prev);
}

TEST_CASE("reopening keeps the log, the chain and the views", "[store]") {
    TempDir dir;
    std::string head_hash;
    std::vector<std::string> users_before;
    {
        auto store = open_store(dir.path(), true);
        REQUIRE(store->append_and_wait(create_user(1, ExpectedVersion::no_stream())).has_value());
        head_hash = store->log().head_hash();
        store->read([&](const auto& views) {
            for (const auto* u : views.users()) {
                users_before.push_back(store::encode_view(*u));
            }
        });
        store->close();
    }
    auto store = open_store(dir.path(), true);
    CHECK(store->log().head_sequence() == 7);  // the default pipeline (6) and one user
    CHECK(store->log().head_hash() == head_hash);
    // The start-up line's phases, each within the whole.
    const auto& report = store->open_report();
    CHECK(report.views_loaded == 7);  // the pipeline, its five stages and the user
    CHECK(report.events_replayed == 0);
    for (const double phase :
         {report.open_seconds, report.load_seconds, report.index_seconds, report.replay_seconds}) {
        CHECK(phase > 0);
        CHECK(phase <= report.seconds);
    }
    std::vector<std::string> users_after;
    store->read([&](const auto& views) {
        CHECK(views.pipelines().size() == 1);  // not seeded twice
        for (const auto* u : views.users()) {
            users_after.push_back(store::encode_view(*u));
        }
    });
    CHECK(users_after == users_before);
    auto next = store->append_and_wait(create_user(2, ExpectedVersion::no_stream()));
    REQUIRE(next.has_value());
    CHECK(next->recorded[0].sequence == 8);
    CHECK(next->recorded[0].prev_hash == head_hash);
}

TEST_CASE("views lost from disk are rebuilt from the log alone", "[store]") {
    TempDir dir;
    std::vector<std::string> before;
    {
        auto store = open_store(dir.path(), true);
        for (int i = 1; i <= 3; ++i) {
            REQUIRE(
                store->append_and_wait(create_user(i, ExpectedVersion::no_stream())).has_value());
        }
        store->read([&](const auto& views) {
            for (const auto* u : views.users()) {
                before.push_back(store::encode_view(*u));
            }
            for (const auto* s : views.stages_by_name()) {
                before.push_back(store::encode_view(*s));
            }
        });
        store->close();
    }
    {
        // Drop every stored view and the checkpoint, as if the views had never been written.
        auto db = testing::open_raw_database(dir.path());
        REQUIRE(db->DeleteRange(rocksdb::WriteOptions{}, db->DefaultColumnFamily(), "v", "w").ok());
        REQUIRE(db->Delete(rocksdb::WriteOptions{}, "mcheckpoint").ok());
    }
    auto store = open_store(dir.path(), true);
    CHECK(store->open_report().events_replayed == 9);
    std::vector<std::string> after;
    store->read([&](const auto& views) {
        for (const auto* u : views.users()) {
            after.push_back(store::encode_view(*u));
        }
        for (const auto* s : views.stages_by_name()) {
            after.push_back(store::encode_view(*s));
        }
    });
    CHECK(after == before);
}

TEST_CASE("concurrent appends share durable batches (group commit)", "[store]") {
    TempDir dir;
    auto store = open_store(dir.path());
    constexpr int kThreads = 8;
    constexpr int kPerThread = 50;
    std::vector<std::thread> threads;
    std::mutex mutex;
    std::set<events::Sequence> sequences;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                auto outcome = store->append_and_wait(
                    create_user(1 + t * kPerThread + i, ExpectedVersion::no_stream()));
                std::lock_guard lock(mutex);
                REQUIRE(outcome.has_value());
                sequences.insert(outcome->recorded[0].sequence);
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    const auto stats = store->log().stats();
    CHECK(stats.appends == kThreads * kPerThread);
    CHECK(stats.events == kThreads * kPerThread);
    CHECK(stats.batches < stats.appends);  // some fsyncs were shared
    CHECK(stats.max_batch_appends > 1);
    REQUIRE(sequences.size() == kThreads * kPerThread);
    CHECK(*sequences.begin() == 1);
    CHECK(*sequences.rbegin() == kThreads * kPerThread);  // no gaps
}

TEST_CASE("a data directory is held by one process at a time", "[store]") {
    TempDir dir;
    auto first = open_store(dir.path());
    auto second = store::Store::open({.data_dir = dir.path()});
    REQUIRE_FALSE(second);
    CHECK_THAT(second.error().message, Catch::Contains("in use by another process"));
}

TEST_CASE("an append to several streams commits all of them or none", "[store]") {
    TempDir dir;
    auto store = open_store(dir.path());
    REQUIRE(store->append_and_wait(create_user(2, ExpectedVersion::no_stream())).has_value());
    const auto user = [](std::int64_t id) {
        return create_user(id, ExpectedVersion::any()).streams.at(0).events.at(0);
    };

    // The second stream's expectation fails: nothing of the first is written either.
    events::AppendRequest refused({{"user-1", ExpectedVersion::no_stream(), {user(1)}},
                                   {"user-2", ExpectedVersion::no_stream(), {user(2)}}},
                                  {});
    auto outcome = store->append_and_wait(std::move(refused));
    CHECK(conflicted(outcome));
    CHECK(outcome.error().message == "the stream user-2 is at version 1");
    CHECK(store->log().head_sequence() == 1);
    CHECK(store->log().stream_version("user-1") == 0);

    // Both hold: consecutive sequences, each stream's own versions, one batch.
    const auto batches = store->log().stats().batches;
    events::EventMeta meta;
    meta.request_id = "req-9";
    meta.idempotency = {"scoped-key", "fingerprint"};
    events::AppendRequest both({{"user-1", ExpectedVersion::no_stream(), {user(1), user(1)}},
                                {"user-2", ExpectedVersion::exactly(1), {user(2)}}},
                               meta, 1);
    outcome = store->append_and_wait(std::move(both));
    REQUIRE(outcome.has_value());
    REQUIRE(outcome->recorded.size() == 3);
    CHECK(outcome->recorded[0].sequence == 2);
    CHECK(outcome->recorded[1].stream_version == 2);
    CHECK(outcome->recorded[2].stream == "user-2");
    CHECK(outcome->recorded[2].stream_version == 2);
    CHECK(outcome->recorded[2].sequence == 4);
    CHECK(outcome->current_version == 2);  // of the subject, user-2
    CHECK(store->log().stats().batches == batches + 1);
    // The Idempotency-Key's marker names the subject stream and the request's last sequence.
    const auto marker = store->idempotency("scoped-key");
    REQUIRE(marker.has_value());
    REQUIRE(marker->has_value());
    REQUIRE((*marker)->written.has_value());
    CHECK((*marker)->fingerprint == "fingerprint");
    CHECK((*marker)->written->stream == "user-2");
    CHECK((*marker)->written->version == 2);
    CHECK((*marker)->written->sequence == 4);

    // A request naming one stream twice expects each part at the version the one before leaves.
    events::AppendRequest twice({{"user-1", ExpectedVersion::exactly(2), {user(1)}},
                                 {"user-1", ExpectedVersion::exactly(3), {user(1)}}},
                                {});
    outcome = store->append_and_wait(std::move(twice));
    REQUIRE(outcome.has_value());
    CHECK(outcome->recorded[1].stream_version == 4);
}
