// Pipelines and stages rebuilt from the log (contract §16: nothing but events changes state):
// after creating, changing and deleting them through the API, a fold of the log into fresh
// views, a restart from the checkpoint, and a restart from the log alone all give the same
// pipelines and stages, and deleted ones stay deleted.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "projections/views.hpp"
#include "store/codec.hpp"
#include "store/store.hpp"
#include "tests/support/require_status.hpp"
#include "tests/support/restart.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_server.hpp"

using namespace deals;
using namespace deals::testing;

namespace {

/// Every pipeline and stage of `views`, as stored JSON, in id order.
std::vector<std::string> directory_of(const projections::Views& views) {
    std::vector<std::string> out;
    for (const auto* p : views.pipelines()) {
        out.push_back(store::encode_view(*p));
        for (const auto* s : views.stages_of(p->id)) {
            out.push_back(store::encode_view(*s));
        }
    }
    out.push_back("stages: " + std::to_string(views.stages_by_name().size()));
    return out;
}

/// Pipelines 2 (renamed, one stage changed, one added, one deleted) and 3 (deleted with its
/// stages), a renamed default stage, through the API.
void make_changes(TestServer& server) {
    auto client = server.client();
    require_status(
        client, "POST", "/api/pipelines",
        R"({"name":"Partners","stages":[{"name":"Intro","win_probability":10},)"
        R"({"name":"Offer","win_probability":60},{"name":"Spare","win_probability":1}]})",
        201);  // pipeline 2, stages 6-8
    require_status(client, "POST", "/api/pipelines",
                   R"({"name":"Doomed","stages":[{"name":"Only","win_probability":5}]})",
                   201);              // pipeline 3, stage 9
    server.store().checkpoint(true);  // the views of pipeline 3 are on disk before it goes
    server.clock().advance_seconds(30);
    require_status(client, "PUT", "/api/pipelines/2",
                   R"({"name":"Resellers","stages":[{"id":7,"display_order":0},)"
                   R"({"name":"Won","win_probability":100}]})",
                   200);  // stage 10
    require_status(client, "PUT", "/api/pipeline-stages/1", R"({"name":"Qualified"})", 200);
    require_status(client, "DELETE", "/api/pipeline-stages/8", "", 204);
    require_status(client, "DELETE", "/api/pipelines/3", "", 204);
    require_status(client, "POST", "/api/pipeline-stages",
                   R"({"name":"Late","win_probability":50,"pipeline_id":2,"display_order":9})",
                   201);  // stage 11
}

}  // namespace

TEST_CASE("replaying the log gives the pipelines and stages the API shows", "[store][pipelines]") {
    TestServer server;
    make_changes(server);

    const auto replayed = replay(server.store());

    server.store().read([&](const projections::Views& live) {
        CHECK(replayed.applied_sequence() == live.applied_sequence());
        CHECK(replayed.watermarks() == live.watermarks());
        CHECK(directory_of(replayed) == directory_of(live));
        return 0;
    });
    CHECK(replayed.pipeline(events::PipelineId{3}) == nullptr);
    CHECK(replayed.stage(events::StageId{8}) == nullptr);
    CHECK(replayed.stage(events::StageId{9}) == nullptr);
    CHECK(replayed.watermarks().pipeline == 3);
    CHECK(replayed.watermarks().stage == 11);
    std::vector<std::string> names;
    for (const auto* s : replayed.stages_of(events::PipelineId{2})) {
        names.push_back(s->name);
    }
    CHECK(names == std::vector<std::string>{"Offer", "Intro", "Won", "Late"});
    CHECK(replayed.pipeline(events::PipelineId{2})->name == "Resellers");
    CHECK(replayed.stage(events::StageId{1})->name == "Qualified");
}

TEST_CASE("a restart rebuilds the same pipelines and stages, from the checkpoint or the log",
          "[store][pipelines]") {
    TempDir dir;
    std::vector<std::string> before;
    events::Sequence head = 0;
    {
        // The test server's own data directory is not ours to reopen, so the changes made
        // through a server are copied, event by event, into a store in `dir`.
        TestServer server;
        make_changes(server);
        // Checkpoint midway too, so that deleted views must be deleted from disk.
        const auto copy = copy_log(server.store(), dir.path(), 7);
        auto& target = *copy;
        head = target.log().head_sequence();
        // The copy's own views (its clock stamped the events anew).
        target.read([&](const projections::Views& views) {
            before = directory_of(views);
            return 0;
        });
        CHECK(before.size() == 12);  // 2 pipelines, 5 + 4 stages, and the count line
        target.close();
    }
    SECTION("from the checkpoint") {
        auto reopened = store::Store::open({.data_dir = dir.path(), .seed_defaults = true});
        REQUIRE(reopened);
        auto& store = **reopened;
        CHECK(store.open_report().events_replayed == 0);
        CHECK(store.log().head_sequence() == head);  // nothing seeded again
        store.read([&](const projections::Views& views) {
            CHECK(directory_of(views) == before);
            return 0;
        });
    }
    SECTION("from the log alone") {
        forget_views(dir.path());
        auto reopened = store::Store::open({.data_dir = dir.path(), .seed_defaults = true});
        REQUIRE(reopened);
        auto& store = **reopened;
        CHECK(store.open_report().events_replayed == head);
        store.read([&](const projections::Views& views) {
            CHECK(directory_of(views) == before);
            return 0;
        });
    }
}
