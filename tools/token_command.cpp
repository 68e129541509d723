#include "tools/token_command.hpp"

#include <cstdint>
#include <iostream>
#include <optional>
#include <utility>

#include "commands/directory_commands.hpp"
#include "commands/input.hpp"
#include "store/store.hpp"
#include "support/tokens.hpp"
#include "tools/command_support.hpp"

namespace deals::tools {

CLI::App* add_token_command(CLI::App& cli, TokenCommand& command) {
    auto* token = cli.add_subcommand("token", "Manage API tokens")->require_subcommand(1);
    auto* issue = token->add_subcommand("issue", "Issue a token; prints only the token");
    issue->add_option("--user", command.user, "The user's e-mail or id")->required();
    issue->add_option("--name", command.name, "A name for the token")->capture_default_str();
    return token;
}

int run_token(store::Store& store, const TokenCommand& command) {
    const auto user_id = store.read([&](const projections::Views& views) {
        const projections::User* u = views.user_by_email(command.user);
        if (const auto id = commands::parse_id(command.user); u == nullptr && id) {
            u = views.user(events::UserId{*id});
        }
        return u != nullptr ? std::optional(u->id) : std::nullopt;
    });
    if (!user_id) {
        return fail("no user with email or id '" + command.user + "'");
    }
    const support::MintedToken token = support::mint_token(store);
    const commands::IssueToken issue{token.id, *user_id, command.name, token.secret_sha256};
    auto events = store.read([&](const auto& views) { return commands::decide(views, issue); });
    if (!events) {
        return fail(events.error());
    }
    if (int rc = commit(store, events::token_stream(token.id), std::move(*events)); rc != 0) {
        return rc;
    }
    std::cout << token.plain_text() << std::endl;
    return 0;
}

}  // namespace deals::tools
