#pragma once

// Shared by the replica tests (follower, failover): comparing what servers serve and waiting
// for a follower to catch up. Header only.

#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include "events/ids.hpp"
#include "tests/support/http_client.hpp"

namespace deals::testing::e2e {

/// A body without what depends on the time it is shown at (the time spent in each stage) and
/// on the server asked (the links of a list page name its host and port).
inline std::string timeless(const std::string& body) {
    static const std::regex kNow(R"("time_in_stages":\{[^}]*\})");
    static const std::regex kServer(R"(http://127\.0\.0\.1:\d+)");
    return std::regex_replace(std::regex_replace(body, kNow, "\"time_in_stages\":{}"), kServer,
                              "http://server");
}

/// The `"sequence":N` of GET /healthz (no token needed: a follower knows the leader's tokens
/// only once it has applied them).
inline events::Sequence head_of(HttpClient& client) {
    const auto head = client.get("/healthz");
    REQUIRE(head.status == 200);
    const auto at = head.body.find("\"sequence\":");
    REQUIRE(at != std::string::npos);
    return std::stoull(head.body.substr(at + 11));
}

/// What a server's reads see: a follower's `"applied_sequence"` (its views, which follow its
/// log), else the `"sequence"` of GET /healthz.
inline events::Sequence applied_of(HttpClient& server) {
    const auto health = server.get("/healthz");
    REQUIRE(health.status == 200);
    const auto at = health.body.find("\"applied_sequence\":");
    return at == std::string::npos ? head_of(server) : std::stoull(health.body.substr(at + 19));
}

/// Waits until the server has applied `sequence` (it polls what the server's reads see, for at
/// most 30 s); returns what it saw.
inline events::Sequence caught_up(HttpClient& server, events::Sequence sequence) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    events::Sequence seen = 0;
    while ((seen = applied_of(server)) < sequence && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling its head
    }
    return seen;
}

inline void create_deals(HttpClient& leader, int from, int count) {
    for (int i = from; i < from + count; ++i) {
        const auto res = leader.post(
            "/api/deals", R"({"name":"Deal )" + std::to_string(i) + R"(","stage_id":1})");
        REQUIRE(res.status == 201);
    }
}

}  // namespace deals::testing::e2e
