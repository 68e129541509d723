#pragma once

#include <string>
#include <string_view>

#include "events/error.hpp"
#include "http/request.hpp"

namespace deals::http {

/// Refusals that only HTTP knows of, made before any handler runs. They are not part of the
/// service's `ErrorCode` (events/error.hpp), which says what went wrong whatever the transport.
enum class TransportError {
    kRouteNotFound,     ///< no such route (404)
    kMethodNotAllowed,  ///< known path, wrong verb (405)
    kPayloadTooLarge,   ///< body over the limit (413)
};

/// The one table from error codes to HTTP statuses and envelopes (contract §1.1). Handlers
/// never choose an error status themselves.
Response error_response(const Error& error);
/// The same table's answer to a transport refusal: `{"message":…}` with `message`, or the
/// code's fixed message where it has one (413).
Response error_response(TransportError error, std::string_view message = {});

/// The JSON body `{"message":"…"}`.
std::string message_body(std::string_view message);

}  // namespace deals::http
