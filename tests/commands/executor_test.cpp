#include "commands/executor.hpp"

#include <catch2/catch.hpp>
#include <deque>

#include "tests/support/memory_event_log.hpp"

using namespace deals;
using commands::Decision;
using commands::ErrorCode;
using commands::Executed;
using commands::Executor;
using commands::Result;
using events::ExpectedVersion;
using testing::MemoryEventLog;
using testing::MemoryViews;

namespace {

events::Event user(std::int64_t id) {
    return events::UserCreated{events::UserId{id},
                               "User " + std::to_string(id),
                               "user" + std::to_string(id) + "@example.com",
                               false,
                               true,
                               events::DealsScope::kOwn};
}

/// Runs a command: retries are posted to a queue drained here, as a socket thread would.
struct Harness {
    MemoryEventLog log;
    MemoryViews views{log};
    Executor executor{log, views};
    std::deque<std::function<void()>> posted;
    std::size_t posts = 0;

    Result<Executed> run(commands::Decide decide) {
        std::optional<Result<Executed>> outcome;
        executor.execute(
            std::move(decide), {},
            [this](std::function<void()> f) {
                ++posts;
                posted.push_back(std::move(f));
            },
            [&](Result<Executed> r) { outcome.emplace(std::move(r)); });
        while (!posted.empty()) {
            auto f = std::move(posted.front());
            posted.pop_front();
            f();
        }
        REQUIRE(outcome.has_value());
        return std::move(*outcome);
    }
};

}  // namespace

TEST_CASE("a command's events for several streams are one append, each stream at its version",
          "[commands][executor]") {
    Harness h;
    REQUIRE(h.log.commit({"user-2", ExpectedVersion::no_stream(), {user(2)}}).has_value());
    auto done = h.run([](const projections::ViewReader&) -> Result<Decision> {
        Decision d;
        d.add("user-1", ExpectedVersion::no_stream(), {user(1)});
        d.add_subject("user-2", ExpectedVersion::exactly(1), {user(3)});
        return d;
    });
    REQUIRE(done.has_value());
    REQUIRE(done->recorded.size() == 2);
    CHECK(done->recorded[0].stream == "user-1");
    CHECK(done->recorded[0].sequence == 2);
    CHECK(done->recorded[1].stream == "user-2");
    CHECK(done->recorded[1].stream_version == 2);
    CHECK(done->recorded[1].sequence == 3);
    CHECK(h.log.appends == 1);
    CHECK(h.posts == 0);
}

TEST_CASE("a command one of whose streams moved on writes none of its events",
          "[commands][executor]") {
    Harness h;
    REQUIRE(h.log.commit({"user-2", ExpectedVersion::no_stream(), {user(2)}}).has_value());
    int decisions = 0;
    auto done = h.run([&](const projections::ViewReader&) -> Result<Decision> {
        ++decisions;
        Decision d;
        d.what = "user";
        d.add("user-1", ExpectedVersion::no_stream(), {user(1)});
        d.add_subject("user-2", ExpectedVersion::no_stream(), {user(2)});  // stale, every time
        return d;
    });
    REQUIRE_FALSE(done.has_value());
    CHECK(done.error().code == ErrorCode::kConflict);
    CHECK(done.error().message == "The user is being changed by other requests; try again.");
    CHECK(decisions == Executor::kDefaultAttempts);
    CHECK(h.posts == Executor::kDefaultAttempts - 1);  // each retry decided where the caller works
    CHECK(h.log.head_sequence() == 1);
    CHECK(h.log.stream_version("user-1") == 0);
}

TEST_CASE("a command decides again on the state another command left", "[commands][executor]") {
    Harness h;
    REQUIRE(h.log.commit({"user-1", ExpectedVersion::no_stream(), {user(1)}}).has_value());
    // Between the first decision and its append, another command changes the stream.
    bool raced = false;
    h.log.before_append = [&](const events::AppendRequest&) {
        if (!raced) {
            raced = true;
            REQUIRE(h.log.commit({"user-1", ExpectedVersion::any(), {user(1)}}).has_value());
        }
    };
    std::vector<events::StreamVersion> seen;
    auto done = h.run([&](const projections::ViewReader&) -> Result<Decision> {
        seen.push_back(h.log.stream_version("user-1"));
        Decision d;
        d.add_subject("user-1", ExpectedVersion::exactly(seen.back()), {user(1)});
        return d;
    });
    REQUIRE(done.has_value());
    CHECK(seen == std::vector<events::StreamVersion>{1, 2});
    CHECK(done->recorded.at(0).stream_version == 3);
    CHECK(h.posts == 1);
}

TEST_CASE("a command's refusal, an empty decision and an unavailable log", "[commands][executor]") {
    Harness h;
    auto refused = h.run([](const projections::ViewReader&) -> Result<Decision> {
        return commands::forbidden("no");
    });
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::kForbidden);

    auto nothing = h.run([](const projections::ViewReader&) -> Result<Decision> { return {}; });
    REQUIRE(nothing.has_value());
    CHECK(nothing->recorded.empty());
    CHECK(h.log.appends == 0);

    h.log.unavailable = "the disk is full";
    auto failed = h.run([](const projections::ViewReader&) -> Result<Decision> {
        Decision d;
        d.add_subject("user-1", ExpectedVersion::no_stream(), {user(1)});
        return d;
    });
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().code == ErrorCode::kUnavailable);
    CHECK(h.log.head_sequence() == 0);
}

TEST_CASE("a decision groups consecutive events of one stream into one append",
          "[commands][executor]") {
    Decision d;
    d.add_each({events::CatalogProductTrashed{events::ProductId{1}},
                events::CatalogProductRestored{events::ProductId{1}},
                events::CatalogProductTrashed{events::ProductId{2}}},
               [](const events::Event& e) {
                   return std::holds_alternative<events::CatalogProductRestored>(e)
                              ? ExpectedVersion::no_stream()  // never asked: not first
                              : ExpectedVersion::any();
               });
    REQUIRE(d.appends.size() == 2);
    CHECK(d.appends[0].stream == "product-1");
    CHECK(d.appends[0].events.size() == 2);
    CHECK(d.appends[0].expected.kind == ExpectedVersion::Kind::kAny);
    CHECK(d.appends[1].stream == "product-2");
    d.add_subject("deal-1", ExpectedVersion::exactly(4), {events::DealTrashed{events::DealId{1}}});
    CHECK(d.subject == 2);
    d.add("deal-2", ExpectedVersion::any(), {});
    CHECK(d.appends.size() == 3);  // nothing added for no events
}
