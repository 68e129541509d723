#include "events/default_pipeline.hpp"

#include <catch2/catch.hpp>

using namespace deals::events;  // NOLINT

namespace {

using Events = std::vector<Event>;

}  // namespace

TEST_CASE("the default pipeline is Sales Pipeline with Concord's five stages in order",
          "[events][directory]") {
    const Events events = default_pipeline(PipelineId{1}, StageId{1});

    const Events expected{
        PipelineCreated{PipelineId{1}, "Sales Pipeline", "default", true},
        StageCreated{StageId{1}, PipelineId{1}, "Qualified To Buy", 100, 1},
        StageCreated{StageId{2}, PipelineId{1}, "Contact Made", 100, 2},
        StageCreated{StageId{3}, PipelineId{1}, "Presentation Scheduled", 100, 3},
        StageCreated{StageId{4}, PipelineId{1}, "Proposal Made", 100, 4},
        StageCreated{StageId{5}, PipelineId{1}, "Appointment Scheduled", 100, 5},
    };
    CHECK(events == expected);
}

TEST_CASE("the default pipeline takes its ids as inputs and lives on one stream",
          "[events][directory]") {
    const Events events = default_pipeline(PipelineId{7}, StageId{20});

    REQUIRE(events.size() == 6);
    CHECK(std::get<PipelineCreated>(events[0]).pipeline_id == PipelineId{7});
    for (std::size_t i = 1; i < events.size(); ++i) {
        const auto& stage = std::get<StageCreated>(events[i]);
        CHECK(stage.stage_id == StageId{19 + static_cast<std::int64_t>(i)});
        CHECK(stage.pipeline_id == PipelineId{7});
        CHECK(stream_of(events[i]) == "pipeline-7");
    }
    CHECK(stream_of(events[0]) == "pipeline-7");
}
