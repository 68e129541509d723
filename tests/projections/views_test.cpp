#include <catch2/catch.hpp>

#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::projections::DealQuery;
using deals::projections::DirtySet;
using deals::projections::IdWatermarks;
using deals::projections::Pipeline;
using deals::projections::Stage;
using deals::projections::Token;
using deals::projections::Trash;
using deals::projections::User;
using deals::projections::Views;

namespace {

DealCreated named(std::int64_t id, std::string name) { return open_deal(id, std::move(name)); }

std::vector<std::string> names(const std::vector<const Deal*>& deals) {
    std::vector<std::string> out;
    for (const Deal* d : deals) {
        out.push_back(d->name);
    }
    return out;
}

std::vector<std::int64_t> ids(const std::vector<const Deal*>& deals) {
    std::vector<std::int64_t> out;
    for (const Deal* d : deals) {
        out.push_back(d->id.value);
    }
    return out;
}

}  // namespace

// ---- the directory ----

TEST_CASE("the seeded views hold the default pipeline, its five stages and the users",
          "[projections][views]") {
    const World w = World::seeded();

    const Pipeline* p = w.views.pipeline(PipelineId{1});
    REQUIRE(p != nullptr);
    CHECK(p->name == "Sales Pipeline");
    CHECK(p->flag == "default");
    CHECK(p->is_primary);
    CHECK(p->created_at == at(-100));
    CHECK(w.views.pipelines().size() == 1);

    const auto stages = w.views.stages_of(PipelineId{1});
    REQUIRE(stages.size() == 5);
    for (std::size_t i = 0; i < stages.size(); ++i) {
        CHECK(stages[i]->id == StageId{static_cast<std::int64_t>(i) + 1});
        CHECK(stages[i]->display_order == static_cast<std::int64_t>(i) + 1);
        CHECK(stages[i]->win_probability == 100);
        CHECK(stages[i]->pipeline_id == PipelineId{1});
    }
    CHECK(stages[0]->name == "Qualified To Buy");
    CHECK(stages[4]->name == "Appointment Scheduled");

    REQUIRE(w.views.users().size() == 3);
    const User* alice = w.views.user(kAlice);
    REQUIRE(alice != nullptr);
    CHECK(*alice == User{kAlice, "Alice Admin", "alice@example.com", true, true, DealsScope::kAll,
                         at(-90), at(-90)});
    CHECK(w.views.user(UserId{99}) == nullptr);
    CHECK(w.views.applied_sequence() == 9);
    CHECK(w.views.watermarks() == IdWatermarks{0, 1, 5, 3, 0});
}

TEST_CASE("a stage is found by name ignoring case and accents, the first by display order",
          "[projections][views]") {
    World w = World::seeded();
    w.given({PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false},
             StageCreated{StageId{6}, PipelineId{2}, "Proposal Made", 10, 2},
             StageCreated{StageId{7}, PipelineId{2}, "Présentation", 10, 9},
             StageCreated{StageId{8}, PipelineId{2}, "Presentation", 10, 3}},
            at(-50));

    CHECK(w.views.stage_by_name("contact made")->id == StageId{2});
    CHECK(w.views.stage_by_name("PROPOSAL MADE")->id == StageId{6});  // display order 2 < 4
    CHECK(w.views.stage_by_name("presentation")->id == StageId{8});   // 3 < 9
    CHECK(w.views.stage_by_name("Contact") == nullptr);
    CHECK(w.views.stage_by_name("") == nullptr);
}

TEST_CASE("stages of a pipeline come in display order, all stages in name order",
          "[projections][views]") {
    World w = World::seeded();
    w.given({PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false},
             StageCreated{StageId{6}, PipelineId{2}, "zeta", 10, 2},
             StageCreated{StageId{7}, PipelineId{2}, "Älpha", 10, 1}},
            at(-50));

    const auto of_partners = w.views.stages_of(PipelineId{2});
    REQUIRE(of_partners.size() == 2);
    CHECK(of_partners[0]->id == StageId{7});
    CHECK(of_partners[1]->id == StageId{6});

    std::vector<std::string> by_name;
    for (const Stage* s : w.views.stages_by_name()) {
        by_name.push_back(s->name);
    }
    CHECK(by_name == std::vector<std::string>{"Älpha", "Appointment Scheduled", "Contact Made",
                                              "Presentation Scheduled", "Proposal Made",
                                              "Qualified To Buy", "zeta"});
}

