// `dealsctl rebuild` (store/rebuild.hpp): every view folded again from the log alone equals,
// byte for byte, what the live store had checkpointed; the store then opens on it without a
// replay; and a rebuild interrupted after clearing the views leaves a directory that opens
// to the same views by replaying the whole log.

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "store/codec.hpp"
#include "store/rebuild.hpp"
#include "store/store.hpp"
#include "tests/support/require_status.hpp"
#include "tests/support/restart.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_server.hpp"

using namespace deals;
using namespace deals::testing;

namespace {

/// A history touching every kind of view through the API: custom fields (one deleted), deals
/// with values, renames, stage moves, owners, status changes, associations, products on a
/// deal (creating catalog products), trash, restore and purge, a pipeline, users and tokens.
void make_history(TestServer& server) {
    auto c = server.client();
    require_status(c, "POST", "/api/custom-fields",
            R"({"resource_name":"deals","field_id":"cf_budget","label":"Budget","field_type":"Numeric"})",
            201);
    require_status(c, "POST", "/api/custom-fields",
            R"({"resource_name":"deals","field_id":"cf_tier","label":"Tier","field_type":"Select","options":[{"name":"Gold"},{"name":"Silver"}]})",
            201);
    require_status(c, "POST", "/api/custom-fields",
            R"({"resource_name":"deals","field_id":"cf_gone","label":"Gone","field_type":"Text"})",
            201);
    require_status(c, "POST", "/api/users", R"({"name":"Nora","email":"nora@example.com"})", 201);
    require_status(c, "POST", "/api/personal-access-tokens", R"({"name":"ci"})", 201);
    require_status(c, "POST", "/api/pipelines", R"({"name":"Partners","stages":[{"name":"Intro","win_probability":20}]})",
            201);
    for (int i = 1; i <= 40; ++i) {
        const std::string n = std::to_string(i);
        require_status(c, "POST", "/api/deals",
                R"({"name":"Deal )" + n + R"( Café","stage_id":)" + std::to_string(1 + i % 5) +
                    R"(,"amount":)" + n + R"(00.5,"cf_budget":")" + n + R"(.25","cf_tier":")" +
                    (i % 2 ? "gold" : "Silver") + R"(","cf_gone":"x","contacts":[)" + n + "]}",
                201);
    }
    for (int i = 1; i <= 40; i += 3) {
        const std::string path = "/api/deals/" + std::to_string(i);
        require_status(c, "PUT", path, R"({"name":"Renamed )" + std::to_string(i) +
                                    R"(","stage_id":6,"user_id":2,"cf_budget":null})", 200);
        require_status(c, "PUT", path + "/status/won", "", 200);
        require_status(c, "PUT", "/api/associations/deals/" + std::to_string(i), R"({"companies":[7]})",
                200);
        require_status(c, "POST", path + "/billable",
                R"({"tax_type":"exclusive","products":[{"name":"Support plan","unit_price":900,"qty":2,"tax_rate":10}]})",
                200);
    }
    require_status(c, "PUT", "/api/deals/2/status/lost", R"({"lost_reason":"Budget cut"})", 200);
    for (int i = 5; i <= 40; i += 5) {
        require_status(c, "DELETE", "/api/deals/" + std::to_string(i), "", 204);
    }
    require_status(c, "POST", "/api/trashed/deals/10", "", 200);
    require_status(c, "DELETE", "/api/trashed/deals/15", "", 204);
    require_status(c, "DELETE", "/api/custom-fields/3", "", 204);
}

/// Every stored view and the checkpoint, raw.
std::map<std::string, std::string> stored_views(const std::string& dir) {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options options;
    REQUIRE(rocksdb::DB::OpenForReadOnly(options, dir, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions{}));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const auto key = it->key().ToString();
        if (key.starts_with("v") || key == "mcheckpoint") {
            out[key] = it->value().ToString();
        }
    }
    return out;
}

}  // namespace

TEST_CASE("rebuild folds the log into exactly the views the live store kept",
          "[store][rebuild]") {
    TempDir dir;
    events::Sequence head = 0;
    {
        TestServer server;
        make_history(server);
        // Views written at several points, some later gone.
        const auto copy = copy_log(server.store(), dir.path(), 50);
        head = copy->log().head_sequence();
        copy->close();
    }
    const auto live = stored_views(dir.path());
    REQUIRE(live.count("mcheckpoint") == 1);
    CHECK(live.size() > 50);  // 39 deals and the directory, catalog and custom fields

    std::vector<store::RebuildProgress> seen;
    auto report = store::rebuild_views(
        {dir.path(), [&](const store::RebuildProgress& p) { seen.push_back(p); }, 2});
    REQUIRE(report.has_value());
    CHECK(report->head == head);
    CHECK(report->events == head);
    CHECK(report->views == live.size() - 1);
    REQUIRE_FALSE(seen.empty());
    CHECK(seen.front().total_events == head);
    CHECK(seen.back().phase == store::RebuildProgress::Phase::kDone);

    const auto rebuilt = stored_views(dir.path());
    CHECK(rebuilt.size() == live.size());
    for (const auto& [key, value] : live) {
        INFO("view " << key);
        REQUIRE(rebuilt.count(key) == 1);
        CHECK(rebuilt.at(key) == value);
    }

    SECTION("the store opens on the rebuilt views without a replay") {
        auto reopened = store::Store::open({.data_dir = dir.path()});
        REQUIRE(reopened);
        CHECK((*reopened)->open_report().events_replayed == 0);
        CHECK((*reopened)->open_report().checkpoint == head);
        (*reopened)->close();
    }
    SECTION("views left without a checkpoint (an interrupted rebuild) are not trusted") {
        {
            auto db = testing::open_raw_database(dir.path());
            REQUIRE(db->Delete(rocksdb::WriteOptions{}, "mcheckpoint").ok());
            // A stale view that the log contradicts: it must not survive the open.
            REQUIRE(db->Put(rocksdb::WriteOptions{}, rocksdb::Slice("vd\0\0\0\0\0\0\0\x05", 10),
                            "{\"garbage\":true}")
                        .ok());
        }
        {
            auto reopened = store::Store::open({.data_dir = dir.path()});
            REQUIRE(reopened);
            CHECK((*reopened)->open_report().events_replayed == head);
            (*reopened)->close();
        }
        CHECK(stored_views(dir.path()) == live);
    }
}

TEST_CASE("rebuild refuses a directory the server holds", "[store][rebuild]") {
    TempDir dir;
    auto opened = store::Store::open({.data_dir = dir.path()});
    REQUIRE(opened);
    auto report = store::rebuild_views({dir.path(), {}, 0});
    REQUIRE_FALSE(report.has_value());
    CHECK(report.error().message.find("stop dealsd first") != std::string::npos);
    (*opened)->close();
}
