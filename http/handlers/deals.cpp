#include <algorithm>

#include "commands/deal_validation.hpp"
#include "http/append.hpp"
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

/// The `billable` of a deal body, when it is to be validated: any non-empty object (Concord's
/// "truthy").
const JsonValue* embedded_billable(const JsonValue& body) {
    const JsonValue* b = body.find("billable");
    if (b == nullptr || b->kind != JsonValue::Kind::kObject || b->members.empty()) {
        return nullptr;
    }
    return b;
}

/// On create, a valid billable is saved only with a non-empty `products` array (Concord).
bool saved_on_create(const JsonValue* billable) {
    const JsonValue* products = billable ? billable->find("products") : nullptr;
    return products != nullptr && products->kind == JsonValue::Kind::kArray &&
           !products->items.empty();
}

/// `billable` must be an object (§5.1). Empty values (null, "", []) are no billable, as in Concord;
/// anything else that is not an object is a 422 on `billable`, after the deal's own errors.
std::optional<commands::Error> with_billable_type_error(const JsonValue& body,
                                                        std::optional<commands::Error> error) {
    using Kind = JsonValue::Kind;
    const JsonValue* b = body.find("billable");
    if (b == nullptr || b->kind == Kind::kNull || b->kind == Kind::kObject ||
        (b->kind == Kind::kArray && b->items.empty()) ||
        (b->kind == Kind::kString && b->text.empty())) {
        return error;
    }
    if (error && error->code != commands::ErrorCode::kValidation) {
        return error;
    }
    commands::FieldErrors fields = error ? error->fields : commands::FieldErrors{};
    fields.emplace_back("billable", std::vector<std::string>{"The billable field must be an array."});
    return commands::validation(std::move(fields));
}

/// Custom fields come last in contract §5.1's field order, after the association keys and
/// the billable: moves their errors there (the summary message follows the new first error).
commands::Error custom_fields_last(commands::Error error) {
    std::stable_partition(error.fields.begin(), error.fields.end(),
                          [](const auto& field) { return !field.first.starts_with("cf_"); });
    return commands::validation(std::move(error.fields));
}

/// Validates the embedded billable; merges its errors after the deal's (keys `billable.…`),
/// and the custom fields' after both.
commands::Result<std::optional<commands::SaveBillable>> embedded_save(
    const JsonValue* billable, const std::optional<commands::Error>& deal_error) {
    std::optional<commands::SaveBillable> save;
    std::optional<commands::Error> billable_error;
    if (billable) {
        auto validated = commands::validate_billable(billable_input(*billable));
        if (validated) {
            save = std::move(*validated);
        } else {
            billable_error = validated.error();
        }
    }
    if (deal_error && deal_error->code != commands::ErrorCode::kValidation) {
        return *deal_error;
    }
    if (deal_error || billable_error) {
        return custom_fields_last(merge_validation(deal_error ? &*deal_error : nullptr,
                                                   billable_error ? &*billable_error : nullptr,
                                                   "billable."));
    }
    return save;
}

/// An embedded billable's validation errors, keyed under `billable.`.
commands::Error under_billable(const commands::Error& error) {
    return error.code == commands::ErrorCode::kValidation
               ? merge_validation(nullptr, &error, "billable.")
               : error;
}

std::optional<commands::Error> error_of(const auto& result) {
    return result ? std::nullopt : std::optional<commands::Error>(result.error());
}

/// Appends the billable's events to `events` (the deal's, not yet stored), deciding against
/// the deal as those events leave it; catalog events go to `catalog`.
commands::Result<bool> add_billable_events(AppContext& app, const Call& call, const Views& views,
                                           const projections::Deal* before,
                                           commands::Events& events,
                                           const commands::SaveBillable& save,
                                           std::vector<events::Event>& catalog) {
    projections::Deal deal = before ? *before : projections::Deal{};
    const auto now = app.clock();
    for (const auto& e : events) {
        projections::apply(deal, e, now, deal.version + 1);
    }
    const commands::BillableIds ids{[&] { return app.store.allocate_line_id(); },
                                    [&] { return app.store.allocate_product_id(); }};
    auto decided = commands::decide(views, deal, save, ids, call.caller->user.id);
    if (!decided) {
        return under_billable(decided.error());
    }
    catalog = std::move(decided->catalog);
    for (auto& e : decided->deal) {
        events.push_back(std::move(e));
    }
    return true;
}

