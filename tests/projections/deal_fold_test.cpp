#include <catch2/catch.hpp>

#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::projections::falls_behind_expected_close_date;
using deals::projections::StageVisit;
using deals::projections::time_in_stages;

namespace {

const DealId kDeal{42};

using Durations = std::vector<std::pair<StageId, double>>;

StageChanged move(std::int64_t from, std::int64_t to) {
    return StageChanged{kDeal, StageId{from}, StageId{to}, PipelineId{1}, PipelineId{1}};
}

StatusChanged status(DealStatus from, DealStatus to,
                     std::optional<std::string> reason = std::nullopt) {
    return StatusChanged{kDeal, from, to, std::move(reason)};
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<Durations> {
    static std::string convert(const Durations& d) {
        std::string out = "{";
        for (const auto& [stage, seconds] : d) {
            out += " " + stage.str() + ": " + std::to_string(seconds);
        }
        return out + " }";
    }
};
}  // namespace Catch

// ---- creation ----

TEST_CASE("a created open deal has its fields, one open stage visit and no dates yet",
          "[projections][deal]") {
    DealCreated created = open_deal();
    created.amount = Money::parse("1250.5");
    created.expected_close_date = Date::parse("2026-04-30");
    created.swatch_color = "#abc";

    const Deal d = fold({created}, {at(5)});

    CHECK(d.id == kDeal);
    CHECK(d.name == "Acme renewal");
    CHECK(d.pipeline_id == PipelineId{1});
    CHECK(d.stage_id == StageId{1});
    CHECK(d.amount == Money::parse("1250.5"));
    CHECK(d.expected_close_date == Date::parse("2026-04-30"));
    CHECK(d.status == DealStatus::kOpen);
    CHECK_FALSE(d.lost_reason);
    CHECK_FALSE(d.won_date);
    CHECK_FALSE(d.lost_date);
    CHECK_FALSE(d.stage_changed_date);
    CHECK_FALSE(d.user_id);
    CHECK_FALSE(d.owner_assigned_date);
    CHECK(d.swatch_color == "#abc");
    CHECK(d.board_order == 0);
    CHECK(d.products_count == 0);
    CHECK(d.stage_history == std::vector<StageVisit>{{StageId{1}, at(5), std::nullopt}});
    CHECK(d.created_at == at(5));
    CHECK(d.updated_at == at(5));
    CHECK_FALSE(d.trashed());
    CHECK(d.version == 1);
}

TEST_CASE("a deal created with an owner is assigned at creation", "[projections][deal]") {
    DealCreated created = open_deal();
    created.user_id = kBob;

    const Deal d = fold({created}, {at(3)});

    CHECK(d.user_id == kBob);
    CHECK(d.owner_assigned_date == at(3));
}

TEST_CASE("a deal created won is dated won and has no stage visit", "[projections][deal]") {
    DealCreated created = open_deal();
    created.status = DealStatus::kWon;

    const Deal d = fold({created}, {at(7)});

    CHECK(d.status == DealStatus::kWon);
    CHECK(d.won_date == at(7));
    CHECK_FALSE(d.lost_date);
    CHECK(d.stage_history.empty());
    CHECK(time_in_stages(d, at(100)).empty());
}

TEST_CASE("a deal created lost is dated lost and keeps its reason", "[projections][deal]") {
    DealCreated created = open_deal();
    created.status = DealStatus::kLost;
    created.lost_reason = "No budget";

    const Deal d = fold({created}, {at(7)});

    CHECK(d.status == DealStatus::kLost);
    CHECK(d.lost_date == at(7));
    CHECK_FALSE(d.won_date);
    CHECK(d.lost_reason == "No budget");
    CHECK(d.stage_history.empty());
}

TEST_CASE("a lost reason in the creation of a deal that is not lost is not kept",
          "[projections][deal]") {
    DealCreated created = open_deal();
    created.lost_reason = "stray";

    CHECK_FALSE(fold({created}).lost_reason);
}

// ---- updates ----

TEST_CASE("DealUpdated sets the new value of each changed field and nothing else",
          "[projections][deal]") {
    DealCreated created = open_deal();
    created.amount = Money::units(10);
    created.swatch_color = "#abc";
    DealUpdated updated{kDeal};
    updated.name = Change<std::string>{"Acme renewal", "Renamed"};
    updated.amount = Change<std::optional<Money>>{Money::units(10), std::nullopt};
    updated.expected_close_date =
        Change<std::optional<Date>>{std::nullopt, Date::parse("2026-12-31")};

    const Deal d = fold({created, updated}, {at(0), at(60)});

    CHECK(d.name == "Renamed");
    CHECK_FALSE(d.amount);
    CHECK(d.expected_close_date == Date::parse("2026-12-31"));
    CHECK(d.swatch_color == "#abc");
    CHECK(d.created_at == at(0));
    CHECK(d.updated_at == at(60));
    CHECK(d.version == 2);
}

TEST_CASE("a stage change dates it, closes the open visit and opens a new one",
          "[projections][deal]") {
    const Deal d = fold(
        {open_deal(), StageChanged{kDeal, StageId{1}, StageId{7}, PipelineId{1}, PipelineId{2}}},
        {at(0), at(30)});

    CHECK(d.stage_id == StageId{7});
    CHECK(d.pipeline_id == PipelineId{2});
    CHECK(d.stage_changed_date == at(30));
    CHECK(d.stage_history ==
          std::vector<StageVisit>{{StageId{1}, at(0), at(30)}, {StageId{7}, at(30), std::nullopt}});
}

TEST_CASE("a closed deal changes stage without a stage visit", "[projections][deal]") {
    const Deal d = fold({open_deal(), status(DealStatus::kOpen, DealStatus::kWon), move(1, 3)},
                        {at(0), at(10), at(20)});

    CHECK(d.stage_id == StageId{3});
    CHECK(d.stage_changed_date == at(20));
    CHECK(d.stage_history == std::vector<StageVisit>{{StageId{1}, at(0), at(10)}});
}

TEST_CASE("assigning an owner dates it; unassigning clears both", "[projections][deal]") {
    const Deal assigned =
        fold({open_deal(), OwnerAssigned{kDeal, std::nullopt, kBob}}, {at(0), at(10)});
    CHECK(assigned.user_id == kBob);
    CHECK(assigned.owner_assigned_date == at(10));

    const Deal reassigned = fold(
        {open_deal(), OwnerAssigned{kDeal, std::nullopt, kBob}, OwnerAssigned{kDeal, kBob, kAlice}},
        {at(0), at(10), at(20)});
    CHECK(reassigned.user_id == kAlice);
    CHECK(reassigned.owner_assigned_date == at(20));

    const Deal unassigned = fold({open_deal(), OwnerAssigned{kDeal, std::nullopt, kBob},
                                  OwnerAssigned{kDeal, kBob, std::nullopt}},
                                 {at(0), at(10), at(20)});
    CHECK_FALSE(unassigned.user_id);
    CHECK_FALSE(unassigned.owner_assigned_date);
}

// ---- status ----

TEST_CASE("winning a deal dates it and closes its stage visit", "[projections][deal]") {
    const Deal d =
        fold({open_deal(), status(DealStatus::kOpen, DealStatus::kWon)}, {at(0), at(50)});

    CHECK(d.status == DealStatus::kWon);
    CHECK(d.won_date == at(50));
    CHECK_FALSE(d.lost_date);
    CHECK_FALSE(d.lost_reason);
    CHECK(d.stage_history == std::vector<StageVisit>{{StageId{1}, at(0), at(50)}});
}

TEST_CASE("losing a deal dates it, records the reason and closes its stage visit",
          "[projections][deal]") {
    const Deal d = fold({open_deal(), status(DealStatus::kOpen, DealStatus::kLost, "No budget")},
                        {at(0), at(50)});

    CHECK(d.status == DealStatus::kLost);
    CHECK(d.lost_date == at(50));
    CHECK_FALSE(d.won_date);
    CHECK(d.lost_reason == "No budget");
    CHECK(d.stage_history == std::vector<StageVisit>{{StageId{1}, at(0), at(50)}});
}

TEST_CASE("reopening a deal clears its dates and reason and starts a new visit",
          "[projections][deal]") {
    const auto closed = GENERATE(DealStatus::kWon, DealStatus::kLost);
    const Deal d = fold({open_deal(), status(DealStatus::kOpen, closed, "No budget"),
                         status(closed, DealStatus::kOpen)},
                        {at(0), at(50), at(80)});

    CHECK(d.status == DealStatus::kOpen);
    CHECK_FALSE(d.won_date);
    CHECK_FALSE(d.lost_date);
    CHECK_FALSE(d.lost_reason);
    CHECK(d.stage_history ==
          std::vector<StageVisit>{{StageId{1}, at(0), at(50)}, {StageId{1}, at(80), std::nullopt}});
    CHECK(d.version == 3);
}

TEST_CASE("won, reopened and lost: only the last closing date is kept", "[projections][deal]") {
    const Deal d = fold({open_deal(), status(DealStatus::kOpen, DealStatus::kWon),
                         status(DealStatus::kWon, DealStatus::kOpen),
                         status(DealStatus::kOpen, DealStatus::kLost, "Changed mind")},
                        {at(0), at(10), at(20), at(30)});

    CHECK(d.status == DealStatus::kLost);
    CHECK(d.lost_date == at(30));
    CHECK_FALSE(d.won_date);
    CHECK(d.lost_reason == "Changed mind");
}

// ---- trash ----

TEST_CASE("trashing a deal marks it deleted and restoring brings it back", "[projections][deal]") {
    const Deal trashed = fold({open_deal(), DealTrashed{kDeal}}, {at(0), at(40)});
    CHECK(trashed.trashed());
    CHECK(trashed.deleted_at == at(40));
    CHECK(trashed.name == "Acme renewal");
    CHECK(trashed.version == 2);

    const Deal restored =
        fold({open_deal(), DealTrashed{kDeal}, DealRestored{kDeal}}, {at(0), at(40), at(45)});
    CHECK_FALSE(restored.trashed());
    CHECK_FALSE(restored.deleted_at);
    CHECK(restored.updated_at == at(45));
    CHECK(restored.version == 3);
}

TEST_CASE("directory events do not change a deal's fields", "[projections][deal]") {
    const Deal before = fold({open_deal()}, {at(0)});
    Deal after = before;

    deals::projections::apply(after, UserCreated{UserId{9}, "x", "x@example.com"}, at(5), 1);

    after.updated_at = before.updated_at;
    CHECK(after == before);
}

// ---- time in stages (contract §6.4) ----

TEST_CASE("time in stages sums the visits to each stage and stops while the deal is closed",
          "[projections][deal][time_in_stages]") {
    // Stage 1 for 10 s, stage 2 for 20 s, stage 1 again for 30 s, then won; moved to stage 3
    // while won (the clock is stopped), reopened at 100 s; now is 130 s.
    const Deal d =
        fold({open_deal(), move(1, 2), move(2, 1), status(DealStatus::kOpen, DealStatus::kWon),
              move(1, 3), status(DealStatus::kWon, DealStatus::kOpen)},
             {at(0), at(10), at(30), at(60), at(70), at(100)});

    CHECK(time_in_stages(d, at(130)) ==
          Durations{{StageId{3}, 30.0}, {StageId{1}, 40.0}, {StageId{2}, 20.0}});
}

TEST_CASE("a closed deal's time in stages does not grow", "[projections][deal][time_in_stages]") {
    const Deal d =
        fold({open_deal(), move(1, 2), status(DealStatus::kOpen, DealStatus::kLost, "x")},
             {at(0), at(10), at(25)});

    const Durations expected{{StageId{2}, 15.0}, {StageId{1}, 10.0}};
    CHECK(time_in_stages(d, at(30)) == expected);
    CHECK(time_in_stages(d, at(86'400)) == expected);
}

TEST_CASE("the current visit counts up to now, to the microsecond",
          "[projections][deal][time_in_stages]") {
    const Deal d = fold({open_deal()}, {at(0)});

    CHECK(time_in_stages(d, Timestamp{at(86'400).micros + 512'000}) ==
          Durations{{StageId{1}, 86'400.512}});
    CHECK(time_in_stages(d, at(0)) == Durations{{StageId{1}, 0.0}});
}

TEST_CASE("time in stages lists the most recently entered stage first",
          "[projections][deal][time_in_stages]") {
    const Deal d = fold({open_deal(), move(1, 4), move(4, 2)}, {at(0), at(5), at(6)});

    const auto t = time_in_stages(d, at(10));

    REQUIRE(t.size() == 3);
    CHECK(t[0].first == StageId{2});
    CHECK(t[1].first == StageId{4});
    CHECK(t[2].first == StageId{1});
}

// ---- falls behind expected close date ----

TEST_CASE("an open deal falls behind once its close date's midnight has passed",
          "[projections][deal]") {
    DealCreated created = open_deal();
    created.expected_close_date = Date::parse("2026-03-01");
    const Deal d = fold({created});
    const Timestamp midnight = Date::parse("2026-03-01")->midnight();

    CHECK_FALSE(falls_behind_expected_close_date(d, Timestamp{midnight.micros - 1}));
    CHECK_FALSE(falls_behind_expected_close_date(d, midnight));
    CHECK(falls_behind_expected_close_date(d, Timestamp{midnight.micros + 1}));
}

TEST_CASE("a closed deal or one without a close date never falls behind", "[projections][deal]") {
    DealCreated created = open_deal();
    created.expected_close_date = Date::parse("2020-01-01");
    const Deal won = fold({created, status(DealStatus::kOpen, DealStatus::kWon)});
    const Deal lost = fold({created, status(DealStatus::kOpen, DealStatus::kLost, "x")});
    const Deal undated = fold({open_deal()});

    CHECK_FALSE(falls_behind_expected_close_date(won, at(0)));
    CHECK_FALSE(falls_behind_expected_close_date(lost, at(0)));
    CHECK_FALSE(falls_behind_expected_close_date(undated, at(0)));
}
