#pragma once

#include "commands/error.hpp"
#include "http/request.hpp"

namespace deals::http {

/// The one table from error codes to HTTP statuses and envelopes (contract §1.1). Handlers
/// never choose an error status themselves.
Response error_response(const commands::Error& error);

/// The JSON body `{"message":"…"}`.
std::string message_body(std::string_view message);

}  // namespace deals::http