/// The deal's validation error with the association keys' errors after it (contract §5.1
/// order), or whichever exists.
std::optional<commands::Error> with_association_errors(
    std::optional<commands::Error> deal_error,
    const commands::Result<std::optional<commands::ChangeAssociations>>& associations) {
    if (associations) {
        return deal_error;
    }
    if (!deal_error) {
        return associations.error();
    }
    if (deal_error->code != commands::ErrorCode::kValidation) {
        return deal_error;
    }
    const commands::Error assoc = associations.error();
    return merge_validation(&*deal_error, &assoc, "");
}

/// Appends the AssociationsChanged of a deal body (attach on create, sync on update), decided
/// against the deal as `events` leave it.
void add_association_events(const projections::Deal* before, commands::Events& events,
                            const std::optional<commands::ChangeAssociations>& change,
                            events::Timestamp now) {
    if (!change) {
        return;
    }
    projections::Deal deal = before ? *before : projections::Deal{};
    for (const auto& e : events) {
        projections::apply(deal, e, now, deal.version + 1);
    }
    auto decided = commands::decide(deal, *change);
    if (decided) {  // a body's keys never make the one-id 409: that is only the attach route's
        for (auto& e : *decided) {
            events.push_back(std::move(e));
        }
    }
}

}  // namespace

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
    return app.store.read([&](const Views& views) {
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
    const auto input = deal_input(*body);
    auto command = app.store.read([&](const Views& views) {
        return commands::validate_create(input, views, events::DealId{}, app.validation);
    });
    const auto associations = commands::validate_body_associations(
        association_input(*body, false), commands::AssociationMode::kAttach);
    const JsonValue* billable_body = embedded_billable(*body);
    auto billable = embedded_save(
        billable_body,
        with_billable_type_error(*body, with_association_errors(error_of(command), associations)));
    if (!billable) {
        co_return error_response(billable.error());
    }
    if (!saved_on_create(billable_body)) {
        billable->reset();
    }
    if (*billable) {
        // Decided once against a stand-in deal with stand-in ids, so that a billable refused
        // on the catalog's data uses up no deal id either.
        auto events = commands::decide(nullptr, *command);
        std::int64_t line = 0;
        std::int64_t product = 0;
        auto refused = app.store.read([&](const Views& views) -> commands::Result<bool> {
            projections::Deal deal;
            for (const auto& e : *events) {
                projections::apply(deal, e, app.clock(), deal.version + 1);
            }
            const commands::BillableIds ids{[&] { return events::BillableProductId{++line}; },
                                            [&] { return events::ProductId{++product}; }};
            auto decided = commands::decide(views, deal, **billable, ids, call.caller->user.id);
            if (!decided) {
                return under_billable(decided.error());
            }
            return true;
        });
        if (!refused) {
            co_return error_response(refused.error());
        }
    }
    // The id is taken only once the request is valid, so rejected creates use up no ids.
    const events::DealId id = command->id = app.store.allocate_deal_id();
    auto events = commands::decide(nullptr, *command);
    if (!events) {
        co_return error_response(events.error());
    }
    add_association_events(nullptr, *events, *associations, app.clock());
    if (*billable) {
        std::vector<events::Event> catalog;
        auto added = app.store.read([&](const Views& views) {
            return add_billable_events(app, call, views, nullptr, *events, **billable, catalog);
        });
        if (!added) {
            co_return error_response(added.error());
        }
        auto appended = co_await append_catalog(app, call, catalog);
        if (!appended) {
            co_return error_response(appended.error());
        }
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
    const JsonValue* billable_body = embedded_billable(*body);
    const auto associations = commands::validate_body_associations(
        association_input(*body, false), commands::AssociationMode::kSync);
    std::vector<events::Event> catalog;
    const DealDecision decide =
        [&](const Views& views,
            const projections::Deal& deal) -> commands::Result<commands::Events> {
        auto command = commands::validate_update(input, deal, views, app.validation);
        auto billable = embedded_save(
            billable_body, with_billable_type_error(
                               *body, with_association_errors(error_of(command), associations)));
        if (!billable) {
            return billable.error();
        }
        auto events = commands::decide(deal, *command);
        if (!events) {
            return events;
        }
        add_association_events(&deal, *events, *associations, app.clock());
        if (!*billable) {
            return events;
        }
        auto added = add_billable_events(app, call, views, &deal, *events, **billable, catalog);
        if (!added) {
            return added.error();
        }
        return events;
    };
    auto changed = co_await change_deal(app, call, Trash::kLive, decide, &catalog);
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
