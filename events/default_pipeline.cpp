#include "events/default_pipeline.hpp"

#include <array>
#include <string>
#include <string_view>

namespace deals::events {

std::vector<Event> default_pipeline(PipelineId pipeline, StageId first_stage) {
    static constexpr std::array<std::string_view, 5> kStages = {
        "Qualified To Buy", "Contact Made", "Presentation Scheduled", "Proposal Made",
        "Appointment Scheduled"};
    std::vector<Event> events{PipelineCreated{pipeline, "Sales Pipeline", "default", true}};
    for (std::size_t i = 0; i < kStages.size(); ++i) {
        events.emplace_back(StageCreated{StageId{first_stage.value + static_cast<std::int64_t>(i)},
                                         pipeline, std::string(kStages[i]), 100,
                                         static_cast<std::int64_t>(i + 1)});
    }
    return events;
}

}  // namespace deals::events
