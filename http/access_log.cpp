#include "http/access_log.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "http/router.hpp"
#include "support/log.hpp"

namespace deals::http {

void record_answer(RequestMetrics& metrics, const Answered& a, bool log_requests) {
    const Request& request = a.request;
    const Response& response = a.response;
    metrics.observe(response.route, request.method, response.status, a.took);
    const bool failed = response.status >= 500;
    if (!failed && !log_requests) {
        return;
    }
    const std::string_view route = response.route >= 0
                                       ? routes()[static_cast<std::size_t>(response.route)].pattern
                                       : std::string_view("unmatched");
    // A target that did not parse has no path: its raw form could hold anything, so it is
    // logged as unmatched with an empty path.
    thread_local std::string message;  // its capacity kept: no allocation per request
    char status[16];
    const auto digits = std::to_chars(status, status + sizeof status, response.status);
    message.assign(request.method).append(" ").append(request.path).append(" ");
    message.append(status, digits.ptr);
    const double duration_ms =
        std::round(std::chrono::duration<double, std::micro>(a.took).count()) / 1000.0;
    const logging::Fields fields = {{"request_id", request.request_id},
                                    {"method", request.method},
                                    {"route", route},
                                    {"path", request.path},
                                    {"status", response.status},
                                    {"duration_ms", duration_ms},
                                    {"bytes_out", a.bytes_out},
                                    {"user_id", response.user_id},
                                    {"remote", a.remote}};
    if (failed) {
        logging::error(message, fields);
    } else {
        logging::request(message, fields);
    }
}

}  // namespace deals::http
