#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "events/ids.hpp"
#include "projections/directory.hpp"

namespace deals::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// `c` lower-cased if it is an ASCII capital: header names and schemes are ASCII tokens, and
/// std::tolower is a locale-aware call per character (undefined for a negative char).
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

/// An HTTP request reduced to what handlers use, free of Beast types so that handlers can be
/// called as plain functions in tests.
struct Request {
    std::string method;        ///< "GET", "POST", …
    std::string target;        ///< as received: path and query
    std::string path;          ///< percent-decoded path, without the query
    std::string query_string;  ///< after '?', undecoded
    std::vector<std::pair<std::string, std::string>> query;  ///< decoded parameters, in order
    Headers headers;                                         ///< names lower-cased
    std::string body;
    std::string request_id;  ///< the client's X-Request-Id or a generated one
    /// X-Correlation-Id when acceptable (printable ASCII, ≤ 200 bytes), else the request id.
    std::string correlation_id;
    /// Set by the router for a write under an `Idempotency-Key`: the events it appends carry it.
    std::string idempotency_key;          ///< scoped to the caller (hex)
    std::string idempotency_fingerprint;  ///< of method, target and body (hex)

    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
    [[nodiscard]] std::optional<std::string> param(std::string_view name) const;
};

/// The response a handler produces; the session turns it into HTTP.
struct Response {
    int status = 200;
    std::string body;  ///< JSON, or empty (204)
    Headers headers;   ///< besides Content-Type, X-Request-Id and X-App-Version
    /// Set by the router, for the request's log line and metrics: the route it matched (an
    /// index into routes(), -1 for none) and the authenticated caller's user id (0: none).
    int route = -1;
    std::uint64_t user_id = 0;
};

/// The authenticated caller of a request.
struct Caller {
    projections::User user;
    events::TokenId token_id;
};

/// Everything a handler is given: the request, its caller (absent on public routes) and the
/// values of the `{…}` segments of the matched route, in order.
struct Call {
    const Request& request;
    std::optional<Caller> caller;
    std::vector<std::string> params;
    /// Set by a write once its events are durable: the sequence of the last one, which the
    /// response carries as `Deals-Sequence` (read your writes on a replica).
    mutable events::Sequence written = 0;
};

/// Adds `Deals-Sequence: <call.written>` to the successful answer of a write that appended.
void stamp_written(Response& response, const Call& call);

/// Splits a target into path and query, percent-decoding both. Returns false when the path or
/// a query parameter has a bad escape or does not decode to UTF-8, or the path holds an encoded
/// slash (`%2F`) or a NUL.
bool parse_target(Request& request);

}  // namespace deals::http
