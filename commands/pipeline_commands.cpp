#include "commands/pipeline_commands.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "projections/collation.hpp"

namespace deals::commands {

namespace {

constexpr std::size_t kMaxString = 191;

/// Laravel's `integer`: an integral JSON number or a string of one (`-3`, `12`).
std::optional<std::int64_t> integer_of(const FieldValue& v) {
    if (!v.is_number() && !v.is_string()) {
        return std::nullopt;
    }
    std::string_view t = v.text;
    const bool negative = t.starts_with('-');
    if (negative) {
        t.remove_prefix(1);
    }
    if (t.empty() || t.size() > 15 || !std::all_of(t.begin(), t.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        })) {
        return std::nullopt;
    }
    const std::int64_t n = std::stoll(std::string(t));
    return negative ? -n : n;
}

/// `required|string|max:191` (or `sometimes|…` when `required` is false and it is absent).
std::optional<std::string> name_rule(FieldErrorsBuilder& errors, const FieldValue& v,
                                     const std::string& key, const std::string& label,
                                     bool required) {
    if (!v.present() && !required) {
        return std::nullopt;
    }
    if (v.missing()) {
        errors.add(key, "The " + label + " field is required.");
    } else if (!v.is_string()) {
        errors.add(key, "The " + label + " field must be a string.");
    } else if (projections::utf8_length(v.text) > kMaxString) {
        errors.add(key, "The " + label + " field must not be greater than 191 characters.");
    } else {
        return v.text;
    }
    return std::nullopt;
}

/// `integer` (between 0 and 100 when `percent`); `required` makes a missing (absent or null)
/// value an error, else it is nullopt.
std::optional<std::int64_t> integer_rule(FieldErrorsBuilder& errors, const FieldValue& v,
                                         const std::string& key, const std::string& label,
                                         bool required, bool percent) {
    if (v.missing()) {
        if (required) {
            errors.add(key, "The " + label + " field is required.");
        }
        return std::nullopt;
    }
    const auto n = integer_of(v);
    if (!n) {
        errors.add(key, "The " + label + " field must be an integer.");
    } else if (percent && (*n < 0 || *n > 100)) {
        errors.add(key, "The " + label + " field must be between 0 and 100.");
    } else {
        return n;
    }
    return std::nullopt;
}

/// The next display order after the stages of a pipeline (1 for the first).
std::int64_t next_display_order(const projections::Views& views, PipelineId pipeline) {
    std::int64_t highest = 0;
    for (const auto* s : views.stages_of(pipeline)) {
        highest = std::max(highest, s->display_order);
    }
    return highest + 1;
}

/// Validates a pipeline's `stages` items against the pipeline's stages as they would be after
/// the change (names distinct ignoring case), and appends the stage events: StageUpdated for
/// an item with the `id` of one of its stages that changes it, StageCreated for an item
/// without `id` (ids from `next_id`).
void stage_items(FieldErrorsBuilder& errors, const projections::Views& views,
                 const PipelineInput& in, PipelineId pipeline, bool existing, StageId next_id,
                 Events& out) {
    if (!in.stages.present() || in.stages.is_null()) {
        return;
    }
    if (in.stages.kind != FieldValue::Kind::kArray) {
        errors.add("stages", "The stages field must be an array.");
        return;
    }
    // Folded names of the pipeline's stages as they stand, by stage id; updated items replace
    // theirs, new ones are added under id 0 (no stage of the log has it).
    std::map<std::int64_t, std::string> names;
    std::map<std::int64_t, const projections::Stage*> current;
    if (existing) {
        for (const auto* s : views.stages_of(pipeline)) {
            names[s->id.value] = projections::fold(s->name);
            current[s->id.value] = s;
        }
    }
    std::int64_t order = existing ? next_display_order(views, pipeline) : 1;
    std::vector<std::string> item_names;
    for (std::size_t i = 0; i < in.stage_items.size(); ++i) {
        const std::string at = "stages." + std::to_string(i);
        if (!in.stage_items[i]) {
            errors.add(at, "The " + at + " field must be an array.");
            continue;
        }
        const StageInput& item = *in.stage_items[i];
        const projections::Stage* target = nullptr;
        if (item.id.present() && !item.id.is_null()) {
            const auto id = integer_of(item.id);
            auto it = id ? current.find(*id) : current.end();
            if (it == current.end()) {
                errors.add(at + ".id", "The selected " + at + ".id is invalid.");
                continue;
            }
            target = it->second;
        }
        const auto name = name_rule(errors, item.name, at + ".name", at + ".name", !target);
        if (name) {
            const std::string key = projections::fold(*name);
            if (std::find(item_names.begin(), item_names.end(), key) != item_names.end()) {
                errors.add(at + ".name", "The " + at + ".name field has a duplicate value.");
            } else {
                for (const auto& [id, other] : names) {
                    if (other == key && (!target || id != target->id.value)) {
                        errors.add(at + ".name", "The " + at + ".name has already been taken.");
                        break;
                    }
                }
            }
            item_names.push_back(key);
        }
        const auto win = integer_rule(errors, item.win_probability, at + ".win_probability",
                                      at + ".win_probability", !target, true);
        const auto display = integer_rule(errors, item.display_order, at + ".display_order",
                                          at + ".display_order", false, false);
        if (!errors.empty()) {
            continue;
        }
        if (target) {
            StageUpdated u{target->id, pipeline, name.value_or(target->name),
                           win.value_or(target->win_probability),
                           display.value_or(target->display_order)};
            if (u.name != target->name || u.win_probability != target->win_probability ||
                u.display_order != target->display_order) {
                out.emplace_back(std::move(u));
            }
        } else {
            const std::int64_t display_order = display.value_or(order);
            order = std::max(order, display_order) + 1;
            out.emplace_back(StageCreated{next_id, pipeline, *name, *win, display_order});
            next_id = StageId{next_id.value + 1};
        }
    }
}

/// The pipeline named so, ignoring case, other than `self`.
bool pipeline_name_taken(const projections::Views& views, const std::string& name,
                         std::optional<PipelineId> self) {
    const auto key = projections::fold(name);
    for (const auto* p : views.pipelines()) {
        if (projections::fold(p->name) == key && (!self || p->id != *self)) {
            return true;
        }
    }
    return false;
}

/// A stage of `pipeline` named so, ignoring case, other than `self`.
bool stage_name_taken(const projections::Views& views, PipelineId pipeline, const std::string& name,
                      std::optional<StageId> self) {
    const auto key = projections::fold(name);
    for (const auto* s : views.stages_of(pipeline)) {
        if (projections::fold(s->name) == key && (!self || s->id != *self)) {
            return true;
        }
    }
    return false;
}

}  // namespace

