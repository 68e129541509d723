// Pipelines and stages (contract §9): given the seeded world, when a command is decided, then
// these events (or this error).

#include "commands/pipeline_commands.hpp"

#include <catch2/catch.hpp>

#include "tests/commands/field_values.hpp"
#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::CreatePipeline;
using deals::commands::CreateStage;
using deals::commands::decide;
using deals::commands::DeletePipeline;
using deals::commands::DeleteStage;
using deals::commands::FieldErrors;
using deals::commands::FieldValue;
using deals::commands::PipelineInput;
using deals::commands::StageInput;
using deals::commands::UpdatePipeline;
using deals::commands::UpdateStage;

namespace {

StageInput stage(std::string name, std::string win, std::string order = {}) {
    StageInput in;
    in.name = str(std::move(name));
    in.win_probability = num(std::move(win));
    if (!order.empty()) {
        in.display_order = num(std::move(order));
    }
    return in;
}

PipelineInput pipeline(std::string name, std::vector<std::optional<StageInput>> stages = {},
                       bool with_stages = false) {
    PipelineInput in;
    in.name = str(std::move(name));
    if (with_stages || !stages.empty()) {
        in.stages = FieldValue{FieldValue::Kind::kArray, {}};
        in.stage_items = std::move(stages);
    }
    return in;
}

/// The seeded world plus pipeline 2 "Partners" with stages 6 (Intro) and 7 (Offer).
World with_partners() {
    World w = World::seeded();
    w.given({PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false},
             StageCreated{StageId{6}, PipelineId{2}, "Intro", 10, 1},
             StageCreated{StageId{7}, PipelineId{2}, "Offer", 60, 2}},
            at(-50));
    return w;
}

}  // namespace

TEST_CASE("a super-admin creates a pipeline with its stages in one append",
          "[commands][pipelines]") {
    const World w = World::seeded();
    const CreatePipeline c{PipelineId{2}, StageId{6},
                           pipeline("Partners", {stage("Intro", "10"), stage("Offer", "60", "5")}),
                           true};

    const Events events = value_of(decide(w.views, c));

    CHECK(events == Events{PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false},
                           StageCreated{StageId{6}, PipelineId{2}, "Intro", 10, 1},
                           StageCreated{StageId{7}, PipelineId{2}, "Offer", 60, 5}});
    for (const auto& e : events) {
        CHECK(stream_of(e) == "pipeline-2");
    }
}

TEST_CASE("only a super-admin may create, change or delete pipelines and stages",
          "[commands][pipelines]") {
    const World w = with_partners();
    const Error errors[] = {
        error_of(decide(w.views, CreatePipeline{PipelineId{3}, StageId{8}, pipeline("X")})),
        error_of(decide(w.views, UpdatePipeline{PipelineId{2}, StageId{8}, pipeline("X")})),
        error_of(decide(w.views, DeletePipeline{PipelineId{2}})),
        error_of(decide(w.views, CreateStage{StageId{8}, stage("X", "1")})),
        error_of(decide(w.views, UpdateStage{StageId{6}, stage("X", "1")})),
        error_of(decide(w.views, DeleteStage{StageId{6}})),
    };
    for (const auto& e : errors) {
        CHECK(e.code == ErrorCode::kForbidden);
        CHECK(e.message == "This action is unauthorized.");
    }
}

TEST_CASE("a pipeline needs a unique name of at most 191 characters", "[commands][pipelines]") {
    const World w = World::seeded();
    auto create = [&](PipelineInput in) {
        return error_of(decide(w.views, CreatePipeline{PipelineId{2}, StageId{6}, in, true}));
    };

    CHECK(create(PipelineInput{}).fields == FieldErrors{{"name", {"The Name field is required."}}});
    CHECK(create(pipeline("SALES pipeline")).fields ==
          FieldErrors{{"name", {"The Name has already been taken."}}});
    CHECK(create(pipeline(std::string(192, 'p'))).fields ==
          FieldErrors{{"name", {"The Name field must not be greater than 191 characters."}}});
    CHECK(decide(w.views,
                 CreatePipeline{PipelineId{2}, StageId{6}, pipeline(std::string(191, 'p')), true})
              .has_value());
}

