#pragma once

#include <string>

#include "commands/directory_commands.hpp"
#include "store/store.hpp"

namespace deals::store {

/// A token about to be issued: the command, which carries only the SHA-256 of the secret, and
/// the secret itself, to be shown to its owner once and then forgotten.
struct MintedToken {
    commands::IssueToken command;
    std::string secret;

    /// The plain-text token a client sends: `<id>|<secret>`.
    [[nodiscard]] std::string plain_text() const { return command.id.str() + "|" + secret; }
};

/// A new token secret: 40 random letters and digits from the system's random source.
std::string new_token_secret();

/// Mints a token for `user` named `name`: a fresh id from `store` and a fresh secret. The one
/// place tokens are made (`dealsctl token issue` and `POST /api/personal-access-tokens`); the
/// caller decides the command and appends its events.
MintedToken mint_token(Store& store, events::UserId user, std::string name);

}  // namespace deals::store
