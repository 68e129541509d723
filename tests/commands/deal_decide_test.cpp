#include <catch2/catch.hpp>

#include "commands/deal_commands.hpp"
#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::ChangeStatus;
using deals::commands::CreateDeal;
using deals::commands::decide;
using deals::commands::PurgeDeal;
using deals::commands::RestoreDeal;
using deals::commands::StagePlacement;
using deals::commands::TrashDeal;
using deals::commands::UpdateDeal;

namespace {

const DealId kDeal{42};

/// A deal that was created open and then given `to` (with `reason` when lost).
Deal deal_with_status(DealStatus to, std::optional<std::string> reason = std::nullopt) {
    std::vector<Event> events{open_deal()};
    if (to != DealStatus::kOpen) {
        events.emplace_back(StatusChanged{kDeal, DealStatus::kOpen, to,
                                          to == DealStatus::kLost ? reason : std::nullopt});
    }
    return fold(events);
}

Deal trashed_deal() { return fold({open_deal(), DealTrashed{kDeal}}); }

std::string lock_message(const char* status) {
    return std::string("The deal first must be marked as open in order to apply the \"") + status +
           "\" status.";
}

}  // namespace

// ---- create ----

TEST_CASE("creating a deal records every given field in one DealCreated", "[commands][create]") {
    const CreateDeal command{.id = kDeal,
                             .name = "Acme renewal",
                             .pipeline_id = PipelineId{1},
                             .stage_id = StageId{3},
                             .amount = Money::parse("1250.5"),
                             .expected_close_date = Date::parse("2026-04-30"),
                             .status = DealStatus::kOpen,
                             .lost_reason = std::nullopt,
                             .user_id = kBob,
                             .swatch_color = "#a1b2c3"};

    const Events events = value_of(decide(nullptr, command));

    const Events expected{DealCreated{kDeal, "Acme renewal", PipelineId{1}, StageId{3},
                                      Money::from_thousandths(1'250'500), Date::parse("2026-04-30"),
                                      DealStatus::kOpen, std::nullopt, kBob, "#a1b2c3"}};
    CHECK(events == expected);
}

TEST_CASE("a deal created as lost keeps its lost reason", "[commands][create]") {
    const CreateDeal command{.id = kDeal,
                             .name = "Lost cause",
                             .pipeline_id = PipelineId{1},
                             .stage_id = StageId{1},
                             .status = DealStatus::kLost,
                             .lost_reason = "Too expensive"};

    const Events events = value_of(decide(nullptr, command));

    REQUIRE(events.size() == 1);
    const auto& created = std::get<DealCreated>(events[0]);
    CHECK(created.status == DealStatus::kLost);
    CHECK(created.lost_reason == "Too expensive");
}

TEST_CASE("a lost reason given to a deal created open or won is dropped", "[commands][create]") {
    const auto status = GENERATE(DealStatus::kOpen, DealStatus::kWon);
    const CreateDeal command{.id = kDeal,
                             .name = "Acme",
                             .pipeline_id = PipelineId{1},
                             .stage_id = StageId{1},
                             .status = status,
                             .lost_reason = "irrelevant"};

    const Events events = value_of(decide(nullptr, command));

    REQUIRE(events.size() == 1);
    CHECK(std::get<DealCreated>(events[0]).status == status);
    CHECK_FALSE(std::get<DealCreated>(events[0]).lost_reason.has_value());
}

TEST_CASE("a deal cannot be created twice with the same id", "[commands][create]") {
    const Deal existing = fold({open_deal()});

    const Error error = error_of(decide(&existing, CreateDeal{.id = kDeal, .name = "Again"}));

    CHECK(error.code == ErrorCode::kConflict);
    CHECK(error.message == "Deal 42 already exists.");
}

// ---- update: plain fields ----

TEST_CASE("an update records only the fields that changed, each with its old and new value",
          "[commands][update]") {
    DealCreated created = open_deal();
    created.amount = Money::units(100);
    created.swatch_color = "#fff";
    const Deal state = fold({created});

    UpdateDeal command;
    command.name = "Acme renewal 2027";                        // changed
    command.amount = std::optional<Money>{Money::units(100)};  // same: not recorded
    command.expected_close_date = Date::parse("2026-06-30");   // was null
    command.swatch_color = std::optional<std::string>{};       // cleared
    const Events events = value_of(decide(state, command));

    DealUpdated expected{kDeal};
    expected.name = Change<std::string>{"Acme renewal", "Acme renewal 2027"};
    expected.expected_close_date =
        Change<std::optional<Date>>{std::nullopt, Date::parse("2026-06-30")};
    expected.swatch_color = Change<std::optional<std::string>>{"#fff", std::nullopt};
    CHECK(events == Events{expected});
}

