#include "projections/pipeline_projection.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>

#include "projections/collation.hpp"
#include "projections/map_lookup.hpp"

namespace deals::projections {

std::uint64_t PipelineProjection::new_stamp() {
    static std::atomic<std::uint64_t> last{0};
    return ++last;
}

void PipelineProjection::changed(PipelineId id, const ApplyContext& c) {
    stamp_ = new_stamp();
    if (Pipeline* p = find_in(pipelines_, id)) {
        p->version = c.version();
    }
    c.dirty.pipelines.insert(id);
}

void PipelineProjection::apply(const PipelineCreated& e, const ApplyContext& c) {
    pipelines_[e.pipeline_id] =
        Pipeline{e.pipeline_id, e.name, e.flag, e.is_primary, c.at(), c.at(), c.version()};
    raise_to(c.watermarks.pipeline, e.pipeline_id.value);
    changed(e.pipeline_id, c);
}

void PipelineProjection::apply(const PipelineUpdated& e, const ApplyContext& c) {
    if (Pipeline* p = find_in(pipelines_, e.pipeline_id)) {
        p->name = e.name;
        p->updated_at = c.at();
    }
    changed(e.pipeline_id, c);
}

void PipelineProjection::apply(const PipelineDeleted& e, const ApplyContext& c) {
    // Its stages were deleted by the StageDeleted events before it; any left go with it.
    std::erase_if(stages_, [&](const auto& entry) {
        if (entry.second.pipeline_id != e.pipeline_id) {
            return false;
        }
        c.dirty.stages.insert(entry.first);
        return true;
    });
    pipelines_.erase(e.pipeline_id);
    changed(e.pipeline_id, c);  // gone: the checkpoint deletes it
}

void PipelineProjection::apply(const StageCreated& e, const ApplyContext& c) {
    stages_[e.stage_id] = Stage{e.stage_id,      e.pipeline_id, e.name, e.win_probability,
                                e.display_order, c.at(),        c.at()};
    raise_to(c.watermarks.stage, e.stage_id.value);
    changed(e.pipeline_id, c);
    c.dirty.stages.insert(e.stage_id);
}

void PipelineProjection::apply(const StageUpdated& e, const ApplyContext& c) {
    if (Stage* s = find_in(stages_, e.stage_id)) {
        s->name = e.name;
        s->win_probability = e.win_probability;
        s->display_order = e.display_order;
        s->updated_at = c.at();
    }
    changed(e.pipeline_id, c);
    c.dirty.stages.insert(e.stage_id);
}

void PipelineProjection::apply(const StageDeleted& e, const ApplyContext& c) {
    stages_.erase(e.stage_id);
    changed(e.pipeline_id, c);
    c.dirty.stages.insert(e.stage_id);  // gone: the checkpoint deletes it
}

void PipelineProjection::load(Pipeline pipeline) {
    stamp_ = new_stamp();
    const PipelineId id = pipeline.id;
    pipelines_[id] = std::move(pipeline);
}

void PipelineProjection::load(Stage stage) {
    stamp_ = new_stamp();
    const StageId id = stage.id;
    stages_[id] = std::move(stage);
}

const Pipeline* PipelineProjection::pipeline(PipelineId id) const {
    return find_in(pipelines_, id);
}

const Pipeline* PipelineProjection::pipeline_by_name(std::string_view name) const {
    return find_folded(pipelines_, name, &Pipeline::name);
}

std::vector<const Pipeline*> PipelineProjection::pipelines() const { return values_of(pipelines_); }

const Stage* PipelineProjection::stage(StageId id) const { return find_in(stages_, id); }

const Stage* PipelineProjection::stage_by_name(std::string_view name) const {
    const std::string key = fold(name);
    const Stage* best = nullptr;
    for (const auto& [_, s] : stages_) {
        if (fold(s.name) == key && (best == nullptr || s.display_order < best->display_order)) {
            best = &s;
        }
    }
    return best;
}

std::vector<const Stage*> PipelineProjection::stages() const { return values_of(stages_); }

std::vector<const Stage*> PipelineProjection::stages_of(PipelineId id) const {
    std::vector<const Stage*> out;
    for (const auto& [_, s] : stages_) {
        if (s.pipeline_id == id) {
            out.push_back(&s);
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Stage* a, const Stage* b) {
        return a->display_order < b->display_order;
    });
    return out;
}

std::vector<const Stage*> PipelineProjection::stages_by_name() const {
    auto out = values_of(stages_);
    std::stable_sort(out.begin(), out.end(), [](const Stage* a, const Stage* b) {
        return collation_key(a->name) < collation_key(b->name);
    });
    return out;
}

}  // namespace deals::projections
