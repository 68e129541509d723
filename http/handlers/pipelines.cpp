// Writing pipelines and stages (contract §9): POST/PUT/DELETE /api/pipelines and
// /api/pipeline-stages. The reads are in directory.cpp.

#include <functional>

#include "commands/pipeline_commands.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_body.hpp"
#include "http/render.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Views;

commands::StageInput stage_input(const JsonValue& body) {
    return {field(body, "id"), field(body, "name"), field(body, "win_probability"),
            field(body, "display_order"), field(body, "pipeline_id")};
}

commands::PipelineInput pipeline_input(const JsonValue& body) {
    commands::PipelineInput in{field(body, "name"), field(body, "stages"), {}};
    if (const JsonValue* stages = body.find("stages");
        stages != nullptr && stages->kind == JsonValue::Kind::kArray) {
        for (const auto& item : stages->items) {
            if (item.kind == JsonValue::Kind::kObject) {
                in.stage_items.emplace_back(stage_input(item));
            } else {
                in.stage_items.emplace_back(std::nullopt);
            }
        }
    }
    return in;
}

/// How many stages a pipeline body may create: ids are reserved for them before deciding.
std::int64_t new_stage_count(const commands::PipelineInput& in) {
    std::int64_t n = 0;
    for (const auto& item : in.stage_items) {
        n += item && item->id.missing() ? 1 : 0;
    }
    return n;
}

using Decide = std::function<commands::Result<commands::Decision>(const Views&)>;

/// Runs a pipeline command, decided under the views' lock.
awaitable<commands::Result<commands::Executed>> decide_and_append(AppContext& app, const Call& call,
                                                                  Decide decide) {
    auto command = commands::on_views(std::move(decide));
    co_return co_await run(app, call, std::move(command));
}

Response pipeline_response(AppContext& app, const Call& call, events::PipelineId id, int status,
                           bool created) {
    return app.views.read([&](const Views& views) {
        const auto* p = views.pipeline(id);
        if (p == nullptr) {
            return error_response(commands::not_found("Pipeline", id.str()));
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write_pipeline(w, *p, views, call.caller->user, true, created);
        return json_response(status, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

Response stage_response(AppContext& app, events::StageId id, int status, bool created) {
    return app.views.read([&](const Views& views) {
        const auto* s = views.stage(id);
        if (s == nullptr) {
            return error_response(commands::not_found("Stage", id.str()));
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write_stage(w, *s, created);
        return json_response(status, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

bool super_admin(const Call& call) { return call.caller->user.super_admin; }

}  // namespace

awaitable<Response> create_pipeline(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    commands::CreatePipeline command{{}, {}, pipeline_input(*body), super_admin(call)};
    if (command.by_super_admin) {  // ids only for a request that may create
        command.id = app.ids.next_pipeline();
        command.first_stage = app.ids.next_stages(new_stage_count(command.input));
    }
    const Decide decide_create = [&](const Views& views) {
        return commands::decided_on("pipeline", events::pipeline_stream(command.id),
                          events::ExpectedVersion::no_stream(), decide(views, command));
    };
    auto done = co_await decide_and_append(app, call, decide_create);
    if (!done) {
        co_return error_response(done.error());
    }
    co_return pipeline_response(app, call, command.id, 201, true);
}

awaitable<Response> update_pipeline(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    const auto id = parse_id(call.params.at(0));
    if (!id) {
        co_return error_response(commands::not_found("Pipeline", call.params.at(0)));
    }
    commands::UpdatePipeline command{
        events::PipelineId{*id}, {}, pipeline_input(*body), super_admin(call)};
    if (command.by_super_admin) {
        command.first_stage = app.ids.next_stages(new_stage_count(command.input));
    }
    const Decide decide_update = [&](const Views& views) {
        return commands::pipeline_decision(app.log, views, decide(views, command), command.id);
    };
    auto done = co_await decide_and_append(app, call, decide_update);
    if (!done) {
        co_return error_response(done.error());
    }
    co_return pipeline_response(app, call, command.id, 200, false);
}

awaitable<Response> delete_pipeline(AppContext& app, const Call& call) {
    const auto id = parse_id(call.params.at(0));
    if (!id) {
        co_return error_response(commands::not_found("Pipeline", call.params.at(0)));
    }
    const commands::DeletePipeline command{events::PipelineId{*id}, super_admin(call)};
    const Decide decide_delete = [&](const Views& views) {
        return commands::pipeline_decision(app.log, views, decide(views, command), command.id);
    };
    auto done = co_await decide_and_append(app, call, decide_delete);
    if (!done) {
        co_return error_response(done.error());
    }
    co_return Response{204, {}, {}};
}

awaitable<Response> create_stage(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    commands::CreateStage command{{}, stage_input(*body), super_admin(call)};
    command.input.id = {};  // not a key of this body
    if (command.by_super_admin) {
        command.id = app.ids.next_stages(1);
    }
    const Decide decide_create = [&](const Views& views) -> commands::Result<commands::Decision> {
        auto decided = decide(views, command);
        if (!decided) {
            return decided.error();
        }
        const auto pipeline = std::get<events::StageCreated>(decided->front()).pipeline_id;
        return commands::pipeline_decision(app.log, views, std::move(decided), pipeline);
    };
    auto done = co_await decide_and_append(app, call, decide_create);
    if (!done) {
        co_return error_response(done.error());
    }
    co_return stage_response(app, command.id, 201, true);
}

awaitable<Response> update_stage(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    const auto id = parse_id(call.params.at(0));
    if (!id) {
        co_return error_response(commands::not_found("Stage", call.params.at(0)));
    }
    commands::UpdateStage command{events::StageId{*id}, stage_input(*body), super_admin(call)};
    command.input.id = {};
    const Decide decide_update = [&](const Views& views) -> commands::Result<commands::Decision> {
        auto decided = decide(views, command);
        if (!decided) {
            return decided.error();
        }
        // Found, or the decision would have answered 404.
        return commands::pipeline_decision(app.log, views, std::move(decided),
                                           views.stage(command.id)->pipeline_id);
    };
    auto done = co_await decide_and_append(app, call, decide_update);
    if (!done) {
        co_return error_response(done.error());
    }
    co_return stage_response(app, command.id, 200, false);
}

awaitable<Response> delete_stage(AppContext& app, const Call& call) {
    const auto id = parse_id(call.params.at(0));
    if (!id) {
        co_return error_response(commands::not_found("Stage", call.params.at(0)));
    }
    const commands::DeleteStage command{events::StageId{*id}, super_admin(call)};
    const Decide decide_delete = [&](const Views& views) -> commands::Result<commands::Decision> {
        auto decided = decide(views, command);
        if (!decided) {
            return decided.error();
        }
        const auto pipeline = std::get<events::StageDeleted>(decided->front()).pipeline_id;
        return commands::pipeline_decision(app.log, views, std::move(decided), pipeline);
    };
    auto done = co_await decide_and_append(app, call, decide_delete);
    if (!done) {
        co_return error_response(done.error());
    }
    co_return Response{204, {}, {}};
}

}  // namespace deals::http::handlers