TEST_CASE("pipelines and users are found by name ignoring case, users by email too",
          "[projections][views]") {
    const World w = World::seeded();

    CHECK(w.views.pipeline_by_name("sales pipeline")->id == PipelineId{1});
    CHECK(w.views.pipeline_by_name("Sales") == nullptr);
    CHECK(w.views.user_by_name("bob seller")->id == kBob);
    CHECK(w.views.user_by_name("JOSE NUNEZ")->id == kJose);
    CHECK(w.views.user_by_name("Bob") == nullptr);
    CHECK(w.views.user_by_email("Alice@Example.COM")->id == kAlice);
    CHECK(w.views.user_by_email("carol@example.com") == nullptr);
}

// ---- tokens ----

TEST_CASE("an issued token is found by the hash of its secret until it is revoked",
          "[projections][views]") {
    World w = World::seeded();
    const std::string hash(64, 'c');
    w.record(TokenIssued{TokenId{4}, kBob, "ci", hash}, at(1));

    const Token* token = w.views.token_by_secret_hash(hash);
    REQUIRE(token != nullptr);
    CHECK(*token == Token{TokenId{4}, kBob, "ci", hash, false, at(1)});
    CHECK(w.views.token_by_secret_hash(std::string(64, 'd')) == nullptr);
    CHECK(w.views.watermarks().token == 4);

    w.record(TokenRevoked{TokenId{4}, kBob}, at(2));

    CHECK(w.views.token_by_secret_hash(hash) == nullptr);
    REQUIRE(w.views.token(TokenId{4}) != nullptr);
    CHECK(w.views.token(TokenId{4})->revoked);
}

// ---- deals ----

TEST_CASE("deals are listed in name order: Åsa sorts between alpha and Bravo",
          "[projections][views][collation]") {
    World w = World::seeded();
    w.record(named(1, "Bravo"), at(0));
    w.record(named(2, "alpha"), at(1));
    w.record(named(3, "Åsa"), at(2));
    w.record(named(4, "charlie"), at(3));

    CHECK(names(w.views.deals_by_name(Trash::kLive)) ==
          std::vector<std::string>{"alpha", "Åsa", "Bravo", "charlie"});
    CHECK(w.views.deal_count(Trash::kLive) == 4);
    CHECK(w.views.deal_count(Trash::kTrashed) == 0);
}

TEST_CASE("deals whose names collate equal are listed by id", "[projections][views][collation]") {
    World w = World::seeded();
    w.record(named(5, "same"), at(0));
    w.record(named(3, "SAME"), at(1));
    w.record(named(4, "Sàme"), at(2));

    CHECK(ids(w.views.deals_by_name(Trash::kLive)) == std::vector<std::int64_t>{3, 4, 5});
}

TEST_CASE("a page of deals in name order, of all deals or of one owner's",
          "[projections][views]") {
    World w = World::seeded();
    for (std::int64_t id = 1; id <= 7; ++id) {
        auto deal = named(id, std::string(1, static_cast<char>('a' + 7 - id)));  // g..a
        deal.user_id = id % 2 == 0 ? std::optional(kBob) : std::nullopt;
        w.record(deal, at(id));
    }
    const DealQuery everyone;
    auto all = w.views.find_deals(Trash::kLive, everyone, 2, 3);
    CHECK(all.total == 7);
    CHECK(ids(all.items) == std::vector<std::int64_t>{5, 4, 3});  // c, d, e
    CHECK(w.views.find_deals(Trash::kLive, everyone, 7, 3).items.empty());
    CHECK(ids(w.views.find_deals(Trash::kLive, everyone, 6, 3).items) ==
          std::vector<std::int64_t>{1});

    const DealQuery bobs{std::nullopt, kBob, {}};  // deals 2, 4, 6: f, d, b
    auto page = w.views.find_deals(Trash::kLive, bobs, 1, 5);
    CHECK(page.total == 3);
    CHECK(ids(page.items) == std::vector<std::int64_t>{4, 2});
    CHECK(w.views.find_deals(Trash::kLive, bobs, 3, 5).items.empty());
    CHECK(w.views.find_deals(Trash::kTrashed, bobs, 0, 5).total == 0);
}

