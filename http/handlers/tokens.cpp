// /api/personal-access-tokens: the caller's own API tokens (contract §11).

#include "support/tokens.hpp"

#include "commands/directory_commands.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_body.hpp"
#include "http/json_write.hpp"
#include "http/render.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Views;

/// Which shape of Sanctum's token model: a stored one, or the one `createToken` just made
/// (which has no `last_used_at` yet).
enum class TokenShape { kStored, kCreated };

/// A token as Laravel Sanctum serializes its PersonalAccessToken model (the secret's hash is
/// hidden). Sanctum's `tokenable_type` (a PHP class name) is left out: `tokenable_id` says
/// whose token it is. `last_used_at` is not tracked (it would take an event per request), so it
/// is always null; tokens never expire.
void write_token(json::Writer& w, const projections::Token& t, TokenShape shape) {
    w.StartObject();
    w.Key("id");
    w.Int64(t.id.value);
    w.Key("tokenable_id");
    w.Int64(t.user_id.value);
    w.Key("name");
    write_string(w, t.name);
    w.Key("abilities");
    w.StartArray();
    w.String("*");
    w.EndArray();
    if (shape == TokenShape::kStored) {
        w.Key("last_used_at");
        w.Null();
    }
    w.Key("expires_at");
    w.Null();
    w.Key("created_at");
    write_string(w, t.created_at.str());
    w.Key("updated_at");
    write_string(w, t.created_at.str());
    w.EndObject();
}

}  // namespace

awaitable<Response> list_tokens(AppContext& app, const Call& call) {
    co_return app.views.read([&](const Views& views) {
        json::Buffer buffer;
        json::Writer w(buffer);
        w.StartArray();
        for (const auto* t : views.tokens_of(call.caller->user.id)) {
            write_token(w, *t, TokenShape::kStored);
        }
        w.EndArray();
        return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

awaitable<Response> create_token(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    auto name = commands::validate_token_name(field(*body, "name"));
    if (!name) {
        co_return error_response(name.error());
    }
    const support::MintedToken token = support::mint_token(app.ids);
    const commands::IssueToken command{token.id, call.caller->user.id, std::move(*name),
                                       token.secret_sha256};
    commands::Decide decide = [&](const projections::ViewReader& reader) {
        return commands::decided_on(
            "token", events::token_stream(token.id), events::ExpectedVersion::no_stream(),
            reader.read([&](const Views& views) { return commands::decide(views, command); }));
    };
    auto issued = co_await run(app, call, std::move(decide));
    if (!issued) {
        co_return error_response(issued.error());
    }
    co_return app.views.read([&](const Views& views) {
        const projections::Token* stored = views.token(token.id);
        if (stored == nullptr) {
            return error_response(commands::not_found("PersonalAccessToken", token.id.str()));
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        w.StartObject();
        w.Key("accessToken");
        write_token(w, *stored, TokenShape::kCreated);
        w.Key("plainTextToken");
        write_string(w, token.plain_text());
        w.EndObject();
        return json_response(201, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

awaitable<Response> delete_token(AppContext& app, const Call& call) {
    const std::string& text = call.params.at(0);
    const auto id = parse_id(text);
    if (!id) {
        co_return error_response(commands::not_found("PersonalAccessToken", text));
    }
    const commands::RevokeToken command{events::TokenId{*id}, call.caller->user.id};
    // A token's stream holds TokenIssued and at most one TokenRevoked: when two requests revoke
    // the same token at once, the second finds the stream moved on, decides again on the
    // revoked token and answers 404.
    commands::Decide decide = [&](const projections::ViewReader& reader) {
        return commands::decided_on(
            "token", events::token_stream(command.id), events::ExpectedVersion::exactly(1),
            reader.read([&](const Views& views) { return commands::decide(views, command); }));
    };
    auto revoked = co_await run(app, call, std::move(decide));
    if (!revoked) {
        co_return error_response(revoked.error());
    }
    co_return Response{204, {}, {}};
}

}  // namespace deals::http::handlers
