// Custom field definitions (contract §12): GET/POST /api/custom-fields, GET/PUT/DELETE
// /api/custom-fields/{id}. Values live on deals (deals.cpp, render.cpp).

#include <functional>

#include "commands/custom_field_commands.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_body.hpp"
#include "http/render.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Views;

constexpr std::string_view kModel = "CustomField";

commands::CustomFieldInput custom_field_input(const JsonValue& body) {
    commands::CustomFieldInput in{field(body, "resource_name"), field(body, "field_id"),
                                  field(body, "label"),         field(body, "field_type"),
                                  field(body, "options"),       {}};
    if (const JsonValue* options = body.find("options");
        options != nullptr && options->kind == JsonValue::Kind::kArray) {
        for (const auto& item : options->items) {
            if (item.kind == JsonValue::Kind::kObject) {
                in.option_items.emplace_back(commands::OptionInput{
                    field(item, "id"), field(item, "name"), field(item, "display_order")});
            } else {
                in.option_items.emplace_back(std::nullopt);
            }
        }
    }
    return in;
}

Response field_response(AppContext& app, events::CustomFieldId id, int status, bool created) {
    return app.views.read([&](const Views& views) {
        const auto* f = views.custom_field(id);
        if (f == nullptr) {
            return error_response(commands::not_found(kModel, id.str()));
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write_custom_field(w, *f, created);
        return json_response(status, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

bool super_admin(const Call& call) { return call.caller->user.super_admin; }

}  // namespace

awaitable<Response> list_custom_fields(AppContext& app, const Call& call) {
    co_return json_response(200, app.views.read([&](const Views& views) {
        const auto& fields = views.custom_fields();
        return paginate(call.request, page_request(call.request), fields.size(),
                        [&](json::Writer& w, std::size_t i) { write_custom_field(w, *fields[i]); });
    }));
}

awaitable<Response> show_custom_field(AppContext& app, const Call& call) {
    const auto id = parse_id(call.params.at(0));
    if (!id) {
        co_return error_response(commands::not_found(kModel, call.params.at(0)));
    }
    co_return field_response(app, events::CustomFieldId{*id}, 200, false);
}

awaitable<Response> create_custom_field(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    commands::CreateCustomField command{{}, 0, custom_field_input(*body), super_admin(call)};
    // The key is held from deciding until the append is applied: a concurrent create of the
    // same key sees it held (or, after, in the views) and is refused as taken.
    std::optional<events::NameClaim> claim;
    if (command.by_super_admin && command.input.field_id.is_string()) {
        claim.emplace(app.ids, "custom-field-key:" + command.input.field_id.text);
        command.key_held_elsewhere = !claim->held();
    }
    if (command.by_super_admin) {  // ids only for a request that may create
        command.id = app.ids.next_custom_field();
        command.first_option = app.ids.next_options(
            commands::new_option_count(command.input, commands::type_of(command.input)));
    }
    auto field_command = commands::custom_field_command(
        command.id, [&](const Views& views) { return decide(views, command); });
    auto done = co_await run(app, call, std::move(field_command));
    if (!done) {
        co_return error_response(done.error());
    }
    co_return field_response(app, command.id, 201, true);
}

awaitable<Response> update_custom_field(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    const auto id = parse_id(call.params.at(0));
    if (!id) {
        co_return error_response(commands::not_found(kModel, call.params.at(0)));
    }
    commands::UpdateCustomField command{
        events::CustomFieldId{*id}, 0, custom_field_input(*body), super_admin(call)};
    if (command.by_super_admin) {  // the type never changes: read it to size the option ids
        const auto type = app.views.read([&](const Views& views) {
            const auto* f = views.custom_field(command.id);
            return f ? std::optional(f->field_type) : std::nullopt;
        });
        command.first_option =
            app.ids.next_options(commands::new_option_count(command.input, type));
    }
    auto field_command = commands::custom_field_command(
        command.id, [&](const Views& views) { return decide(views, command); });
    auto done = co_await run(app, call, std::move(field_command));
    if (!done) {
        co_return error_response(done.error());
    }
    co_return field_response(app, command.id, 200, false);
}

awaitable<Response> delete_custom_field(AppContext& app, const Call& call) {
    const auto id = parse_id(call.params.at(0));
    if (!id) {
        co_return error_response(commands::not_found(kModel, call.params.at(0)));
    }
    const commands::DeleteCustomField command{events::CustomFieldId{*id}, super_admin(call)};
    auto field_command = commands::custom_field_command(
        command.id, [&](const Views& views) { return decide(views, command); });
    auto done = co_await run(app, call, std::move(field_command));
    if (!done) {
        co_return error_response(done.error());
    }
    co_return Response{204, {}, {}};
}

}  // namespace deals::http::handlers
