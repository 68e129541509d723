#pragma once

// Deterministic fixtures for the pure-domain tests: a fixed clock, events recorded with
// sequence numbers and stream versions chosen here, the default pipeline (stages 1-5) and a
// few users. Shared by tests/commands and tests/projections; header only.

#include <catch2/catch.hpp>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "commands/directory_commands.hpp"
#include "commands/error.hpp"
#include "events/event.hpp"
#include "projections/deal.hpp"
#include "projections/views.hpp"
#include "store/codec.hpp"

namespace deals::unit {

using namespace deals::events;  // NOLINT
using commands::Error;
using commands::ErrorCode;
using commands::Events;
using projections::Deal;

/// 2026-03-01T10:00:00.000000Z, the start of every test's clock.
inline constexpr std::int64_t kT0Micros = 1'772'359'200'000'000;
inline constexpr std::int64_t kSecond = 1'000'000;

/// The fixed time `seconds` after the start of the test.
inline Timestamp at(std::int64_t seconds) { return Timestamp{kT0Micros + seconds * kSecond}; }

/// The default users of a seeded world.
inline constexpr UserId kAlice{1};  ///< super-admin
inline constexpr UserId kBob{2};    ///< deals_scope own
inline constexpr UserId kJose{3};   ///< "José Núñez", deals_scope all

/// A Views fed by hand-made RecordedEvents: sequence numbers from 1, stream versions per stream
/// from 1, occurred_at given by the test.
class World {
public:
    /// The default pipeline (pipeline 1, stages 1-5) and users 1-3, at t = -100 s.
    static World seeded() {
        World w;
        w.given(commands::default_pipeline(PipelineId{1}, StageId{1}), at(-100));
        w.given(
            {UserCreated{kAlice, "Alice Admin", "alice@example.com", true, true, DealsScope::kAll},
             UserCreated{kBob, "Bob Seller", "bob@example.com", false, true, DealsScope::kOwn},
             UserCreated{kJose, "José Núñez", "jose@example.com", false, true, DealsScope::kAll}},
            at(-90));
        return w;
    }

    /// Records and applies one event.
    RecordedEvent record(Event event, Timestamp occurred_at, EventMeta meta = {}) {
        RecordedEvent r;
        r.sequence = ++sequence_;
        char id[40];
        std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llu",
                      static_cast<unsigned long long>(r.sequence));
        r.id = id;
        r.stream = stream_of(event);
        r.stream_version = ++versions_[r.stream];
        r.occurred_at = occurred_at;
        r.meta = std::move(meta);
        r.data = std::move(event);
        views.apply(r);
        return r;
    }

    void given(const Events& events, Timestamp occurred_at) {
        for (const auto& e : events) {
            record(e, occurred_at);
        }
    }

    [[nodiscard]] const Deal& deal(DealId id) const {
        const Deal* d = views.deal(id);
        REQUIRE(d != nullptr);
        return *d;
    }

    projections::Views views;

private:
    Sequence sequence_ = 0;
    std::map<std::string, StreamVersion> versions_;
};

/// Folds events into one deal state with projections::apply, the i-th event at `times[i]`
/// (or at i seconds when no times are given), stream versions from 1.
inline Deal fold(const std::vector<Event>& events, const std::vector<Timestamp>& times = {}) {
    Deal deal;
    StreamVersion version = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Timestamp t = i < times.size() ? times[i] : at(static_cast<std::int64_t>(i));
        projections::apply(deal, events[i], t, ++version);
    }
    return deal;
}

/// A plain open deal in stage 1 of pipeline 1, as created by the API with only name and stage.
inline DealCreated open_deal(std::int64_t id = 42, std::string name = "Acme renewal") {
    return DealCreated{DealId{id},   std::move(name),   PipelineId{1}, StageId{1},   std::nullopt,
                       std::nullopt, DealStatus::kOpen, std::nullopt,  std::nullopt, std::nullopt};
}

/// The error of a failed result (the test fails when it succeeded).
template <class R>
Error error_of(const R& result) {
    REQUIRE(result.has_error());
    return result.error();
}

/// The value of a successful result (the test fails, printing the error, when it failed).
template <class R>
auto value_of(const R& result) {
    if (result.has_error()) {
        FAIL("unexpected error: " << result.error());
    }
    return result.value();
}

}  // namespace deals::unit

namespace Catch {

/// Events print as their wire type and data, so that a failed comparison says what differed.
template <>
struct StringMaker<deals::events::Event> {
    static std::string convert(const deals::events::Event& e) {
        return std::string(deals::events::type_name(e)) + deals::store::encode_data(e);
    }
};

}  // namespace Catch
