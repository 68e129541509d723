#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace deals::store {
class Store;
}

namespace deals::tools {

/// `dealsctl token issue`: a new API token for a user of a data directory, through the Store;
/// prints only the token.
struct TokenCommand {
    std::string user;  ///< the user's e-mail or id
    std::string name = "dealsctl";
};

CLI::App* add_token_command(CLI::App& cli, TokenCommand& command);
int run_token(store::Store& store, const TokenCommand& command);

}  // namespace deals::tools
