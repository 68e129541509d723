#include "commands/deal_validation.hpp"
#include "http/append.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_body.hpp"
#include "http/render.hpp"
#include "projections/policy.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Trash;
using projections::Views;

commands::DealInput deal_input(const JsonValue& body) {
    return {field(body, "name"),
            field(body, "pipeline_id"),
            field(body, "stage_id"),
            field(body, "amount"),
            field(body, "expected_close_date"),
            field(body, "status"),
            field(body, "lost_reason"),
            field(body, "user_id"),
            field(body, "swatch_color")};
}

}  // namespace

/// The deals the caller may view, in name order, one page (the query language comes later).
std::string deal_page(AppContext& app, const Call& call, Trash which) {
    return app.store.read([&](const Views& views) {
        const auto& user = call.caller->user;
        auto deals = views.deals_by_name(which);
        std::erase_if(deals, [&](const auto* d) { return !projections::can_view(user, *d); });
        const auto now = app.clock();
        return paginate(call.request, page_request(call.request), deals.size(),
                        [&](json::Writer& w, std::size_t i) {
                            write_deal(w, *deals[i], views, user, now, DealShape::kListItem);
                        });
    });
}

awaitable<Response> list_deals(AppContext& app, const Call& call) {
    co_return json_response(200, deal_page(app, call, Trash::kLive));
}

Response deal_in(AppContext& app, const Call& call, Trash place) {
    return app.store.read([&](const Views& views) {
        auto deal = visible_deal(views, call, call.params.at(0), place);
        if (!deal) {
            return error_response(deal.error());
        }
        return deal_response(200, **deal, views, call.caller->user, app.clock(),
                             DealShape::kSingle);
    });
}

awaitable<Response> show_deal(AppContext& app, const Call& call) {
    co_return deal_in(app, call, Trash::kLive);
}

awaitable<Response> create_deal(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    const auto input = deal_input(*body);
    auto command = app.store.read([&](const Views& views) {
        return commands::validate_create(input, views, events::DealId{}, app.validation);
    });
    if (!command) {
        co_return error_response(command.error());
    }
    // The id is taken only once the request is valid, so rejected creates use up no ids.
    const events::DealId id = command->id = app.store.allocate_deal_id();
    auto events = commands::decide(nullptr, *command);
    if (!events) {
        co_return error_response(events.error());
    }
    events::AppendRequest request{events::deal_stream(id), events::ExpectedVersion::no_stream(),
                                  std::move(*events), meta_of(call)};
    const auto outcome = co_await append(app.store.log(), std::move(request));
    if (outcome.status != events::AppendStatus::kOk) {
        co_return error_response(append_error(outcome));
    }
    co_return deal_after_change(app, call, id, 201, true);
}

awaitable<Response> update_deal(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        // A missing or invisible deal answers 404 before the body is looked at.
        auto missing = app.store.read([&](const Views& views) {
            return visible_deal(views, call, call.params.at(0), Trash::kLive).has_error();
        });
        co_return error_response(missing ? commands::not_found("Deal", call.params.at(0))
                                         : body.error());
    }
    const auto input = deal_input(*body);
    const DealDecision decide =
        [&](const Views& views,
            const projections::Deal& deal) -> commands::Result<commands::Events> {
        auto command = commands::validate_update(input, deal, views, app.validation);
        if (!command) {
            return command.error();
        }
        return commands::decide(deal, *command);
    };
    auto changed = co_await change_deal(app, call, Trash::kLive, decide);
    if (!changed) {
        co_return error_response(changed.error());
    }
    co_return deal_after_change(app, call, *changed, 200, false);
}

awaitable<Response> delete_deal(AppContext& app, const Call& call) {
    const DealDecision decide = [](const Views&, const projections::Deal& deal) {
        return commands::decide(deal, commands::TrashDeal{});
    };
    auto changed = co_await change_deal(app, call, Trash::kLive, decide);
    if (!changed) {
        co_return error_response(changed.error());
    }
    co_return Response{204, {}, {}};
}

awaitable<Response> change_status(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    const auto lost_reason = field(*body, "lost_reason");
    const DealDecision decide =
        [&](const Views&, const projections::Deal& deal) -> commands::Result<commands::Events> {
        auto command =
            commands::validate_status_change(call.params.at(1), lost_reason, app.validation);
        if (!command) {
            return command.error();
        }
        return commands::decide(deal, *command);
    };
    auto changed = co_await change_deal(app, call, Trash::kLive, decide);
    if (!changed) {
        co_return error_response(changed.error());
    }
    co_return deal_after_change(app, call, *changed, 200, false);
}

}  // namespace deals::http::handlers
