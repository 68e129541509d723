// Custom field definitions (contract §12): GET/POST /api/custom-fields, GET/PUT/DELETE
// /api/custom-fields/{id}. Values live on deals (deals.cpp, render.cpp).

#include <functional>

#include "commands/custom_field_commands.hpp"
#include "http/append.hpp"
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
constexpr int kAttempts = 5;

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

std::string stream_of(events::CustomFieldId id) { return "custom-field-" + id.str(); }

/// The version of the field's stream the views have applied (none: the stream is new).
events::ExpectedVersion applied_version(const Views& views, events::CustomFieldId id) {
    const auto* f = views.custom_field(id);
    return f != nullptr ? events::ExpectedVersion::exactly(f->version)
                        : events::ExpectedVersion::no_stream();
}

using Decide = std::function<commands::Result<commands::Events>(const Views&)>;

/// Decides under the views' lock and appends expecting the stream version decided at; when
/// another request changed the field in between, decides again on the new state.
awaitable<commands::Result<bool>> decide_and_append(AppContext& app, const Call& call,
                                                    events::CustomFieldId id,
                                                    const Decide& decide) {
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        auto decision = app.store.read(
            [&](const Views& views)
                -> commands::Result<std::pair<commands::Events, events::ExpectedVersion>> {
                auto decided = decide(views);
                if (!decided) {
                    return decided.error();
                }
                return std::pair(std::move(*decided), applied_version(views, id));
            });
        if (!decision) {
            co_return decision.error();
        }
        if (decision->first.empty()) {
            co_return false;
        }
        events::AppendRequest request{stream_of(id), decision->second, std::move(decision->first),
                                      meta_of(call)};
        const auto outcome = co_await append(app.store.log(), std::move(request));
        if (outcome.status == events::AppendStatus::kOk) {
            co_return true;
        }
        if (outcome.status != events::AppendStatus::kWrongExpectedVersion) {
            co_return append_error(outcome);
        }
    }
    co_return commands::conflict("The custom field is being changed by other requests; try again.");
}

Response field_response(AppContext& app, events::CustomFieldId id, int status, bool created) {
    return app.store.read([&](const Views& views) {
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
    co_return json_response(200, app.store.read([&](const Views& views) {
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
    std::optional<std::string> held;
    if (command.by_super_admin && command.input.field_id.is_string()) {
        std::string claim = "custom-field-key:" + command.input.field_id.text;
        if (app.store.claim(claim)) {
            held = std::move(claim);
        } else {
            command.key_held_elsewhere = true;
        }
    }
    struct Release {
        store::Store& store;
        const std::optional<std::string>& name;
        ~Release() {
            if (name) {
                store.release(*name);
            }
        }
    } release{app.store, held};
    if (command.by_super_admin) {  // ids only for a request that may create
        command.id = app.store.allocate_custom_field_id();
        command.first_option = app.store.allocate_option_ids(
            commands::new_option_count(command.input, commands::type_of(command.input)));
    }
    auto done = co_await decide_and_append(
        app, call, command.id, [&](const Views& views) { return decide(views, command); });
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
        const auto type = app.store.read([&](const Views& views) {
            const auto* f = views.custom_field(command.id);
            return f ? std::optional(f->field_type) : std::nullopt;
        });
        command.first_option =
            app.store.allocate_option_ids(commands::new_option_count(command.input, type));
    }
    auto done = co_await decide_and_append(
        app, call, command.id, [&](const Views& views) { return decide(views, command); });
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
    auto done = co_await decide_and_append(
        app, call, command.id, [&](const Views& views) { return decide(views, command); });
    if (!done) {
        co_return error_response(done.error());
    }
    co_return Response{204, {}, {}};
}

}  // namespace deals::http::handlers
