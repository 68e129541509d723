#include "tools/user_command.hpp"

#include <iostream>
#include <utility>

#include "store/store.hpp"
#include "tools/command_support.hpp"

namespace deals::tools {

namespace {

int add_user(store::Store& store, commands::CreateUser command) {
    command.id = store.next_user();
    auto events = store.read([&](const auto& views) { return commands::decide(views, command); });
    if (!events) {
        return fail(events.error());
    }
    if (int rc = commit(store, events::user_stream(command.id), std::move(*events)); rc != 0) {
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

}  // namespace

CLI::App* add_user_command(CLI::App& cli, UserCommand& command) {
    auto* user = cli.add_subcommand("user", "Manage users")->require_subcommand(1);
    command.add = user->add_subcommand("add", "Create a user");
    command.add->add_option("--name", command.new_user.name, "Full name")->required();
    command.add->add_option("--email", command.new_user.email, "E-mail address (unique)")
        ->required();
    command.add->add_flag("--super-admin", command.new_user.super_admin, "May do everything");
    command.add->add_option("--deals-scope", command.scope, "all | own")
        ->check(CLI::IsMember({"all", "own"}))
        ->capture_default_str();
    command.add->add_flag("--no-api-access", command.no_api, "The user may not call the API");
    command.list = user->add_subcommand("list", "List users (id, email, name)");
    return user;
}

int run_user(store::Store& store, const UserCommand& command) {
    if (*command.list) {
        return list_users(store);
    }
    commands::CreateUser user = command.new_user;
    user.deals_scope = *events::parse_deals_scope(command.scope);
    user.access_api = !command.no_api;
    return add_user(store, std::move(user));
}

}  // namespace deals::tools
