// dealsctl: the command-line tool for operators (users, tokens) working on a data directory.

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "commands/directory_commands.hpp"
#include "store/sha256.hpp"
#include "store/store.hpp"
#include "tools/tokens.hpp"

namespace {

using namespace deals;

int fail(const std::string& message) {
    std::cerr << "error: " << message << std::endl;
    return 1;
}

int fail(const commands::Error& error) {
    std::string text = error.message;
    for (const auto& [field, messages] : error.fields) {
        for (const auto& m : messages) {
            text += "\n  " + field + ": " + m;
        }
    }
    return fail(text);
}

/// Appends the events of a decided command to `stream`, waiting until they are durable.
int commit(store::Store& store, const std::string& stream, commands::Events events) {
    auto outcome = store.append_and_wait(
        {stream, events::ExpectedVersion::no_stream(), std::move(events), {}});
    if (outcome.status != events::AppendStatus::kOk) {
        return fail("could not write to the log: " + outcome.detail);
    }
    return 0;
}

int add_user(store::Store& store, commands::CreateUser command) {
    command.id = store.allocate_user_id();
    auto events = store.read([&](const auto& views) { return commands::decide(views, command); });
    if (!events) {
        return fail(events.error());
    }
    if (int rc = commit(store, "user-" + command.id.str(), std::move(*events)); rc != 0) {
        return rc;
    }
    std::cerr << "created user " << command.id.value << " <" << command.email << ">"
              << (command.super_admin ? " (super-admin)" : "") << std::endl;
    return 0;
}

int list_users(store::Store& store) {
    store.read([](const projections::Views& views) {
        for (const auto* u : views.users()) {
            std::cout << u->id.value << "\t" << u->email << "\t" << u->name
                      << (u->super_admin ? "\tsuper-admin" : "") << "\n";
        }
    });
    return 0;
}

int issue_token(store::Store& store, const std::string& user_ref, const std::string& name) {
    const auto user_id = store.read([&](const projections::Views& views) {
        const projections::User* u = views.user_by_email(user_ref);
        if (u == nullptr && !user_ref.empty() &&
            user_ref.find_first_not_of("0123456789") == std::string::npos) {
            u = views.user(events::UserId{std::stoll(user_ref)});
        }
        return u != nullptr ? std::optional(u->id) : std::nullopt;
    });
    if (!user_id) {
        return fail("no user with email or id '" + user_ref + "'");
    }
    const std::string secret = tools::new_token_secret();
    commands::IssueToken command{store.allocate_token_id(), *user_id, name,
                                 store::sha256_hex(secret)};
    auto events = store.read([&](const auto& views) { return commands::decide(views, command); });
    if (!events) {
        return fail(events.error());
    }
    if (int rc = commit(store, "token-" + command.id.str(), std::move(*events)); rc != 0) {
        return rc;
    }
    std::cout << tools::plain_text_token(command.id, secret) << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"dealsctl: operate on a Relate Deals data directory"};
    cli.require_subcommand(1);
    std::string data_dir = "./var/data";
    cli.add_option("--data-dir", data_dir, "The server's data directory")
        ->envname("DEALS_DATA_DIR")
        ->capture_default_str();

    auto* user = cli.add_subcommand("user", "Manage users")->require_subcommand(1);
    commands::CreateUser new_user;
    std::string scope = "own";
    bool no_api = false;
    auto* user_add = user->add_subcommand("add", "Create a user");
    user_add->add_option("--name", new_user.name, "Full name")->required();
    user_add->add_option("--email", new_user.email, "E-mail address (unique)")->required();
    user_add->add_flag("--super-admin", new_user.super_admin, "May do everything");
    user_add->add_option("--deals-scope", scope, "all | own")
        ->check(CLI::IsMember({"all", "own"}))
        ->capture_default_str();
    user_add->add_flag("--no-api-access", no_api, "The user may not call the API");
    auto* user_list = user->add_subcommand("list", "List users (id, email, name)");

    auto* token = cli.add_subcommand("token", "Manage API tokens")->require_subcommand(1);
    std::string token_user;
    std::string token_name = "dealsctl";
    auto* token_issue = token->add_subcommand("issue", "Issue a token; prints only the token");
    token_issue->add_option("--user", token_user, "The user's e-mail or id")->required();
    token_issue->add_option("--name", token_name, "A name for the token")->capture_default_str();

    CLI11_PARSE(cli, argc, argv);

    auto store = store::Store::open({.data_dir = data_dir, .clock = events::Timestamp::system_now});
    if (!store) {
        return fail(store.error());
    }
    int rc = 0;
    if (*user_add) {
        new_user.deals_scope = *events::parse_deals_scope(scope);
        new_user.access_api = !no_api;
        rc = add_user(**store, new_user);
    } else if (*user_list) {
        rc = list_users(**store);
    } else if (*token_issue) {
        rc = issue_token(**store, token_user, token_name);
    }
    (*store)->close();
    return rc;
}
