#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/render.hpp"

namespace deals::http::handlers {

using boost::asio::awaitable;
using projections::Views;

namespace {

/// A paginated list of `items`, each written by `write_one`.
template <class T, class Write>
std::string page_of(const Call& call, const std::vector<const T*>& items, Write write_one) {
    return paginate(call.request, page_request(call.request), items.size(),
                    [&](json::Writer& w, std::size_t i) { write_one(w, *items[i]); });
}

template <class Find, class Write>
Response one(AppContext& app, const Call& call, std::string_view model, Find find, Write write) {
    return app.views.read([&](const Views& views) {
        const auto id = parse_id(call.params.at(0));
        const auto* item = id ? find(views, *id) : nullptr;
        if (item == nullptr) {
            return error_response(commands::not_found(model, call.params.at(0)));
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write(w, views, *item);
        return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

template <class T>
std::vector<const T*> by_name(std::vector<const T*> items) {
    std::stable_sort(items.begin(), items.end(),
                     [](const T* a, const T* b) { return a->name < b->name; });
    return items;
}

}  // namespace

awaitable<Response> list_pipelines(AppContext& app, const Call& call) {
    co_return json_response(200, app.views.read([&](const Views& views) {
        return page_of(call, by_name(views.pipelines()), [&](json::Writer& w, const auto& p) {
            write_pipeline(w, p, views, call.caller->user, false);
        });
    }));
}

awaitable<Response> show_pipeline(AppContext& app, const Call& call) {
    co_return one(
        app, call, "Pipeline",
        [](const Views& v, std::int64_t id) { return v.pipeline(events::PipelineId{id}); },
        [&](json::Writer& w, const Views& v, const auto& p) {
            write_pipeline(w, p, v, call.caller->user, true);
        });
}

awaitable<Response> pipeline_stages(AppContext& app, const Call& call) {
    co_return app.views.read([&](const Views& views) {
        const auto id = parse_id(call.params.at(0));
        if (!id || views.pipeline(events::PipelineId{*id}) == nullptr) {
            return error_response(commands::not_found("Pipeline", call.params.at(0)));
        }
        return json_response(200,
                             page_of(call, views.stages_of(events::PipelineId{*id}),
                                     [](json::Writer& w, const auto& s) { write_stage(w, s); }));
    });
}

awaitable<Response> list_stages(AppContext& app, const Call& call) {
    co_return json_response(200, app.views.read([&](const Views& views) {
        return page_of(call, views.stages_by_name(),
                       [](json::Writer& w, const auto& s) { write_stage(w, s); });
    }));
}

awaitable<Response> show_stage(AppContext& app, const Call& call) {
    co_return one(
        app, call, "Stage",
        [](const Views& v, std::int64_t id) { return v.stage(events::StageId{id}); },
        [](json::Writer& w, const Views&, const auto& s) { write_stage(w, s); });
}

awaitable<Response> list_users(AppContext& app, const Call& call) {
    co_return json_response(200, app.views.read([&](const Views& views) {
        return page_of(call, by_name(views.users()),
                       [](json::Writer& w, const auto& u) { write_user(w, u); });
    }));
}

awaitable<Response> show_user(AppContext& app, const Call& call) {
    co_return one(
        app, call, "User",
        [](const Views& v, std::int64_t id) { return v.user(events::UserId{id}); },
        [](json::Writer& w, const Views&, const auto& u) { write_user(w, u); });
}

}  // namespace deals::http::handlers