Result<Events> decide(const projections::Views& views, const CreatePipeline& c) {
    if (auto denied = only_super_admins(c.by_super_admin)) {
        return *denied;
    }
    FieldErrorsBuilder errors;
    const auto name = name_rule(errors, c.input.name, "name", "Name", true);
    if (name && pipeline_name_taken(views, *name, std::nullopt)) {
        errors.add("name", "The Name has already been taken.");
    }
    Events stages;
    stage_items(errors, views, c.input, c.id, false, c.first_stage, stages);
    if (!errors.empty()) {
        return errors.error();
    }
    Events events{PipelineCreated{c.id, *name, std::nullopt, false}};
    events.insert(events.end(), stages.begin(), stages.end());
    return events;
}

Result<Events> decide(const projections::Views& views, const UpdatePipeline& c) {
    const projections::Pipeline* pipeline = views.pipeline(c.id);
    if (pipeline == nullptr) {
        return not_found("Pipeline", c.id.str());
    }
    if (auto denied = only_super_admins(c.by_super_admin)) {
        return *denied;
    }
    FieldErrorsBuilder errors;
    const auto name = name_rule(errors, c.input.name, "name", "Name", false);
    if (name && pipeline_name_taken(views, *name, c.id)) {
        errors.add("name", "The Name has already been taken.");
    }
    Events stages;
    stage_items(errors, views, c.input, c.id, true, c.first_stage, stages);
    if (!errors.empty()) {
        return errors.error();
    }
    Events events;
    if (name && *name != pipeline->name) {
        events.emplace_back(PipelineUpdated{c.id, *name});
    }
    events.insert(events.end(), stages.begin(), stages.end());
    return events;
}

Result<Events> decide(const projections::Views& views, const DeletePipeline& c) {
    const projections::Pipeline* pipeline = views.pipeline(c.id);
    if (pipeline == nullptr) {
        return not_found("Pipeline", c.id.str());
    }
    if (auto denied = only_super_admins(c.by_super_admin)) {
        return *denied;
    }
    if (pipeline->is_primary || pipeline->flag == "default") {
        return conflict("The primary pipeline cannot be deleted.");
    }
    if (views.deals_in(c.id) > 0) {
        return conflict(
            "The pipeline has deals and cannot be deleted (deals in the trash count too); move "
            "or delete them first.");
    }
    Events events;
    for (const auto* s : views.stages_of(c.id)) {
        events.emplace_back(StageDeleted{s->id, c.id});
    }
    events.emplace_back(PipelineDeleted{c.id});
    return events;
}