TEST_CASE("the stages of a pipeline body are validated item by item", "[commands][pipelines]") {
    const World w = World::seeded();
    StageInput no_name;
    no_name.win_probability = num("101");
    const CreatePipeline c{
        PipelineId{2}, StageId{6},
        pipeline("Partners", {no_name, stage("Intro", "1.5"), stage("intro", "5"), std::nullopt}),
        true};

    const Error e = error_of(decide(w.views, c));

    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.fields == FieldErrors{
                          {"stages.0.name", {"The stages.0.name field is required."}},
                          {"stages.0.win_probability",
                           {"The stages.0.win_probability field must be between 0 and 100."}},
                          {"stages.1.win_probability",
                           {"The stages.1.win_probability field must be an integer."}},
                          {"stages.2.name", {"The stages.2.name field has a duplicate value."}},
                          {"stages.3", {"The stages.3 field must be an array."}},
                      });
    CHECK(e.message == "The stages.0.name field is required. (and 4 more errors)");
}

TEST_CASE("updating a pipeline renames it, changes listed stages and adds new ones",
          "[commands][pipelines]") {
    const World w = with_partners();
    StageInput offer;
    offer.id = num("7");
    offer.win_probability = num("75");
    const UpdatePipeline c{PipelineId{2}, StageId{8},
                           pipeline("Partners Ünd Co", {offer, stage("Won", "100")}), true};

    const Events events = value_of(decide(w.views, c));

    CHECK(events == Events{PipelineUpdated{PipelineId{2}, "Partners Ünd Co"},
                           StageUpdated{StageId{7}, PipelineId{2}, "Offer", 75, 2},
                           StageCreated{StageId{8}, PipelineId{2}, "Won", 100, 3}});
}

TEST_CASE("a pipeline update that changes nothing records nothing", "[commands][pipelines]") {
    const World w = with_partners();
    StageInput intro = stage("Intro", "10", "1");
    intro.id = num("6");

    CHECK(value_of(decide(w.views, UpdatePipeline{PipelineId{2}, StageId{8},
                                                  pipeline("Partners", {intro}), true}))
              .empty());
}

TEST_CASE("a pipeline's stages item must name one of its own stages", "[commands][pipelines]") {
    const World w = with_partners();
    StageInput other = stage("Contact Made", "10");
    other.id = num("2");  // a stage of the default pipeline

    const Error e = error_of(decide(
        w.views, UpdatePipeline{PipelineId{2}, StageId{8}, pipeline("Partners", {other}), true}));

    CHECK(e.fields == FieldErrors{{"stages.0.id", {"The selected stages.0.id is invalid."}}});
}

TEST_CASE("unknown pipelines and stages are not found", "[commands][pipelines]") {
    const World w = World::seeded();
    CHECK(error_of(decide(w.views, DeletePipeline{PipelineId{9}, true})).message ==
          "No query results for model [Pipeline] 9");
    CHECK(error_of(decide(w.views, UpdatePipeline{PipelineId{9}, StageId{8}, pipeline("X"), true}))
              .code == ErrorCode::kNotFound);
    CHECK(error_of(decide(w.views, DeleteStage{StageId{9}, true})).message ==
          "No query results for model [Stage] 9");
    // Unknown beats unauthorized, as Laravel binds the route model before the policy runs.
    CHECK(error_of(decide(w.views, UpdateStage{StageId{9}, {}})).code == ErrorCode::kNotFound);
}

TEST_CASE("the primary pipeline is never deleted", "[commands][pipelines]") {
    const World w = World::seeded();

    const Error e = error_of(decide(w.views, DeletePipeline{PipelineId{1}, true}));

    CHECK(e.code == ErrorCode::kConflict);
    CHECK(e.message == "The primary pipeline cannot be deleted.");
}

TEST_CASE("deleting a pipeline deletes its stages first, in one append", "[commands][pipelines]") {
    const World w = with_partners();

    const Events events = value_of(decide(w.views, DeletePipeline{PipelineId{2}, true}));

    CHECK(events == Events{StageDeleted{StageId{6}, PipelineId{2}},
                           StageDeleted{StageId{7}, PipelineId{2}},
                           PipelineDeleted{PipelineId{2}}});
}

TEST_CASE("a pipeline or stage with deals, trashed ones included, is not deleted",
          "[commands][pipelines]") {
    World w = with_partners();
    DealCreated deal = open_deal(42);
    deal.pipeline_id = PipelineId{2};
    deal.stage_id = StageId{7};
    w.given({deal, DealTrashed{DealId{42}}}, at(0));

    const Error pipeline = error_of(decide(w.views, DeletePipeline{PipelineId{2}, true}));
    const Error used = error_of(decide(w.views, DeleteStage{StageId{7}, true}));

    CHECK(pipeline.code == ErrorCode::kConflict);
    CHECK(pipeline.message ==
          "The pipeline has deals and cannot be deleted (deals in the trash count too); move or "
          "delete them first.");
    CHECK(used.code == ErrorCode::kConflict);
    CHECK(used.message ==
          "The stage has deals and cannot be deleted (deals in the trash count too); move or "
          "delete them first.");
    // The other stage is free.
    CHECK(value_of(decide(w.views, DeleteStage{StageId{6}, true})) ==
          Events{StageDeleted{StageId{6}, PipelineId{2}}});
    // Once purged, the deal no longer holds them.
    w.given({DealPurged{DealId{42}}}, at(1));
    CHECK(decide(w.views, DeleteStage{StageId{7}, true}).has_value());
    CHECK(decide(w.views, DeletePipeline{PipelineId{2}, true}).has_value());
}