TEST_CASE("an update that changes nothing records no event", "[commands][update]") {
    DealCreated created = open_deal();
    created.amount = Money::units(5);
    created.user_id = kBob;
    const Deal state = fold({created});

    UpdateDeal command;
    command.name = "Acme renewal";
    command.stage = StagePlacement{StageId{1}, PipelineId{1}};
    command.amount = std::optional<Money>{Money::units(5)};
    command.expected_close_date = std::optional<Date>{};
    command.status = DealStatus::kOpen;
    command.user_id = std::optional<UserId>{kBob};
    command.swatch_color = std::optional<std::string>{};

    CHECK(value_of(decide(state, command)).empty());
    CHECK(value_of(decide(state, UpdateDeal{})).empty());
}

TEST_CASE("clearing an amount records the old amount and a null new one", "[commands][update]") {
    DealCreated created = open_deal();
    created.amount = Money::parse("35.663");
    const Deal state = fold({created});

    UpdateDeal command;
    command.amount = std::optional<Money>{};
    const Events events = value_of(decide(state, command));

    DealUpdated expected{kDeal};
    expected.amount = Change<std::optional<Money>>{Money::parse("35.663"), std::nullopt};
    CHECK(events == Events{expected});
}

// ---- update: stage, owner, status and their order ----

TEST_CASE("an update emits DealUpdated, StageChanged, OwnerAssigned and StatusChanged in order",
          "[commands][update]") {
    const Deal state = fold({open_deal()});

    UpdateDeal command;
    command.status = DealStatus::kLost;
    command.lost_reason = std::optional<std::string>{"No budget"};
    command.user_id = std::optional<UserId>{kBob};
    command.stage = StagePlacement{StageId{4}, PipelineId{1}};
    command.name = "Renamed";
    const Events events = value_of(decide(state, command));

    DealUpdated updated{kDeal};
    updated.name = Change<std::string>{"Acme renewal", "Renamed"};
    const Events expected{
        updated,
        StageChanged{kDeal, StageId{1}, StageId{4}, PipelineId{1}, PipelineId{1}},
        OwnerAssigned{kDeal, std::nullopt, kBob},
        StatusChanged{kDeal, DealStatus::kOpen, DealStatus::kLost, "No budget"},
    };
    CHECK(events == expected);
}

TEST_CASE("moving a deal to another pipeline's stage records both pipelines",
          "[commands][update]") {
    const Deal state = fold({open_deal()});

    UpdateDeal command;
    command.stage = StagePlacement{StageId{9}, PipelineId{2}};
    const Events events = value_of(decide(state, command));

    CHECK(events ==
          Events{StageChanged{kDeal, StageId{1}, StageId{9}, PipelineId{1}, PipelineId{2}}});
}

TEST_CASE("assigning the current owner again records nothing, unassigning records to null",
          "[commands][update]") {
    DealCreated created = open_deal();
    created.user_id = kBob;
    const Deal state = fold({created});

    UpdateDeal same;
    same.user_id = std::optional<UserId>{kBob};
    CHECK(value_of(decide(state, same)).empty());

    UpdateDeal nobody;
    nobody.user_id = std::optional<UserId>{};
    CHECK(value_of(decide(state, nobody)) == Events{OwnerAssigned{kDeal, kBob, std::nullopt}});

    UpdateDeal other;
    other.user_id = std::optional<UserId>{kAlice};
    CHECK(value_of(decide(state, other)) == Events{OwnerAssigned{kDeal, kBob, kAlice}});
}

// ---- the lock rule (contract §6) ----

