#pragma once

#include <chrono>
#include <string_view>

#include "http/request.hpp"
#include "http/request_metrics.hpp"

namespace deals::http {

/// An answered request, as the server saw it.
struct Answered {
    const Request& request;
    const Response& response;
    std::string_view remote;        ///< the client's address and port
    std::chrono::nanoseconds took;  ///< from the whole request read to its answer ready
    std::size_t bytes_out;          ///< body bytes sent (none for HEAD)
};

/// Counts the request in `metrics` and logs it: every 5xx as an error line (always), any other
/// with `log_requests` as a request line (dealsd --log-requests). The fields: request_id,
/// method, route (the template; "unmatched"), path (without the query), status, duration_ms,
/// bytes_out, user_id (0: none authenticated), remote. Never a header, a query or a body: no
/// token or secret reaches the log.
void record_answer(RequestMetrics& metrics, const Answered& answered, bool log_requests);

}  // namespace deals::http
