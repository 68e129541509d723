// GET and POST /api/deals/{id}/billable (contract §7).

#include "commands/billable_commands.hpp"
#include "http/append.hpp"
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

constexpr int kAttempts = 5;

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

awaitable<commands::Result<bool>> save_billable(AppContext& app, const Call& call,
                                                events::DealId deal_id,
                                                const commands::SaveBillable& command) {
    const commands::BillableIds ids{[&] { return app.store.allocate_line_id(); },
                                    [&] { return app.store.allocate_product_id(); }};
    const auto actor = call.caller ? std::optional(call.caller->user.id) : std::nullopt;
    const auto expected_by_client = if_match_version(call.request);
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        struct Decision {
            events::StreamVersion version;
            commands::BillableDecision events;
            bool created;
        };
        auto decision = app.store.read([&](const Views& views) -> commands::Result<Decision> {
            const projections::Deal* deal = views.deal(deal_id);
            if (deal == nullptr) {
                return commands::not_found("Deal", deal_id.str());
            }
            if (expected_by_client && *expected_by_client != deal->version) {
                return commands::precondition_failed("The deal has been modified since version " +
                                                     std::to_string(*expected_by_client) + ".");
            }
            auto decided = commands::decide(views, *deal, command, ids, actor);
            if (!decided) {
                return decided.error();
            }
            return Decision{deal->version, std::move(*decided), !deal->billable.has_value()};
        });
        if (!decision) {
            co_return decision.error();
        }
        // Catalog products first, each on its own stream: a retry finds them by name.
        for (auto& e : decision->events.catalog) {
            events::AppendRequest request{events::stream_of(e),
                                          events::ExpectedVersion::any(),
                                          {std::move(e)},
                                          meta_of(call)};
            const auto outcome = co_await append(app.store.log(), std::move(request));
            if (outcome.status != events::AppendStatus::kOk) {
                co_return append_error(outcome);
            }
        }
        events::AppendRequest request{events::deal_stream(deal_id),
                                      events::ExpectedVersion::exactly(decision->version),
                                      std::move(decision->events.deal), meta_of(call)};
        const auto outcome = co_await append(app.store.log(), std::move(request));
        if (outcome.status == events::AppendStatus::kOk) {
            co_return decision->created;
        }
        if (outcome.status != events::AppendStatus::kWrongExpectedVersion) {
            co_return append_error(outcome);
        }
    }
    co_return commands::conflict("The deal is being changed by other requests; try again.");
}

namespace {

Response billable_response(AppContext& app, const Call& call, bool created) {
    return app.store.read([&](const Views& views) {
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
    auto deal_id = app.store.read([&](const Views& views) -> commands::Result<events::DealId> {
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
    auto saved = co_await save_billable(app, call, *deal_id, *command);
    if (!saved) {
        co_return error_response(saved.error());
    }
    co_return billable_response(app, call, *saved);
}

}  // namespace deals::http::handlers