TEST_CASE("a won deal must be reopened before it can be lost", "[commands][status]") {
    const Deal won = deal_with_status(DealStatus::kWon);

    SECTION("through the status route") {
        const Error error =
            error_of(decide(won, ChangeStatus{DealStatus::kLost, std::string("Too late")}));
        CHECK(error.code == ErrorCode::kConflict);
        CHECK(error.message ==
              "The deal first must be marked as open in order to apply the \"lost\" status.");
        CHECK(error.fields.empty());
    }
    SECTION("through an update") {
        UpdateDeal command;
        command.status = DealStatus::kLost;
        command.lost_reason = std::optional<std::string>{"Too late"};
        command.name = "would be renamed";
        const Error error = error_of(decide(won, command));
        CHECK(error.code == ErrorCode::kConflict);
        CHECK(error.message == lock_message("lost"));
    }
}

TEST_CASE("a lost deal must be reopened before it can be won", "[commands][status]") {
    const Deal lost = deal_with_status(DealStatus::kLost, "No budget");

    const Error via_status = error_of(decide(lost, ChangeStatus{DealStatus::kWon, {}}));
    CHECK(via_status.code == ErrorCode::kConflict);
    CHECK(via_status.message == lock_message("won"));

    UpdateDeal command;
    command.status = DealStatus::kWon;
    const Error via_update = error_of(decide(lost, command));
    CHECK(via_update.code == ErrorCode::kConflict);
    CHECK(via_update.message == lock_message("won"));
}

TEST_CASE("the lock rule's message names the requested status", "[commands][status]") {
    CHECK(deals::commands::status_locked(DealStatus::kWon).message == lock_message("won"));
    CHECK(deals::commands::status_locked(DealStatus::kLost).message == lock_message("lost"));
    CHECK(deals::commands::status_locked(DealStatus::kLost).code == ErrorCode::kConflict);
}

TEST_CASE("setting the same status again records no event", "[commands][status]") {
    const auto status = GENERATE(DealStatus::kOpen, DealStatus::kWon, DealStatus::kLost);
    const Deal state = deal_with_status(status, "No budget");

    CHECK(value_of(decide(state, ChangeStatus{status, std::string("Another reason")})).empty());

    UpdateDeal command;
    command.status = status;
    CHECK(value_of(decide(state, command)).empty());
}

TEST_CASE("any status may be set back to open", "[commands][status]") {
    const auto from = GENERATE(DealStatus::kWon, DealStatus::kLost);
    const Deal state = deal_with_status(from, "No budget");

    const Events events = value_of(decide(state, ChangeStatus{DealStatus::kOpen, {}}));

    CHECK(events == Events{StatusChanged{kDeal, from, DealStatus::kOpen, std::nullopt}});
}

TEST_CASE("an open deal may be won or lost; only lost carries the reason", "[commands][status]") {
    const Deal open = fold({open_deal()});

    CHECK(value_of(decide(open, ChangeStatus{DealStatus::kWon, std::string("ignored")})) ==
          Events{StatusChanged{kDeal, DealStatus::kOpen, DealStatus::kWon, std::nullopt}});
    CHECK(value_of(decide(open, ChangeStatus{DealStatus::kLost, std::string("No budget")})) ==
          Events{StatusChanged{kDeal, DealStatus::kOpen, DealStatus::kLost, "No budget"}});
    CHECK(value_of(decide(open, ChangeStatus{DealStatus::kLost, std::nullopt})) ==
          Events{StatusChanged{kDeal, DealStatus::kOpen, DealStatus::kLost, std::nullopt}});
}

TEST_CASE("reopening a lost deal through an update ignores a lost reason sent with it",
          "[commands][status]") {
    const Deal lost = deal_with_status(DealStatus::kLost, "No budget");

    UpdateDeal command;
    command.status = DealStatus::kOpen;
    command.lost_reason = std::optional<std::string>{"New reason"};
    const Events events = value_of(decide(lost, command));

    CHECK(events ==
          Events{StatusChanged{kDeal, DealStatus::kLost, DealStatus::kOpen, std::nullopt}});
}

// ---- the lost reason ----

TEST_CASE("the lost reason of a deal that stays lost is editable", "[commands][lost_reason]") {
    const Deal lost = deal_with_status(DealStatus::kLost, "No budget");

    SECTION("without a status") {
        UpdateDeal command;
        command.lost_reason = std::optional<std::string>{"Chose a competitor"};
        DealUpdated expected{kDeal};
        expected.lost_reason =
            Change<std::optional<std::string>>{"No budget", "Chose a competitor"};
        CHECK(value_of(decide(lost, command)) == Events{expected});
    }
    SECTION("with status lost again") {
        UpdateDeal command;
        command.status = DealStatus::kLost;
        command.lost_reason = std::optional<std::string>{"Chose a competitor"};
        DealUpdated expected{kDeal};
        expected.lost_reason =
            Change<std::optional<std::string>>{"No budget", "Chose a competitor"};
        CHECK(value_of(decide(lost, command)) == Events{expected});
    }
    SECTION("the same reason again records nothing") {
        UpdateDeal command;
        command.lost_reason = std::optional<std::string>{"No budget"};
        CHECK(value_of(decide(lost, command)).empty());
    }
}