TEST_CASE("a stage is created at the end of its pipeline unless an order is given",
          "[commands][pipelines]") {
    const World w = with_partners();
    StageInput in = stage("Won", "100");
    in.pipeline_id = num("2");

    CHECK(value_of(decide(w.views, CreateStage{StageId{8}, in, true})) ==
          Events{StageCreated{StageId{8}, PipelineId{2}, "Won", 100, 3}});
    in.display_order = num("0");
    CHECK(value_of(decide(w.views, CreateStage{StageId{8}, in, true})) ==
          Events{StageCreated{StageId{8}, PipelineId{2}, "Won", 100, 0}});
}

TEST_CASE("a stage needs a name unique in its pipeline, a probability and an existing pipeline",
          "[commands][pipelines]") {
    const World w = with_partners();
    auto create = [&](StageInput in) {
        return error_of(decide(w.views, CreateStage{StageId{8}, in, true}));
    };

    const Error empty = create(StageInput{});
    CHECK(empty.message == "The Name field is required. (and 2 more errors)");
    CHECK(empty.fields ==
          FieldErrors{{"name", {"The Name field is required."}},
                      {"win_probability", {"The Win Probability field is required."}},
                      {"pipeline_id", {"The Pipeline field is required."}}});

    StageInput bad = stage("OFFER", "-1", "x");
    bad.pipeline_id = num("2");
    CHECK(create(bad).fields ==
          FieldErrors{{"name", {"The Name has already been taken."}},
                      {"win_probability", {"The Win Probability field must be between 0 and 100."}},
                      {"display_order", {"The Display Order field must be an integer."}}});

    StageInput unknown = stage("Offer", "5");
    unknown.pipeline_id = num("9");
    CHECK(create(unknown).fields ==
          FieldErrors{{"pipeline_id", {"The selected Pipeline is invalid."}}});
    unknown.pipeline_id = str("two");
    CHECK(create(unknown).fields ==
          FieldErrors{{"pipeline_id", {"The Pipeline field must be a number."}}});

    // The same name in another pipeline is fine.
    StageInput elsewhere = stage("Offer", "5");
    elsewhere.pipeline_id = num("1");
    CHECK(decide(w.views, CreateStage{StageId{8}, elsewhere, true}).has_value());
}

TEST_CASE("a stage update changes the fields given and keeps the others", "[commands][pipelines]") {
    const World w = with_partners();
    StageInput in;
    in.win_probability = num("35");

    CHECK(value_of(decide(w.views, UpdateStage{StageId{6}, in, true})) ==
          Events{StageUpdated{StageId{6}, PipelineId{2}, "Intro", 35, 1}});
    in.win_probability = num("10");
    CHECK(value_of(decide(w.views, UpdateStage{StageId{6}, in, true})).empty());
    in.name = str("offer");
    CHECK(error_of(decide(w.views, UpdateStage{StageId{6}, in, true})).fields ==
          FieldErrors{{"name", {"The Name has already been taken."}}});
    // Renaming a stage in its own case is no clash with itself.
    in.name = str("INTRO");
    CHECK(value_of(decide(w.views, UpdateStage{StageId{6}, in, true})) ==
          Events{StageUpdated{StageId{6}, PipelineId{2}, "INTRO", 10, 1}});
}

TEST_CASE("a stage never moves to another pipeline", "[commands][pipelines]") {
    const World w = with_partners();
    StageInput in;
    in.pipeline_id = num("1");

    const Error e = error_of(decide(w.views, UpdateStage{StageId{6}, in, true}));

    CHECK(e.code == ErrorCode::kConflict);
    CHECK(e.message == "A stage cannot be moved to another pipeline.");
    in.pipeline_id = num("2");  // its own pipeline: fine
    CHECK(value_of(decide(w.views, UpdateStage{StageId{6}, in, true})).empty());
}

