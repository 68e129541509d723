#pragma once

#include <optional>
#include <vector>

#include "commands/deal_commands.hpp"
#include "commands/error.hpp"
#include "commands/executor.hpp"
#include "commands/input.hpp"
#include "projections/views.hpp"

namespace deals::commands {

/// A stage in a body, before validation: of `/api/pipeline-stages` (with `pipeline_id`), or an
/// item of a pipeline's `stages` (with `id` to change an existing stage on update).
struct StageInput {
    FieldValue id;
    FieldValue name;
    FieldValue win_probability;
    FieldValue display_order;
    FieldValue pipeline_id;
};

/// A pipeline body, before validation. `stages` is the key's kind (absent, null, array, …);
/// `stage_items` its items when it is an array (nullopt for an item that is not an object).
struct PipelineInput {
    FieldValue name;
    FieldValue stages;
    std::vector<std::optional<StageInput>> stage_items;
};

/// `POST /api/pipelines`: a pipeline and, in one append, its `stages`, which take the ids
/// `first_stage`, `first_stage + 1`, … in body order. Ids are inputs.
struct CreatePipeline {
    PipelineId id;
    StageId first_stage;
    PipelineInput input;
    bool by_super_admin = false;
};

/// `PUT /api/pipelines/{id}`: renames it when `name` is given; each item of `stages` with an
/// `id` changes that stage of this pipeline, each without creates one (ids from `first_stage`).
/// Stages left out are kept (they are deleted through `/api/pipeline-stages/{id}`).
struct UpdatePipeline {
    PipelineId id;
    StageId first_stage;
    PipelineInput input;
    bool by_super_admin = false;
};

/// `DELETE /api/pipelines/{id}`: never the primary pipeline, never one with deals.
struct DeletePipeline {
    PipelineId id;
    bool by_super_admin = false;
};

/// `POST /api/pipeline-stages`.
struct CreateStage {
    StageId id;
    StageInput input;
    bool by_super_admin = false;
};

/// `PUT /api/pipeline-stages/{id}`: the fields given change; the pipeline cannot.
struct UpdateStage {
    StageId id;
    StageInput input;
    bool by_super_admin = false;
};

/// `DELETE /api/pipeline-stages/{id}`: never a stage with deals.
struct DeleteStage {
    StageId id;
    bool by_super_admin = false;
};

/// Pipelines and stages (contract §9). Unknown id: 404; not a super-admin: 403; field errors:
/// 422; in use or primary: 409. Each answers the events of one append to `pipeline-<id>`;
/// an update that changes nothing answers none.
Result<Events> decide(const projections::Views& views, const CreatePipeline& command);
Result<Events> decide(const projections::Views& views, const UpdatePipeline& command);
Result<Events> decide(const projections::Views& views, const DeletePipeline& command);
Result<Events> decide(const projections::Views& views, const CreateStage& command);
Result<Events> decide(const projections::Views& views, const UpdateStage& command);
Result<Events> decide(const projections::Views& views, const DeleteStage& command);

/// The decision that writes `decided` to pipeline `id`'s stream (its stages' events too),
/// expecting the version the views have applied (read from `log` for a view stored before
/// the version was kept).
Result<Decision> pipeline_decision(const events::EventLog& log, const projections::Views& views,
                                   Result<Events> decided, PipelineId id);

}  // namespace deals::commands
