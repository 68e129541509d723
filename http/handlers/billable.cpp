// GET and POST /api/deals/{id}/billable (contract §7).

#include "commands/billable_commands.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_body.hpp"
#include "http/render.hpp"
#include "http/render_billable.hpp"
#include "projections/policy.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Trash;
using projections::Views;

commands::BillableLineInput line_input(const JsonValue& line) {
    return {field(line, "id"),
            field(line, "product_id"),
            field(line, "name"),
            field(line, "description"),
            field(line, "unit_price"),
            field(line, "qty"),
            field(line, "discount_type"),
            field(line, "discount_total"),
            field(line, "tax_label"),
            field(line, "tax_rate"),
            field(line, "unit"),
            field(line, "note"),
            field(line, "display_order")};
}

}  // namespace

commands::BillableInput billable_input(const JsonValue& body) {
    commands::BillableInput in;
    in.tax_type = field(body, "tax_type");
    in.products = field(body, "products");
    if (const JsonValue* products = body.find("products");
        products && products->kind == JsonValue::Kind::kArray) {
        for (const auto& item : products->items) {
            // A line that is not an object has no fields: its required ones are reported.
            in.lines.push_back(item.kind == JsonValue::Kind::kObject
                                   ? line_input(item)
                                   : commands::BillableLineInput{});
        }
    }
    in.removed_products = field(body, "removed_products");
    if (const JsonValue* removed = body.find("removed_products");
        removed && removed->kind == JsonValue::Kind::kArray) {
        for (const auto& item : removed->items) {
            in.removed.push_back(value_of(item));
        }
    }
    return in;
}

namespace {

Response billable_response(AppContext& app, const Call& call, bool created) {
    return app.views.read([&](const Views& views) {
        auto deal = visible_deal(views, call, call.params.at(0), Trash::kLive);
        if (!deal) {
            return error_response(deal.error());
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write_billable(w, **deal, views, true, created);
        return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

}  // namespace

awaitable<Response> show_billable(AppContext& app, const Call& call) {
    co_return billable_response(app, call, false);
}

awaitable<Response> update_billable(AppContext& app, const Call& call) {
    auto deal_id = app.views.read([&](const Views& views) -> commands::Result<events::DealId> {
        auto deal = visible_deal(views, call, call.params.at(0), Trash::kLive);
        if (!deal) {
            return deal.error();
        }
        if (!projections::deal_permissions(call.caller->user, **deal).update) {
            return commands::forbidden("This action is unauthorized.");
        }
        return (*deal)->id;
    });
    if (!deal_id) {
        co_return error_response(deal_id.error());
    }
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    auto command = commands::validate_billable(billable_input(*body));
    if (!command) {
        co_return error_response(command.error());
    }
    bool created = false;
    auto decide = commands::save_billable(std::move(*command), body_context(app, call), created);
    auto saved = co_await change_deal(app, call, Trash::kLive, std::move(decide));
    if (!saved) {
        co_return error_response(saved.error());
    }
    co_return billable_response(app, call, created);
}

}  // namespace deals::http::handlers