Result<Events> decide(const projections::Views& views, const CreateStage& c) {
    if (auto denied = only_super_admins(c.by_super_admin)) {
        return *denied;
    }
    FieldErrorsBuilder errors;
    const StageInput& in = c.input;
    const auto pipeline_id = in.pipeline_id.missing() ? std::nullopt : integer_of(in.pipeline_id);
    const projections::Pipeline* pipeline =
        pipeline_id ? views.pipeline(PipelineId{*pipeline_id}) : nullptr;
    // Errors in field order: name (unique in the pipeline), win_probability, display_order,
    // pipeline_id.
    const auto name = name_rule(errors, in.name, "name", "Name", true);
    if (name && pipeline && stage_name_taken(views, pipeline->id, *name, std::nullopt)) {
        errors.add("name", "The Name has already been taken.");
    }
    const auto win =
        integer_rule(errors, in.win_probability, "win_probability", "Win Probability", true, true);
    const auto display =
        integer_rule(errors, in.display_order, "display_order", "Display Order", false, false);
    if (in.pipeline_id.missing()) {
        errors.add("pipeline_id", "The Pipeline field is required.");
    } else if (!pipeline_id) {
        errors.add("pipeline_id", "The Pipeline field must be a number.");
    } else if (pipeline == nullptr) {
        errors.add("pipeline_id", "The selected Pipeline is invalid.");
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return Events{StageCreated{c.id, pipeline->id, *name, *win,
                               display.value_or(next_display_order(views, pipeline->id))}};
}

Result<Events> decide(const projections::Views& views, const UpdateStage& c) {
    const projections::Stage* stage = views.stage(c.id);
    if (stage == nullptr) {
        return not_found("Stage", c.id.str());
    }
    if (auto denied = only_super_admins(c.by_super_admin)) {
        return *denied;
    }
    FieldErrorsBuilder errors;
    const StageInput& in = c.input;
    const auto name = name_rule(errors, in.name, "name", "Name", false);
    if (name && stage_name_taken(views, stage->pipeline_id, *name, stage->id)) {
        errors.add("name", "The Name has already been taken.");
    }
    const auto win = in.win_probability.present()
                         ? integer_rule(errors, in.win_probability, "win_probability",
                                        "Win Probability", true, true)
                         : std::nullopt;
    const auto display =
        integer_rule(errors, in.display_order, "display_order", "Display Order", false, false);
    std::optional<std::int64_t> pipeline_id;
    if (in.pipeline_id.present()) {
        if (in.pipeline_id.missing()) {
            errors.add("pipeline_id", "The Pipeline field is required.");
        } else if (pipeline_id = integer_of(in.pipeline_id); !pipeline_id) {
            errors.add("pipeline_id", "The Pipeline field must be a number.");
        } else if (views.pipeline(PipelineId{*pipeline_id}) == nullptr) {
            errors.add("pipeline_id", "The selected Pipeline is invalid.");
        }
    }
    if (!errors.empty()) {
        return errors.error();
    }
    // A deal's pipeline is always its stage's: moving a stage would move its deals silently.
    if (pipeline_id && *pipeline_id != stage->pipeline_id.value) {
        return conflict("A stage cannot be moved to another pipeline.");
    }
    StageUpdated u{stage->id, stage->pipeline_id, name.value_or(stage->name),
                   win.value_or(stage->win_probability), display.value_or(stage->display_order)};
    if (u.name == stage->name && u.win_probability == stage->win_probability &&
        u.display_order == stage->display_order) {
        return Events{};
    }
    return Events{std::move(u)};
}

Result<Events> decide(const projections::Views& views, const DeleteStage& c) {
    const projections::Stage* stage = views.stage(c.id);
    if (stage == nullptr) {
        return not_found("Stage", c.id.str());
    }
    if (auto denied = only_super_admins(c.by_super_admin)) {
        return *denied;
    }
    if (views.deals_in(c.id) > 0) {
        return conflict(
            "The stage has deals and cannot be deleted (deals in the trash count too); move or "
            "delete them first.");
    }
    return Events{StageDeleted{stage->id, stage->pipeline_id}};
}

Result<Decision> pipeline_decision(const events::EventLog& log, const projections::Views& views,
                                   Result<Events> decided, PipelineId id) {
    if (!decided) {
        return decided.error();
    }
    const auto* p = views.pipeline(id);
    std::string stream = pipeline_stream(id);
    const auto version = p != nullptr && p->version ? *p->version : log.stream_version(stream);
    return Decision::of("pipeline", std::move(stream), ExpectedVersion::exactly(version),
                        std::move(*decided));
}

}  // namespace deals::commands
