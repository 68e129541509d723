// DealIndex::build, start-up's indexing (the text indexes on one thread while the others sort
// the fields' indexes), against the serial way (`add_unsorted` then `seal` on one thread): the
// same answers to every order and text search, before and after later changes.

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "projections/deal_index.hpp"
#include "projections/deal_order.hpp"

namespace pj = deals::projections;
using namespace deals::events;  // NOLINT
using pj::Deal;
using pj::DealIndex;
using pj::DealSortField;
using pj::IndexCondition;

namespace {

constexpr std::int64_t kT0 = 1'772'359'200'000'000;

/// Deals whose names repeat (and collate equal: "alpha", "Alpha"), with and without the
/// optional fields, in id order with gaps.
std::vector<std::unique_ptr<Deal>> make_deals(std::size_t n, std::uint64_t seed) {
    const std::vector<std::string> names{
        "Müller GmbH — renewal", "alpha",      "Alpha", "Åsa AB", "Bravo",
        "Zeta project 7",        "müller gmbh"};
    const std::vector<std::string> reasons{"No budget", "Went with a competitor", "Zu teuer"};
    std::mt19937_64 rng(seed);
    const auto pick = [&rng](std::size_t k) { return static_cast<std::size_t>(rng() % k); };
    std::vector<std::unique_ptr<Deal>> out;
    std::int64_t id = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto d = std::make_unique<Deal>();
        id += 1 + static_cast<std::int64_t>(pick(3));
        d->id = DealId{id};
        d->name = pick(4) == 0 ? "Deal " + std::to_string(pick(n)) : names[pick(names.size())];
        d->pipeline_id = PipelineId{1 + static_cast<std::int64_t>(pick(2))};
        d->stage_id = StageId{1 + static_cast<std::int64_t>(pick(5))};
        if (pick(3) != 0) {
            d->amount = Money::parse(std::to_string(pick(5000)) + ".5");
        }
        if (pick(4) == 0) {
            d->status = DealStatus::kLost;
            d->lost_reason = reasons[pick(reasons.size())];
            d->lost_date = Timestamp{kT0 + static_cast<std::int64_t>(pick(1000))};
        }
        if (pick(2) == 0) {
            d->user_id = UserId{1 + static_cast<std::int64_t>(pick(3))};
        }
        d->board_order = static_cast<std::int64_t>(pick(7)) - 3;
        d->created_at = Timestamp{kT0 + static_cast<std::int64_t>(pick(100000))};
        d->updated_at = Timestamp{d->created_at.micros + static_cast<std::int64_t>(pick(10))};
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<std::int64_t> ids(const DealIndex::Page& page) {
    std::vector<std::int64_t> out;
    for (const Deal* d : page.items) {
        out.push_back(d->id.value);
    }
    return out;
}

IndexCondition contains(IndexCondition::Text text, const std::string& needle) {
    IndexCondition c;
    c.kind = IndexCondition::Kind::kContains;
    c.text = text;
    c.needles = {needle};
    return c;
}

/// Every order, ascending and descending, and a few text searches: `a` and `b` answer alike.
void check_same(const DealIndex& a, const DealIndex& b, bool expect_matches) {
    REQUIRE(a.size() == b.size());
    for (int f = 0; f < static_cast<int>(DealSortField::kCustom); ++f) {
        for (const bool descending : {false, true}) {
            INFO("field " << f << (descending ? " descending" : ""));
            const std::vector<pj::DealSortKey> order{
                {static_cast<DealSortField>(f), descending, {}}};
            CHECK(ids(a.find({}, false, std::nullopt, order, 0, a.size())) ==
                  ids(b.find({}, false, std::nullopt, order, 0, b.size())));
        }
    }
    using Text = IndexCondition::Text;
    for (const auto& c : {contains(Text::kName, "muller"), contains(Text::kName, "alpha"),
                          contains(Text::kName, "deal 1"), contains(Text::kLostReason, "budget"),
                          contains(Text::kLostReason, "teuer")}) {
        INFO("contains " << c.needles.front());
        const auto x = a.find({c}, false, std::nullopt, {}, 0, a.size());
        CHECK(ids(x) == ids(b.find({c}, false, std::nullopt, {}, 0, b.size())));
        CHECK((x.total > 0 || !expect_matches));
    }
}

}  // namespace

TEST_CASE("an index built on several threads answers as one built on one thread",
          "[projections][index]") {
    for (const std::size_t n : {std::size_t{2}, std::size_t{500}, std::size_t{20'000}}) {
        INFO(n << " deals");
        const auto deals = make_deals(n, n);
        std::vector<const Deal*> ptrs;
        for (const auto& d : deals) {
            ptrs.push_back(d.get());
        }
        DealIndex serial;
        serial.add_unsorted(ptrs, 1);
        serial.seal(1);
        for (const unsigned threads : {1u, 2u, 4u}) {
            INFO(threads << " threads");
            DealIndex built;
            built.build(ptrs, threads);
            check_same(built, serial, n >= 500);
        }

        // Later changes apply alike to both.
        DealIndex built;
        built.build(ptrs, 3);
        DealIndex serial_changed;
        serial_changed.add_unsorted(ptrs, 1);
        serial_changed.seal(1);
        Deal added = *deals.front();
        added.id = DealId{deals.back()->id.value + 1};
        added.name = "Alpha renewal";
        for (DealIndex* index : {&built, &serial_changed}) {
            index->add(added);
            index->remove(deals.front()->id, DealIndex::keys_of(*deals.front()));
        }
        check_same(built, serial_changed, n >= 500);
    }
}
