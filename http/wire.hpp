#pragma once

#include <string>
#include <string_view>

#include "http/request.hpp"

namespace deals::http {

/// The bytes of the HTTP/1.1 answer to `request`, in one buffer for one write: byte for byte
/// what Beast's serializer writes for the message we used to build (tests/http/wire_test.cpp):
/// the status line; `Content-Type: application/json; charset=utf-8` (not for 204),
/// `X-Request-Id`, `X-App-Version`; the response's own headers, each replacing an earlier one of
/// the same name (in any case) as Beast's `set` does, values trimmed of spaces and tabs;
/// `Connection: close` when the connection ends after it; `Content-Length` (the body's length,
/// also for HEAD, which gets no body). Handlers do not set `Connection` themselves.
std::string to_wire(const Response& out, const Request& request, std::string_view version,
                    bool keep_alive);

}  // namespace deals::http
