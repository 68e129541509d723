// POST, PUT and DELETE /api/users (contract §11); the listing and single user are in
// directory.cpp.

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "commands/directory_commands.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_body.hpp"
#include "http/render.hpp"
#include "projections/collation.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Views;

commands::UserInput user_input(const JsonValue& body) {
    return {field(body, "name"), field(body, "email"), field(body, "super_admin"),
            field(body, "access_api"), field(body, "deals_scope")};
}

/// Claimed before the uniqueness check reads the views, released after the append is applied
/// to them (the claim lives until the response is made): two concurrent requests cannot both
/// give the same address to a user (folded as the uniqueness rule compares them).
events::NameClaim email_claim(AppContext& app, const commands::UserInput& input) {
    return events::NameClaim(
        app.ids,
        "user-email:" + projections::fold(input.email.is_string() ? input.email.text : ""));
}

/// The 422 when another request holds the address.
commands::Error email_taken() {
    return commands::validation({{"email", {"The E-Mail Address has already been taken."}}});
}

/// The user as `GET /api/users/{id}` shows it, with `status`.
Response user_response(AppContext& app, events::UserId id, int status) {
    return app.views.read([&](const Views& views) {
        const projections::User* user = views.user(id);
        if (user == nullptr) {
            return error_response(commands::not_found("User", id.str()));
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write_user(w, *user);
        return json_response(status, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

/// The path's user id, or nothing when it is not one (404 then, like a missing user).
std::optional<events::UserId> user_id_of(const Call& call) {
    const auto id = parse_id(call.params.at(0));
    return id ? std::optional<events::UserId>(events::UserId{*id}) : std::nullopt;
}

}  // namespace

awaitable<Response> create_user(AppContext& app, const Call& call) {
    if (!call.caller->user.super_admin) {
        co_return error_response(commands::forbidden("This action is unauthorized."));
    }
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    const commands::UserInput input = user_input(*body);
    const events::NameClaim claim = email_claim(app, input);
    events::UserId id;
    commands::Decide decide =
        [&](const projections::ViewReader& reader) -> commands::Result<commands::Decision> {
        auto command = reader.read(
            [&](const Views& views) { return commands::validate_create_user(views, input); });
        if (!command) {
            return command.error();
        }
        if (!claim.held()) {
            return email_taken();
        }
        id = command->id = app.ids.next_user();
        return commands::decided_on(
            "user", events::user_stream(id), events::ExpectedVersion::no_stream(),
            reader.read([&](const Views& views) { return commands::decide(views, *command); }));
    };
    auto created = co_await run(app, call, std::move(decide));
    if (!created) {
        co_return error_response(created.error());
    }
    co_return user_response(app, id, 201);
}

awaitable<Response> update_user(AppContext& app, const Call& call) {
    if (!call.caller->user.super_admin) {
        co_return error_response(commands::forbidden("This action is unauthorized."));
    }
    const auto id = user_id_of(call);
    if (!id) {
        co_return error_response(commands::not_found("User", call.params.at(0)));
    }
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    const commands::UserInput input = user_input(*body);
    const events::NameClaim claim = email_claim(app, input);
    commands::Decide decide =
        commands::on_views([&](const Views& views) -> commands::Result<commands::Decision> {
            auto updated = commands::validate_update_user(views, *id, input);
            if (!updated) {
                return updated.error();
            }
            const projections::User* before = views.user(*id);
            const bool new_address = before != nullptr && projections::fold(before->email) !=
                                                              projections::fold(updated->email);
            if (new_address && !claim.held()) {
                return email_taken();
            }
            return commands::decided_on("user", events::user_stream(*id),
                                        events::ExpectedVersion::any(),
                                        commands::Events{std::move(*updated)});
        });
    auto done = co_await run(app, call, std::move(decide));
    if (!done) {
        co_return error_response(done.error());
    }
    co_return user_response(app, *id, 200);
}

awaitable<Response> delete_user(AppContext& app, const Call& call) {
    if (!call.caller->user.super_admin) {
        co_return error_response(commands::forbidden("This action is unauthorized."));
    }
    const auto id = user_id_of(call);
    if (!id) {
        co_return error_response(commands::not_found("User", call.params.at(0)));
    }
    const commands::DeleteUser command{*id, call.caller->user.id};
    commands::Decide decide =
        commands::on_views([&](const Views& views) -> commands::Result<commands::Decision> {
            return commands::decided_on("user", events::user_stream(command.id),
                                        events::ExpectedVersion::any(),
                                        commands::decide(views, command));
        });
    auto done = co_await run(app, call, std::move(decide));
    if (!done) {
        co_return error_response(done.error());
    }
    co_return Response{204, {}, {}};
}

}  // namespace deals::http::handlers