TEST_CASE("a lost reason sent for a deal that is not lost is ignored", "[commands][lost_reason]") {
    const auto status = GENERATE(DealStatus::kOpen, DealStatus::kWon);
    const Deal state = deal_with_status(status);

    UpdateDeal command;
    command.lost_reason = std::optional<std::string>{"Should not stick"};

    CHECK(value_of(decide(state, command)).empty());
}

TEST_CASE("an open deal marked lost through an update records the reason with the status",
          "[commands][lost_reason]") {
    const Deal open = fold({open_deal()});

    UpdateDeal command;
    command.status = DealStatus::kLost;
    command.lost_reason = std::optional<std::string>{"No budget"};

    // Not a DealUpdated: the reason travels in StatusChanged.
    CHECK(value_of(decide(open, command)) ==
          Events{StatusChanged{kDeal, DealStatus::kOpen, DealStatus::kLost, "No budget"}});
}

// ---- trash, restore, purge ----

TEST_CASE("a live deal moves to the trash", "[commands][trash]") {
    const Deal state = fold({open_deal()});

    CHECK(value_of(decide(state, TrashDeal{})) == Events{DealTrashed{kDeal}});
}

TEST_CASE("trashing a trashed deal answers not found", "[commands][trash]") {
    const Error error = error_of(decide(trashed_deal(), TrashDeal{}));

    CHECK(error.code == ErrorCode::kNotFound);
    CHECK(error.message == "No query results for model [Deal] 42");
}

TEST_CASE("a trashed deal cannot be updated or have its status changed", "[commands][trash]") {
    const Deal trashed = trashed_deal();

    UpdateDeal update;
    update.name = "Renamed";
    const Error on_update = error_of(decide(trashed, update));
    CHECK(on_update.code == ErrorCode::kNotFound);
    CHECK(on_update.message == "No query results for model [Deal] 42");

    const Error on_status = error_of(decide(trashed, ChangeStatus{DealStatus::kWon, {}}));
    CHECK(on_status.code == ErrorCode::kNotFound);
    CHECK(on_status.message == "No query results for model [Deal] 42");
}

TEST_CASE("a trashed deal may be restored or purged", "[commands][trash]") {
    const Deal trashed = trashed_deal();

    CHECK(value_of(decide(trashed, RestoreDeal{})) == Events{DealRestored{kDeal}});
    CHECK(value_of(decide(trashed, PurgeDeal{})) == Events{DealPurged{kDeal}});
}

TEST_CASE("restore and purge work only from the trash", "[commands][trash]") {
    const Deal live = fold({open_deal(), DealTrashed{kDeal}, DealRestored{kDeal}});
    REQUIRE_FALSE(live.trashed());

    const Error restore = error_of(decide(live, RestoreDeal{}));
    CHECK(restore.code == ErrorCode::kNotFound);
    CHECK(restore.message == "No query results for model [Deal] 42");

    const Error purge = error_of(decide(live, PurgeDeal{}));
    CHECK(purge.code == ErrorCode::kNotFound);
    CHECK(purge.message == "No query results for model [Deal] 42");
}

TEST_CASE("a restored deal can be trashed again", "[commands][trash]") {
    const Deal live = fold({open_deal(), DealTrashed{kDeal}, DealRestored{kDeal}});

    CHECK(value_of(decide(live, TrashDeal{})) == Events{DealTrashed{kDeal}});
}

TEST_CASE("deciding is deterministic: the same state and command give the same events",
          "[commands]") {
    const Deal state = fold({open_deal()});
    UpdateDeal command;
    command.name = "Renamed";
    command.stage = StagePlacement{StageId{2}, PipelineId{1}};
    command.status = DealStatus::kWon;

    CHECK(value_of(decide(state, command)) == value_of(decide(state, command)));
}
