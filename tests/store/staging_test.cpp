// An empty replica's catch-up (Store::begin_staging, finish_staging): the leader's records are
// appended as copies and folded into views nobody sees, unindexed; once finished the views are
// indexed, served whole at once, and kept by the next checkpoint, as live folding would have.

#include <catch2/catch.hpp>
#include <future>
#include <string>
#include <vector>

#include "projections/views.hpp"
#include "support/json.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_server.hpp"

using namespace deals;
using namespace deals::testing;

namespace {

std::unique_ptr<store::Store> open_store(const std::string& dir, bool seed) {
    auto s = store::Store::open({.data_dir = dir, .seed_defaults = seed});
    REQUIRE(s.has_value());
    return std::move(*s);
}

void create_deal(HttpClient& client, const std::string& name, int amount) {
    const auto res =
        client.post("/api/deals", R"({"name":")" + name + R"(","stage_id":1,"amount":)" +
                                      std::to_string(amount) + "}");
    INFO(res.status << " " << res.body);
    REQUIRE(res.status == 201);
}

void copy(store::Store& from, store::Store& to, events::Sequence first, events::Sequence last) {
    std::vector<std::string> copies;
    for (auto seq = first; seq <= last; ++seq) {
        copies.push_back(from.log().read_record(seq));
    }
    std::promise<events::AppendResult> done;
    to.log().append_copies(std::move(copies),
                           [&done](events::AppendResult r) { done.set_value(std::move(r)); });
    const auto r = done.get_future().get();
    INFO((r ? "" : r.error().message));
    REQUIRE(r.has_value());
}

/// What reads see: the applied sequence, and the live deals' ids in name order and in amount
/// order (both served from the deal index).
struct Seen {
    events::Sequence applied = 0;
    std::vector<std::int64_t> by_name;
    std::vector<std::int64_t> by_amount;
    friend bool operator==(const Seen&, const Seen&) = default;
};

Seen seen(const store::Store& s) {
    return s.read([](const projections::Views& v) {
        Seen out{v.applied_sequence(), {}, {}};
        for (const auto* d : v.deals_by_name(projections::Trash::kLive)) {
            out.by_name.push_back(d->id.value);
        }
        projections::DealQuery query;
        query.order = {{projections::DealSortField::kAmount, true}};
        const auto page = v.find_deals(projections::Trash::kLive, query, 0, 1000);
        for (const auto* d : page.items) {
            out.by_amount.push_back(d->id.value);
        }
        return out;
    });
}

}  // namespace

TEST_CASE("staged views are unseen until finished and then served indexed and kept",
          "[store][follower]") {
    TestServer leader;
    auto client = leader.client();
    for (int i = 0; i < 40; ++i) {
        create_deal(client, "Deal " + std::to_string((i * 17) % 40), (i * 31) % 97);
    }
    const auto head = leader.store().log().head_sequence();
    TempDir dir;
    auto replica = open_store(dir.path() + "/replica", false);
    REQUIRE(replica->begin_staging());
    CHECK_FALSE(replica->begin_staging());  // once

    copy(leader.store(), *replica, 1, 20);
    copy(leader.store(), *replica, 21, head);
    CHECK(replica->log().head_sequence() == head);
    CHECK(seen(*replica) == Seen{});  // folded, but nobody sees them yet

    replica->finish_staging();
    const Seen expected = seen(leader.store());
    REQUIRE(expected.by_name.size() == 40);
    CHECK(seen(*replica) == expected);

    // From now on each append is folded as it comes, index included.
    create_deal(client, "Aardvark", 1000);
    copy(leader.store(), *replica, head + 1, leader.store().log().head_sequence());
    const Seen after = seen(leader.store());
    CHECK(seen(*replica) == after);

    // The checkpoint keeps every staged view: a restart loads them instead of folding the log.
    replica->close();
    replica = open_store(dir.path() + "/replica", false);
    CHECK(replica->open_report().events_replayed == 0);
    CHECK(seen(*replica) == after);
}

TEST_CASE("staging is refused on a store that has appended events", "[store][follower]") {
    TempDir dir;
    auto seeded = open_store(dir.path() + "/seeded", true);  // the default pipeline's events
    CHECK_FALSE(seeded->begin_staging());
    seeded->finish_staging();  // nothing staged: nothing changes
    CHECK(seeded->read([](const projections::Views& v) { return v.pipelines().size(); }) == 1);
}
