#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "commands/directory_commands.hpp"

namespace deals::store {
class Store;
}

namespace deals::tools {

/// `dealsctl user add` and `dealsctl user list`: the users of a data directory, through the
/// Store (so not one a running dealsd holds).
struct UserCommand {
    commands::CreateUser new_user;  ///< add: --name, --email, --super-admin
    std::string scope = "own";      ///< add: --deals-scope
    bool no_api = false;            ///< add: --no-api-access
    CLI::App* add = nullptr;        ///< set by add_user_command: which of the two was given
    CLI::App* list = nullptr;
};

CLI::App* add_user_command(CLI::App& cli, UserCommand& command);
int run_user(store::Store& store, const UserCommand& command);

}  // namespace deals::tools
