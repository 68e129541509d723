#include "commands/deal_body.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/handlers/deal_listing.hpp"
#include "http/json_body.hpp"
#include "http/render.hpp"
#include "projections/policy.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Trash;
using projections::Views;

/// What the body's `billable` is (contract §5.1): empty values (null, "", [], {}) are no
/// billable, as in Concord; a non-empty object is one to save; anything else is a 422.
commands::DealBody::Billable billable_kind(const JsonValue* b) {
    using Kind = JsonValue::Kind;
    if (b == nullptr || b->kind == Kind::kNull || (b->kind == Kind::kArray && b->items.empty()) ||
        (b->kind == Kind::kString && b->text.empty())) {
        return commands::DealBody::Billable::kNone;
    }
    if (b->kind != Kind::kObject) {
        return commands::DealBody::Billable::kWrongType;
    }
    return b->members.empty() ? commands::DealBody::Billable::kNone
                              : commands::DealBody::Billable::kObject;
}

}  // namespace

commands::DealBody deal_body(const JsonValue& body) {
    commands::DealBody out;
    out.deal = deal_input(body);
    out.associations = association_input(body, false);
    const JsonValue* billable = body.find("billable");
    out.billable_kind = billable_kind(billable);
    if (out.billable_kind == commands::DealBody::Billable::kObject) {
        out.billable = billable_input(*billable);
        const JsonValue* products = billable->find("products");
        out.billable_has_lines = products != nullptr && products->kind == JsonValue::Kind::kArray &&
                                 !products->items.empty();
    }
    return out;
}

commands::DealInput deal_input(const JsonValue& body) {
    commands::DealInput in{field(body, "name"),
                           field(body, "pipeline_id"),
                           field(body, "stage_id"),
                           field(body, "amount"),
                           field(body, "expected_close_date"),
                           field(body, "status"),
                           field(body, "lost_reason"),
                           field(body, "user_id"),
                           field(body, "swatch_color"),
                           {}};
    for (const auto& [key, value] : body.members) {
        if (key.starts_with("cf_")) {
            commands::CustomValueInput custom{key, value_of(value), {}};
            for (const auto& item : value.items) {
                custom.items.push_back(value_of(item));
            }
            in.custom_fields.push_back(std::move(custom));
        }
    }
    return in;
}

Response deal_in(AppContext& app, const Call& call, Trash place) {
    const auto with = with_of(call.request);
    if (!with) {
        return error_response(with.error());
    }
    return app.views.read([&](const Views& views) {
        auto deal = visible_deal(views, call, call.params.at(0), place);
        if (!deal) {
            return error_response(deal.error());
        }
        return deal_response(200, **deal, views, call.caller->user, app.clock(), DealShape::kSingle,
                             *with);
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
    events::DealId id;
    auto command = commands::create_deal(deal_body(*body), body_context(app, call), id);
    auto created = co_await run(app, call, std::move(command));
    if (!created) {
        co_return error_response(created.error());
    }
    co_return deal_after_change(app, call, id, 201, true);
}

awaitable<Response> update_deal(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        // A missing or invisible deal answers 404 before the body is looked at.
        auto missing = app.views.read([&](const Views& views) {
            return visible_deal(views, call, call.params.at(0), Trash::kLive).has_error();
        });
        co_return error_response(missing ? commands::not_found("Deal", call.params.at(0))
                                         : body.error());
    }
    auto decide = commands::update_deal(deal_body(*body), body_context(app, call));
    co_return co_await change_deal_response(app, call, Trash::kLive, std::move(decide),
                                            AfterChange::kDeal);
}

awaitable<Response> delete_deal(AppContext& app, const Call& call) {
    auto decide = commands::deal_events_only([](const projections::Deal& deal) {
        return commands::decide(deal, commands::TrashDeal{});
    });
    co_return co_await change_deal_response(app, call, Trash::kLive, std::move(decide),
                                            AfterChange::kNoContent);
}

awaitable<Response> change_status(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    auto decide = commands::deal_events_only(
        [&, lost_reason = field(*body, "lost_reason")](
            const projections::Deal& deal) -> commands::Result<commands::Events> {
            auto command =
                commands::validate_status_change(call.params.at(1), lost_reason, app.validation);
            if (!command) {
                return command.error();
            }
            return commands::decide(deal, *command);
        });
    co_return co_await change_deal_response(app, call, Trash::kLive, std::move(decide),
                                            AfterChange::kDeal);
}

}  // namespace deals::http::handlers
