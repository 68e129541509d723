#pragma once

#include <string>

#include "events/ids.hpp"

namespace deals::tools {

/// A new token secret: 40 random letters and digits from the system's random source.
std::string new_token_secret();

/// The plain-text token a client sends: `<id>|<secret>`.
inline std::string plain_text_token(events::TokenId id, const std::string& secret) {
    return id.str() + "|" + secret;
}

}  // namespace deals::tools