TEST_CASE("a pipeline's stages must be an array; null is as absent", "[commands][pipelines]") {
    const World w = with_partners();
    PipelineInput in = pipeline("Partners");
    in.stages = str("Intro");

    CHECK(error_of(decide(w.views, UpdatePipeline{PipelineId{2}, StageId{8}, in, true})).fields ==
          FieldErrors{{"stages", {"The stages field must be an array."}}});
    in.stages = FieldValue::null();
    CHECK(value_of(decide(w.views, UpdatePipeline{PipelineId{2}, StageId{8}, in, true})).empty());
}

TEST_CASE("a stage item may not take the name of another stage of its pipeline",
          "[commands][pipelines]") {
    const World w = with_partners();
    StageInput renamed;
    renamed.id = num("6");
    renamed.name = str("OFFER");

    auto errors = [&](std::vector<std::optional<StageInput>> stages) {
        return error_of(
                   decide(w.views, UpdatePipeline{PipelineId{2}, StageId{8},
                                                  pipeline("Partners", std::move(stages)), true}))
            .fields;
    };

    CHECK(errors({stage("offer", "10")}) ==
          FieldErrors{{"stages.0.name", {"The stages.0.name has already been taken."}}});
    CHECK(errors({renamed}) ==
          FieldErrors{{"stages.0.name", {"The stages.0.name has already been taken."}}});
    // A stage keeps its own name in another case.
    renamed.name = str("INTRO");
    CHECK(value_of(decide(w.views, UpdatePipeline{PipelineId{2}, StageId{8},
                                                  pipeline("Partners", {renamed}), true})) ==
          Events{StageUpdated{StageId{6}, PipelineId{2}, "INTRO", 10, 1}});
}

TEST_CASE("a new stage without an order follows the new ones before it, past any order given",
          "[commands][pipelines]") {
    const World w = World::seeded();
    const CreatePipeline c{PipelineId{2}, StageId{6},
                           pipeline("Partners", {stage("A", "10", "5"), stage("B", "20"),
                                                 stage("C", "30", "2"), stage("D", "40")}),
                           true};

    CHECK(value_of(decide(w.views, c)) ==
          Events{PipelineCreated{PipelineId{2}, "Partners", std::nullopt, false},
                 StageCreated{StageId{6}, PipelineId{2}, "A", 10, 5},
                 StageCreated{StageId{7}, PipelineId{2}, "B", 20, 6},
                 StageCreated{StageId{8}, PipelineId{2}, "C", 30, 2},
                 StageCreated{StageId{9}, PipelineId{2}, "D", 40, 8}});
}

TEST_CASE("a pipeline is renamed unless another pipeline holds the name", "[commands][pipelines]") {
    const World w = with_partners();
    auto update = [&](PipelineInput in) {
        return decide(w.views, UpdatePipeline{PipelineId{2}, StageId{8}, std::move(in), true});
    };

    CHECK(error_of(update(pipeline("sales PIPELINE"))).fields ==
          FieldErrors{{"name", {"The Name has already been taken."}}});
    CHECK(value_of(update(pipeline("PARTNERS"))) ==
          Events{PipelineUpdated{PipelineId{2}, "PARTNERS"}});
    CHECK(value_of(update(PipelineInput{})).empty());  // no name: kept
}

TEST_CASE("a stage update checks probability and pipeline before refusing a move",
          "[commands][pipelines]") {
    const World w = with_partners();
    auto errors = [&](StageInput in) {
        return error_of(decide(w.views, UpdateStage{StageId{6}, std::move(in), true})).fields;
    };
    StageInput in;
    in.win_probability = FieldValue::null();
    CHECK(errors(in) ==
          FieldErrors{{"win_probability", {"The Win Probability field is required."}}});
    in = StageInput{};
    in.pipeline_id = FieldValue::null();
    CHECK(errors(in) == FieldErrors{{"pipeline_id", {"The Pipeline field is required."}}});
    in.pipeline_id = num("9");
    CHECK(errors(in) == FieldErrors{{"pipeline_id", {"The selected Pipeline is invalid."}}});
    in.pipeline_id = str("two");
    CHECK(errors(in) == FieldErrors{{"pipeline_id", {"The Pipeline field must be a number."}}});
}

TEST_CASE("an unknown pipeline is not found before the caller is checked",
          "[commands][pipelines]") {
    const World w = World::seeded();

    CHECK(
        error_of(decide(w.views, UpdatePipeline{PipelineId{9}, StageId{8}, pipeline("X")})).code ==
        ErrorCode::kNotFound);
    CHECK(error_of(decide(w.views, DeletePipeline{PipelineId{9}})).code == ErrorCode::kNotFound);
    CHECK(error_of(decide(w.views, DeleteStage{StageId{9}})).code == ErrorCode::kNotFound);
}
