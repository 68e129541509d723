#pragma once

#include <string>

#include "events/id_source.hpp"
#include "events/ids.hpp"

namespace deals::support {

/// A token about to be issued: a fresh id, the secret, to be shown to its owner once and then
/// forgotten, and the SHA-256 of the secret, the only part that is kept. The caller builds the
/// command that issues the token and appends its events.
struct MintedToken {
    events::TokenId id;
    std::string secret;
    std::string secret_sha256;  ///< 64 lowercase hex digits

    /// The plain-text token a client sends: `<id>|<secret>`.
    [[nodiscard]] std::string plain_text() const { return id.str() + "|" + secret; }
};

/// A new token secret: 40 random letters and digits from the system's random source.
std::string new_token_secret();

/// Mints a token: a fresh id from `ids` and a fresh secret. The one place tokens are made
/// (`dealsctl token issue` and `POST /api/personal-access-tokens`).
MintedToken mint_token(events::IdSource& ids);

}  // namespace deals::support