TEST_CASE("a renamed deal moves to its new place in the name order", "[projections][views]") {
    World w = World::seeded();
    w.record(named(1, "alpha"), at(0));
    w.record(named(2, "bravo"), at(1));
    DealUpdated rename{DealId{1}};
    rename.name = Change<std::string>{"alpha", "zulu"};
    w.record(rename, at(2));

    CHECK(names(w.views.deals_by_name(Trash::kLive)) == std::vector<std::string>{"bravo", "zulu"});
    CHECK(w.views.deal_count(Trash::kLive) == 2);
}

namespace {

/// What the indexes answer: the ids in the live list and the trash in several orders, and the
/// ids that a few searches find.
std::vector<std::vector<std::int64_t>> answers(const Views& views) {
    using deals::projections::DealSortField;
    std::vector<std::vector<std::int64_t>> out;
    for (const Trash which : {Trash::kLive, Trash::kTrashed}) {
        for (const auto field : {DealSortField::kName, DealSortField::kAmount,
                                 DealSortField::kStatus, DealSortField::kUpdatedAt}) {
            DealQuery query;
            query.order = {{field, true, {}}};
            out.push_back(ids(views.find_deals(which, query, 0, 100).items));
        }
        for (const char* q : {"alpha", "zulu", "yankee", "aardvark", "pricey", "charlie"}) {
            DealQuery query;
            const auto parsed =
                deals::projections::parse_search(views.deal_search_fields(), q, {}, {});
            REQUIRE(std::holds_alternative<deals::projections::Search>(parsed));
            query.search = std::get<deals::projections::Search>(parsed);
            out.push_back(ids(views.find_deals(which, query, 0, 100).items));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("a commit applied at once leaves the indexes as its events applied one by one do",
          "[projections][views]") {
    // Views::apply_all moves a deal in the indexes once per run of its events: the keys from
    // before the run must be the ones the indexes hold, however the run ends.
    World one = World::seeded();
    World all = World::seeded();
    for (const auto& e : std::vector<Event>{named(1, "alpha"), named(2, "bravo"),
                                            named(3, "charlie"), named(4, "delta")}) {
        all.views.apply(one.record(e, at(0)));
    }
    const auto rename = [](std::int64_t id, std::string from, std::string to) {
        DealUpdated e{DealId{id}};
        e.name = Change<std::string>{std::move(from), std::move(to)};
        return e;
    };
    DealUpdated amount{DealId{1}};
    amount.amount = Change<std::optional<Money>>{std::nullopt, Money::parse("500").value()};
    DealUpdated amount3{DealId{3}};
    amount3.amount = Change<std::optional<Money>>{std::nullopt, Money::parse("10").value()};
    const std::vector<Event> commit = {
        rename(1, "alpha", "zulu"),  // renamed and back within the run
        rename(1, "zulu", "alpha"),
        StatusChanged{DealId{1}, DealStatus::kOpen, DealStatus::kLost, "Too pricey"},
        StatusChanged{DealId{1}, DealStatus::kLost, DealStatus::kOpen, std::nullopt},
        amount,
        DealTrashed{DealId{1}},  // trashed and restored within the run
        DealRestored{DealId{1}},
        rename(2, "bravo", "aardvark"),
        DealTrashed{DealId{3}},  // trashed, then changed in the trash
        amount3,
        StatusChanged{DealId{4}, DealStatus::kOpen, DealStatus::kLost, "Too pricey"},
        named(5, "echo"),  // a new deal, changed in its first run
        rename(5, "echo", "yankee"),
        DealPurged{DealId{4}},            // not folded: settles deal 5 first
        rename(1, "alpha", "alpha two"),  // deal 1 again, after other deals
        DealTrashed{DealId{1}},
    };
    std::vector<RecordedEvent> recorded;
    for (std::size_t i = 0; i < commit.size(); ++i) {
        recorded.push_back(one.record(commit[i], at(10 + static_cast<std::int64_t>(i))));
    }
    all.views.apply_all(recorded);

    CHECK(answers(all.views) == answers(one.views));
    CHECK(all.views.deal_count(Trash::kLive) == one.views.deal_count(Trash::kLive));
    CHECK(all.views.deal_count(Trash::kTrashed) == one.views.deal_count(Trash::kTrashed));
    CHECK(ids(all.views.find_deals(Trash::kTrashed, DealQuery{}, 0, 10).items) ==
          std::vector<std::int64_t>{1, 3});
    CHECK(names(all.views.deals_by_name(Trash::kLive)) ==
          std::vector<std::string>{"aardvark", "yankee"});
}

TEST_CASE("a deal applied through the views is the fold of its stream", "[projections][views]") {
    World w = World::seeded();
    DealCreated created = open_deal();
    created.user_id = kBob;
    w.record(created, at(0));
    w.record(StageChanged{DealId{42}, StageId{1}, StageId{2}, PipelineId{1}, PipelineId{1}},
             at(10));
    w.record(StatusChanged{DealId{42}, DealStatus::kOpen, DealStatus::kWon, std::nullopt}, at(20));

    const Deal expected = fold(
        {created, StageChanged{DealId{42}, StageId{1}, StageId{2}, PipelineId{1}, PipelineId{1}},
         StatusChanged{DealId{42}, DealStatus::kOpen, DealStatus::kWon, std::nullopt}},
        {at(0), at(10), at(20)});
    CHECK(w.deal(DealId{42}) == expected);
    CHECK(w.deal(DealId{42}).version == 3);
    CHECK(w.views.applied_sequence() == 12);
}

TEST_CASE("a trashed deal leaves the live list for the trash and comes back when restored",
          "[projections][views]") {
    World w = World::seeded();
    w.record(named(1, "alpha"), at(0));
    w.record(named(2, "bravo"), at(1));

    w.record(DealTrashed{DealId{1}}, at(2));
    CHECK(names(w.views.deals_by_name(Trash::kLive)) == std::vector<std::string>{"bravo"});
    CHECK(names(w.views.deals_by_name(Trash::kTrashed)) == std::vector<std::string>{"alpha"});
    CHECK(w.views.deal_count(Trash::kLive) == 1);
    CHECK(w.views.deal_count(Trash::kTrashed) == 1);
    CHECK(w.deal(DealId{1}).trashed());

    w.record(DealRestored{DealId{1}}, at(3));
    CHECK(names(w.views.deals_by_name(Trash::kLive)) == std::vector<std::string>{"alpha", "bravo"});
    CHECK(w.views.deal_count(Trash::kTrashed) == 0);
}

TEST_CASE("a purged deal is gone from every view but its id is never reused",
          "[projections][views]") {
    World w = World::seeded();
    w.record(named(1, "alpha"), at(0));
    w.record(named(2, "bravo"), at(1));
    w.record(DealTrashed{DealId{2}}, at(2));
    (void)w.views.take_dirty();

    w.record(DealPurged{DealId{2}}, at(3));

    CHECK(w.views.deal(DealId{2}) == nullptr);
    CHECK(w.views.deal_count(Trash::kTrashed) == 0);
    CHECK(w.views.deals_by_name(Trash::kTrashed).empty());
    CHECK(names(w.views.deals_by_name(Trash::kLive)) == std::vector<std::string>{"alpha"});
    CHECK(w.views.watermarks().deal == 2);
    // The purged id is dirty with no view behind it: persistence deletes it.
    const DirtySet dirty = w.views.take_dirty();
    CHECK(dirty.deals == std::unordered_set<DealId>{DealId{2}});
}

// ---- watermarks, sequence, dirty sets ----

TEST_CASE("watermarks keep the highest id ever seen per resource", "[projections][views]") {
    World w = World::seeded();
    w.record(named(9, "nine"), at(0));
    w.record(named(3, "three"), at(1));
    w.record(TokenIssued{TokenId{2}, kBob, "a", "h2"}, at(2));
    w.record(TokenIssued{TokenId{1}, kBob, "b", "h1"}, at(3));
    w.record(UserCreated{UserId{8}, "Eve", "eve@example.com"}, at(4));

    CHECK(w.views.watermarks() == IdWatermarks{9, 1, 5, 8, 2});
    CHECK(w.views.applied_sequence() == 14);
}

TEST_CASE("the dirty set names what changed since it was last taken", "[projections][views]") {
    World w = World::seeded();

    DirtySet first = w.views.take_dirty();
    CHECK(first.pipelines == std::unordered_set<PipelineId>{PipelineId{1}});
    CHECK(first.stages.size() == 5);
    CHECK(first.users == std::unordered_set<UserId>{kAlice, kBob, kJose});
    CHECK(first.deals.empty());
    CHECK(first.tokens.empty());
    CHECK(w.views.take_dirty().empty());

    w.record(named(1, "alpha"), at(0));
    w.record(TokenIssued{TokenId{1}, kBob, "a", "h"}, at(1));
    DirtySet second = w.views.take_dirty();
    CHECK(second.deals == std::unordered_set<DealId>{DealId{1}});
    CHECK(second.tokens == std::unordered_set<TokenId>{TokenId{1}});
    CHECK(second.users.empty());
    CHECK_FALSE(second.empty());

    // A failed persistence puts its set back; later changes merge with it.
    w.views.mark_dirty(second);
    w.record(named(2, "bravo"), at(2));
    const DirtySet third = w.views.take_dirty();
    CHECK(third.deals == std::unordered_set<DealId>{DealId{1}, DealId{2}});
    CHECK(third.tokens == std::unordered_set<TokenId>{TokenId{1}});
}

TEST_CASE("views loaded from storage answer like views folded from the log",
          "[projections][views]") {
    World w = World::seeded();
    w.record(named(1, "bravo"), at(0));
    w.record(named(2, "Åsa"), at(1));
    w.record(named(3, "alpha"), at(2));
    w.record(DealTrashed{DealId{3}}, at(3));
    w.record(TokenIssued{TokenId{1}, kBob, "live", "h1"}, at(4));
    w.record(TokenIssued{TokenId{2}, kBob, "revoked", "h2"}, at(5));
    w.record(TokenRevoked{TokenId{2}, kBob}, at(6));

    Views loaded;
    for (std::int64_t id = 1; id <= 3; ++id) {
        loaded.load(w.deal(DealId{id}));
    }
    loaded.load(*w.views.pipeline(PipelineId{1}));
    for (const Stage* s : w.views.stages_of(PipelineId{1})) {
        loaded.load(*s);
    }
    for (const User* u : w.views.users()) {
        loaded.load(*u);
    }
    loaded.load(*w.views.token(TokenId{1}));
    loaded.load(*w.views.token(TokenId{2}));
    loaded.load_position(w.views.applied_sequence(), w.views.watermarks());
    loaded.finish_load();

    CHECK(ids(loaded.deals_by_name(Trash::kLive)) == ids(w.views.deals_by_name(Trash::kLive)));
    CHECK(ids(loaded.deals_by_name(Trash::kTrashed)) == std::vector<std::int64_t>{3});
    CHECK(loaded.stage_by_name("proposal made")->id == StageId{4});
    CHECK(loaded.token_by_secret_hash("h1")->id == TokenId{1});
    CHECK(loaded.token_by_secret_hash("h2") == nullptr);
    CHECK(loaded.applied_sequence() == w.views.applied_sequence());
    CHECK(loaded.watermarks() == w.views.watermarks());
    CHECK(*loaded.deal(DealId{2}) == w.deal(DealId{2}));
}
