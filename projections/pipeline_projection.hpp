#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "projections/apply_context.hpp"
#include "projections/directory.hpp"

namespace deals::projections {

/// The pipelines and their stages, folded from the `pipeline-N` streams (a stage's events are
/// in its pipeline's stream). Part of `Views`: not thread-safe, guarded by the views' lock.
class PipelineProjection {
public:
    void apply(const PipelineCreated& e, const ApplyContext& c);
    void apply(const PipelineUpdated& e, const ApplyContext& c);
    void apply(const PipelineDeleted& e, const ApplyContext& c);
    void apply(const StageCreated& e, const ApplyContext& c);
    void apply(const StageUpdated& e, const ApplyContext& c);
    void apply(const StageDeleted& e, const ApplyContext& c);

    /// Takes a persisted view at start-up.
    void load(Pipeline pipeline);
    void load(Stage stage);

    /// Changes whenever a pipeline or stage changes; unique to this object (and its moves).
    [[nodiscard]] std::uint64_t stamp() const { return stamp_; }

    [[nodiscard]] const Pipeline* pipeline(PipelineId id) const;
    /// The first pipeline (by id) whose name equals `name` ignoring case and accents.
    [[nodiscard]] const Pipeline* pipeline_by_name(std::string_view name) const;
    [[nodiscard]] std::vector<const Pipeline*> pipelines() const;  ///< by id
    [[nodiscard]] const Stage* stage(StageId id) const;
    /// First stage (by display order, then id) whose name equals `name` ignoring case.
    [[nodiscard]] const Stage* stage_by_name(std::string_view name) const;
    [[nodiscard]] std::vector<const Stage*> stages() const;                  ///< by id
    [[nodiscard]] std::vector<const Stage*> stages_of(PipelineId id) const;  ///< display order
    [[nodiscard]] std::vector<const Stage*> stages_by_name() const;

    /// Calls `visit(view)` for every pipeline, then every stage.
    template <class Visit>
    void each_view(Visit&& visit) const {
        for (const auto& [_, v] : pipelines_) {
            visit(v);
        }
        for (const auto& [_, v] : stages_) {
            visit(v);
        }
    }

private:
    /// After any event of pipeline `id`'s stream (its stages' too): a new stamp, the stream's
    /// version on the pipeline (while it exists), the pipeline marked dirty.
    void changed(PipelineId id, const ApplyContext& c);
    static std::uint64_t new_stamp();

    std::map<PipelineId, Pipeline> pipelines_;
    std::map<StageId, Stage> stages_;
    std::uint64_t stamp_ = new_stamp();
};

}  // namespace deals::projections
