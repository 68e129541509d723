// Loading the stored views at start-up (store/view_io.cpp): deals are decoded in place, into
// pages of the deal table on the loading threads, and adopted by the views; deals whose ids have
// no page are loaded one by one beside them. Either way a deal loads as it was stored.

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "projections/deal.hpp"
#include "projections/deal_table.hpp"
#include "projections/views.hpp"
#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/view_io.hpp"
#include "tests/support/temp_dir.hpp"

using deals::events::DealId;
using deals::events::Money;
using deals::events::Timestamp;
using deals::projections::Deal;
using deals::projections::DealTable;
using deals::projections::Trash;
using deals::projections::Views;

namespace {

constexpr Timestamp kT0{1'772'359'200'000'000};

Deal deal_with_id(std::int64_t id) {
    Deal d;
    d.id = DealId{id};
    d.name = "Deal " + std::to_string(id);
    d.pipeline_id = deals::events::PipelineId{1};
    d.stage_id = deals::events::StageId{1 + id % 3};
    d.amount = Money::units(id % 1000);
    d.created_at = Timestamp{kT0.micros + id};
    d.updated_at = d.created_at;
    d.version = 1;
    return d;
}

struct Database {
    deals::testing::TempDir dir;  // NOLINT(misc-non-private-member-variables-in-classes)
    std::unique_ptr<rocksdb::DB> db;

    Database() {
        rocksdb::Options options;
        options.create_if_missing = true;
        rocksdb::DB* raw = nullptr;
        REQUIRE(rocksdb::DB::Open(options, dir.path(), &raw).ok());
        db.reset(raw);
    }
    void put(const std::string& key, const Deal& deal) const {
        REQUIRE(db->Put(rocksdb::WriteOptions{}, key, deals::store::encode_view(deal)).ok());
    }
};

}  // namespace

TEST_CASE("deals load as they were stored, in pages and beside them", "[store][views]") {
    // Both sides of page ends (1,024 ids a page) and of the loader's ranges (4,096 ids each),
    // gaps of whole pages, and ids that have no page (past 2^32: the table keeps them in a map;
    // the indexes, which `finish_load` builds, take ids below 2^32 only, so it is not called).
    const std::vector<std::int64_t> ids{1,      2,      1023,          1024,         1025,
                                        4095,   4096,   4097,          5000,         70'000,
                                        70'001, 70'002, 0x100000000LL, 0x100000005LL};
    Database data;
    for (const auto id : ids) {
        data.put(deals::store::keys::view('d', id), deal_with_id(id));
    }
    Views views;
    views.begin_bulk();
    CHECK(deals::store::load_all_views(*data.db, views) == ids.size());

    for (const auto id : ids) {
        INFO(id);
        const Deal* loaded = views.deal(DealId{id});
        REQUIRE(loaded != nullptr);
        CHECK(*loaded == deal_with_id(id));
    }
    CHECK(views.deal(DealId{3}) == nullptr);
    CHECK(views.deal(DealId{1026}) == nullptr);
    CHECK(views.watermarks().deal == 0x100000005LL);
}

/// A deal with a billable of two lines, ids `first_line` and the next.
Deal deal_with_lines(std::int64_t id, std::int64_t first_line) {
    Deal d = deal_with_id(id);
    d.billable.emplace();
    d.billable->created_at = d.created_at;
    for (std::int64_t line = first_line; line < first_line + 2; ++line) {
        auto& view = d.billable->lines.emplace_back();
        view.line.id = deals::events::BillableProductId{line};
        view.line.name = "Line " + std::to_string(line);
        view.line.display_order = line;
        view.created_at = d.created_at;
        view.updated_at = d.created_at;
    }
    d.products_count = 2;
    return d;
}

TEST_CASE("deals loaded in pages have their product lines found, bulk or not", "[store][views]") {
    // A start-up loads in bulk (indexed at the end); the auditors' reader loads without.
    const bool bulk = GENERATE(true, false);
    Database data;
    const std::vector<std::pair<std::int64_t, std::int64_t>> deals_and_lines{
        {5, 100}, {1500, 200}, {4100, 300}};
    for (const auto& [id, line] : deals_and_lines) {
        data.put(deals::store::keys::view('d', id), deal_with_lines(id, line));
    }
    data.put(deals::store::keys::view('d', 6), deal_with_id(6));
    Views views;
    if (bulk) {
        views.begin_bulk();
    }
    REQUIRE(deals::store::load_all_views(*data.db, views) == 4);
    views.finish_load();

    INFO("bulk " << bulk);
    for (const auto& [id, line] : deals_and_lines) {
        CHECK(views.deal_of_line(deals::events::BillableProductId{line}) == DealId{id});
        CHECK(views.deal_of_line(deals::events::BillableProductId{line + 1}) == DealId{id});
        CHECK(*views.deal(DealId{id}) == deal_with_lines(id, line));
    }
    CHECK_FALSE(views.deal_of_line(deals::events::BillableProductId{102}));
    CHECK(views.watermarks().billable_product == 301);
    CHECK(views.watermarks().deal == 4100);
    CHECK(views.deal_count(Trash::kLive) == 4);
    CHECK(views.deals_by_name(Trash::kLive).size() == 4);
}

TEST_CASE("deals loaded in pages are indexed once loading ends", "[store][views]") {
    Database data;
    for (std::int64_t id = 1; id <= 5000; id += 3) {
        data.put(deals::store::keys::view('d', id), deal_with_id(id));
    }
    Views views;
    views.begin_bulk();
    REQUIRE(deals::store::load_all_views(*data.db, views) == 1667);
    views.finish_load();

    CHECK(views.deal_count(Trash::kLive) == 1667);
    const auto by_name = views.deals_by_name(Trash::kLive);
    REQUIRE(by_name.size() == 1667);
    CHECK(by_name.front()->name == "Deal 1");
    CHECK(views.watermarks().deal == 4999);
}

TEST_CASE("a deal stored under another deal's id stops the load, naming both", "[store][views]") {
    struct Case {
        std::int64_t key_id;
        std::int64_t stored_id;
        const char* message;
    };
    // An id with a page (after a good deal in it), and one without.
    const auto [key_id, stored_id, message] =
        GENERATE(Case{8, 9, "the view stored as deal 8 is deal 9 (dealsctl rebuild"},
                 Case{0x100000001LL, 0x100000002LL,
                      "the view stored as deal 4294967297 is deal 4294967298"});
    Database data;
    data.put(deals::store::keys::view('d', 7), deal_with_id(7));
    data.put(deals::store::keys::view('d', key_id), deal_with_id(stored_id));
    Views views;
    views.begin_bulk();

    REQUIRE_THROWS_WITH(deals::store::load_all_views(*data.db, views), Catch::Contains(message));
}

TEST_CASE("a page adopted over deals already there keeps those it does not replace",
          "[store][views]") {
    DealTable table;
    table[DealId{1}] = deal_with_id(1);
    table[DealId{2}] = deal_with_id(2);
    auto page = std::make_unique<DealTable::Page>();
    page->deals[2] = deal_with_id(2);
    page->deals[2].name = "Replaced";
    page->present[2] = true;
    page->deals[3] = deal_with_id(3);
    page->present[3] = true;

    table.adopt(0, std::move(page));
    CHECK(table.size() == 3);
    // A page the table does not have yet becomes its page.
    auto fresh = std::make_unique<DealTable::Page>();
    fresh->deals[0] = deal_with_id(2048);
    fresh->present[0] = true;
    const Deal* placed = &fresh->deals[0];
    table.adopt(2, std::move(fresh));

    CHECK(table.size() == 4);
    CHECK(table.find(DealId{2048}) == placed);
    CHECK(table.find(DealId{1})->name == "Deal 1");
    CHECK(table.find(DealId{2})->name == "Replaced");
    CHECK(table.find(DealId{3})->name == "Deal 3");
    CHECK(table.find(DealId{4}) == nullptr);
}
