// /api/associations/deals/{id} (contract §8): list, attach, sync, detach.

#include <algorithm>

#include "commands/association_commands.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_body.hpp"
#include "http/render.hpp"
#include "projections/search.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Trash;
using projections::Views;

awaitable<Response> change_associations(AppContext& app, const Call& call,
                                        commands::AssociationMode mode) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    auto decide = commands::deal_events_only(
        [mode, input = association_input(*body, true)](
            const projections::Deal& deal) -> commands::Result<commands::Events> {
            auto command = commands::validate_associations(input, mode);
            if (!command) {
                return command.error();
            }
            return commands::decide(deal, *command);
        });
    co_return co_await change_deal_response(app, call, Trash::kLive, std::move(decide),
                                            AfterChange::kDeal);
}

}  // namespace

commands::AssociationInput association_input(const JsonValue& body, bool every_key) {
    commands::AssociationInput input;
    for (const auto& member : body.members) {
        // Named, not a structured binding: clang 14 (the fuzz build) cannot capture those.
        const std::string& key = member.first;
        const JsonValue& value = member.second;
        const auto type = std::find_if(commands::kAssociationTypes.begin(),
                                       commands::kAssociationTypes.end(),
                                       [&](const char* t) { return key == t; });
        if (type == commands::kAssociationTypes.end()) {
            if (every_key) {
                input.unknown_keys.push_back(key);
            }
            continue;
        }
        auto& v = input.types[static_cast<std::size_t>(type - commands::kAssociationTypes.begin())];
        v.present = true;
        v.is_null = value.kind == JsonValue::Kind::kNull;
        v.is_array = value.kind == JsonValue::Kind::kArray;
        for (const auto& item : value.items) {
            v.items.push_back(value_of(item));
        }
        if (value.kind == JsonValue::Kind::kString) {
            // "1,2,3" (contract §5.1): each part as a number as written.
            v.is_array = true;
            for (auto& part : projections::in_values(value.text)) {
                v.items.push_back(commands::FieldValue::number(std::move(part)));
            }
        }
    }
    return input;
}

awaitable<Response> list_associations(AppContext& app, const Call& call) {
    co_return app.views.read([&](const Views& views) {
        auto deal = visible_deal(views, call, call.params.at(0), Trash::kLive);
        if (!deal) {
            return error_response(deal.error());
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write_association_arrays(w, (*deal)->associations);
        return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

awaitable<Response> attach_associations(AppContext& app, const Call& call) {
    co_return co_await change_associations(app, call, commands::AssociationMode::kAttach);
}

awaitable<Response> sync_associations(AppContext& app, const Call& call) {
    co_return co_await change_associations(app, call, commands::AssociationMode::kSync);
}

awaitable<Response> detach_associations(AppContext& app, const Call& call) {
    co_return co_await change_associations(app, call, commands::AssociationMode::kDetach);
}

}  // namespace deals::http::handlers
