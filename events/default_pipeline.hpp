#pragma once

#include <vector>

#include "events/event.hpp"
#include "events/ids.hpp"

namespace deals::events {

/// The pipeline Concord seeds on install (contract §9): "Sales Pipeline", flag default, and its
/// five stages, all on the stream `pipeline-<pipeline>`. Ids are inputs. Fixed data, not a
/// decision: the store appends it on a first start (`store::Store::open`).
std::vector<Event> default_pipeline(PipelineId pipeline, StageId first_stage);

}  // namespace deals::events
