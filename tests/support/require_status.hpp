#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "tests/support/http_client.hpp"

namespace deals::testing {

/// Sends one request and requires its status; on a mismatch Catch prints the whole exchange.
inline void require_status(HttpClient& client, const std::string& method,
                           const std::string& target, const std::string& body, int status) {
    const auto res = client.request(method, target, body);
    INFO(method << " " << target << " " << body << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == status);
}

}  // namespace deals::testing
