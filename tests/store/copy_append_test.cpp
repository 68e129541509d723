// A follower's log (RocksEventLog::append_copies): another log's stored records appended as
// they are, through the same writer, syncer and applier, so the bytes, the head and the views
// are the leader's; a copy that does not follow the head is refused, and none of its batch is
// written.

#include <catch2/catch.hpp>
#include <future>
#include <string>
#include <vector>

#include "store/codec.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using deals::testing::TempDir;

namespace {

std::unique_ptr<store::Store> open_store(const std::string& dir, bool seed) {
    auto s = store::Store::open({.data_dir = dir, .seed_defaults = seed});
    REQUIRE(s.has_value());
    return std::move(*s);
}

/// A user created, then renamed: two streams' worth of versions.
void append_user(store::Store& s, std::int64_t id) {
    const std::string stream = "user-" + std::to_string(id);
    const events::EventMeta meta{{events::UserId{1}, std::nullopt}, "req", "corr"};
    REQUIRE(
        s.append_and_wait({stream,
                           events::ExpectedVersion::no_stream(),
                           {events::UserCreated{events::UserId{id}, "User " + std::to_string(id),
                                                "u" + std::to_string(id) + "@example.com", false,
                                                true, events::DealsScope::kOwn}},
                           meta})
            .has_value());
}

/// The stored records `from`…`to` of `s`.
std::vector<std::string> records(store::Store& s, events::Sequence from, events::Sequence to) {
    std::vector<std::string> out;
    for (auto seq = from; seq <= to; ++seq) {
        out.push_back(s.log().read_record(seq));
        REQUIRE_FALSE(out.back().empty());
    }
    return out;
}

events::AppendResult copy(store::Store& follower, std::vector<std::string> copies) {
    std::promise<events::AppendResult> done;
    follower.log().append_copies(std::move(copies),
                                 [&done](events::AppendResult r) { done.set_value(std::move(r)); });
    return done.get_future().get();
}

std::size_t user_count(store::Store& s) {
    return s.read([](const projections::Views& v) { return v.users().size(); });
}

}  // namespace

TEST_CASE("copies of a leader's records make the same log and views", "[store][follower]") {
    TempDir dirs;
    auto leader = open_store(dirs.path() + "/leader", true);  // the default pipeline: 1-6
    for (std::int64_t id = 1; id <= 20; ++id) {
        append_user(*leader, id);
    }
    const auto head = leader->log().head_sequence();
    REQUIRE(head == 26);
    auto follower = open_store(dirs.path() + "/follower", false);

    // In three chunks, as a follower gets them from the topic.
    for (const auto& [from, to] : {std::pair{1, 6}, std::pair{7, 7}, std::pair{8, 26}}) {
        auto r = copy(*follower, records(*leader, from, to));
        INFO((r ? "" : r.error().message));
        REQUIRE(r.has_value());
        CHECK(r->recorded.size() == static_cast<std::size_t>(to - from + 1));
        CHECK(r->recorded.back().sequence == static_cast<events::Sequence>(to));
    }
    CHECK(follower->log().head_sequence() == head);
    CHECK(follower->log().head_hash() == leader->log().head_hash());
    CHECK(records(*follower, 1, head) == records(*leader, 1, head));
    CHECK(follower->log().stream_version("user-7") == 1);
    CHECK(user_count(*follower) == 20);
    CHECK(follower->read([](const projections::Views& v) { return v.pipelines().size(); }) == 1);

    // After a restart, the follower's log goes on from its own head.
    follower.reset();
    follower = open_store(dirs.path() + "/follower", false);
    append_user(*leader, 21);
    REQUIRE(copy(*follower, records(*leader, head + 1, head + 1)).has_value());
    CHECK(follower->log().head_hash() == leader->log().head_hash());
    CHECK(user_count(*follower) == 21);

    // Version 2 of a stream the restarted follower's writer holds nothing of: read from
    // RocksDB, version 1, so the copy follows.
    REQUIRE(leader
                ->append_and_wait(
                    {"user-7", events::ExpectedVersion::exactly(1), {events::TokenRevoked{}}, {}})
                .has_value());
    REQUIRE(copy(*follower, records(*leader, head + 2, head + 2)).has_value());
    CHECK(follower->log().stream_version("user-7") == 2);
    CHECK(follower->log().head_hash() == leader->log().head_hash());
}

TEST_CASE("a copy that does not follow the head is refused, with none of its batch",
          "[store][follower]") {
    TempDir dirs;
    auto leader = open_store(dirs.path() + "/leader", true);
    for (std::int64_t id = 1; id <= 5; ++id) {
        append_user(*leader, id);
    }
    auto follower = open_store(dirs.path() + "/follower", false);
    REQUIRE(copy(*follower, records(*leader, 1, 6)).has_value());

    auto chunk = records(*leader, 7, 11);
    std::string message;
    SECTION("a gap") {
        chunk.erase(chunk.begin() + 2);  // 9 missing
        message = "sequence 9 is next, not sequence 10";
    }
    SECTION("bytes that are not those the hash was made of") {
        auto& record = chunk[2];
        record[record.find("User 3")] = 'X';
        message = "sequence 9: its hash is not that of its bytes";
    }
    SECTION("a record of another log") {
        auto other = open_store(dirs.path() + "/other", true);
        append_user(*other, 1);
        append_user(*other, 2);
        append_user(*other, 9);  // same sequence 9, another event, another chain
        chunk[2] = other->log().read_record(9);
        message = "sequence 9 does not link: its prev_hash is ";
    }
    const auto r = copy(*follower, chunk);
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message);
    CHECK(r.error().message.rfind(message, 0) == 0);
    // Nothing of the chunk went in: 7 and 8 came before the bad copy, and are not there either.
    CHECK(follower->log().head_sequence() == 6);
    CHECK(follower->log().read_record(7).empty());
    CHECK(user_count(*follower) == 0);
    // The right copies still follow.
    REQUIRE(copy(*follower, records(*leader, 7, 11)).has_value());
    CHECK(follower->log().head_hash() == leader->log().head_hash());
}
