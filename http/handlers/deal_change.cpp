#include "http/handlers/deal_change.hpp"

#include <charconv>

#include "http/error_table.hpp"
#include "http/execute.hpp"
#include "http/render.hpp"

namespace deals::http::handlers {

namespace {

/// The target of a request on the deal of its path.
commands::DealTarget target_of(const Call& call, projections::Trash place) {
    return {call.params.at(0), place, call.caller ? &call.caller->user : nullptr,
            if_match_version(call.request)};
}

}  // namespace

std::optional<events::StreamVersion> if_match_version(const Request& request) {
    auto value = request.header("if-match");
    if (!value) {
        return std::nullopt;
    }
    std::string_view v = *value;  // quotes and a weak prefix tolerated
    if (v.starts_with("W/")) {
        v.remove_prefix(2);
    }
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        v = v.substr(1, v.size() - 2);
    }
    events::StreamVersion n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size()) {
        return events::StreamVersion{0};  // matches no deal: every deal has version >= 1
    }
    return n;
}

commands::Result<const projections::Deal*> visible_deal(const projections::Views& views,
                                                        const Call& call, std::string_view text,
                                                        projections::Trash place) {
    return commands::find_deal(views, {std::string(text), place,
                                       call.caller ? &call.caller->user : nullptr, std::nullopt});
}

events::EventMeta meta_of(const Call& call) {
    events::EventMeta meta;
    if (call.caller) {
        meta.actor.user_id = call.caller->user.id;
        meta.actor.token_id = call.caller->token_id;
    }
    meta.request_id = call.request.request_id;
    meta.correlation_id =
        call.request.correlation_id.empty() ? call.request.request_id : call.request.correlation_id;
    meta.idempotency = {call.request.idempotency_key, call.request.idempotency_fingerprint};
    return meta;
}

boost::asio::awaitable<commands::Result<commands::Executed>> run(AppContext& app, const Call& call,
                                                                 commands::Decide decide) {
    auto meta = meta_of(call);
    auto outcome = co_await execute(app.executor, std::move(decide), std::move(meta));
    if (outcome && !outcome->recorded.empty()) {
        call.written = outcome->recorded.back().sequence;
    }
    co_return outcome;
}

boost::asio::awaitable<commands::Result<events::DealId>> change_deal(AppContext& app,
                                                                     const Call& call,
                                                                     projections::Trash place,
                                                                     commands::DealDecide decide) {
    events::DealId id;
    auto command = commands::change_deal(target_of(call, place), std::move(decide), id);
    auto done = co_await run(app, call, std::move(command));
    if (!done) {
        co_return done.error();
    }
    co_return id;
}

boost::asio::awaitable<Response> change_deal_response(AppContext& app, const Call& call,
                                                      projections::Trash place,
                                                      commands::DealDecide decide,
                                                      AfterChange answer) {
    auto changed = co_await change_deal(app, call, place, std::move(decide));
    if (!changed) {
        co_return error_response(changed.error());
    }
    if (answer == AfterChange::kNoContent) {
        co_return Response{204, {}, {}};
    }
    co_return deal_after_change(app, call, *changed, 200, false);
}

commands::DealBodyContext body_context(AppContext& app, const Call& call) {
    return {app.validation, app.ids, app.clock,
            call.caller ? std::optional(call.caller->user.id) : std::nullopt};
}

Response deal_after_change(AppContext& app, const Call& call, events::DealId id, int status,
                           bool created) {
    return app.views.read([&](const projections::Views& views) {
        const projections::Deal* deal = views.deal(id);
        if (deal == nullptr) {
            return error_response(commands::not_found("Deal", id.str()));
        }
        return deal_response(status, *deal, views, call.caller->user, app.clock(),
                             created ? DealShape::kCreated : DealShape::kSingle,
                             billable_with(call.request));
    });
}

}  // namespace deals::http::handlers
