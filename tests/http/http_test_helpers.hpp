#pragma once

// Small helpers shared by the HTTP route tests: parse a response body, create a deal, read the
// raw text of a number. Header-only; every test file that includes it runs its own TestServer.

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/json.hpp"
#include "tests/support/test_server.hpp"

namespace deals::testing::http_tests {

/// The manual clock's start, as the API prints timestamps.
inline constexpr const char* kStartTime = "2026-03-01T10:00:00.000000Z";

/// Parses a JSON response body; fails the test when it is not JSON.
inline json::Document parse(const std::string& body) {
    json::Document doc;
    doc.Parse(body.c_str(), body.size());
    INFO("body: " << body);
    REQUIRE_FALSE(doc.HasParseError());
    return doc;
}

/// The member names of a JSON object, in the order they were sent.
inline std::vector<std::string> keys_of(const json::Value& object) {
    std::vector<std::string> out;
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
        out.emplace_back(it->name.GetString(), it->name.GetStringLength());
    }
    return out;
}

inline std::string text(const json::Value& v) { return {v.GetString(), v.GetStringLength()}; }

/// The `id` of each item of a JSON array of objects.
inline std::vector<std::int64_t> ids_of(const json::Value& items) {
    std::vector<std::int64_t> out;
    for (const auto& item : items.GetArray()) {
        out.push_back(item["id"].GetInt64());
    }
    return out;
}

/// The `name` of each item of a JSON array of objects.
inline std::vector<std::string> names_of(const json::Value& items) {
    std::vector<std::string> out;
    for (const auto& item : items.GetArray()) {
        out.push_back(text(item["name"]));
    }
    return out;
}

/// The raw JSON text of the first `"key":<number>` in `body` (`1250.5`, `1800`), so tests can
/// check how a number is printed, not only its value.
inline std::string raw_number(const std::string& body, const std::string& key) {
    const std::string needle = "\"" + key + "\":";
    const auto at = body.find(needle);
    if (at == std::string::npos) {
        return "<no " + key + ">";
    }
    const auto start = at + needle.size();
    const auto end = body.find_first_of(",}]", start);
    return body.substr(start, end - start);
}

/// POSTs `body` to /api/deals and requires a 201; returns the parsed deal.
inline json::Document create_deal(HttpClient& client, const std::string& body) {
    const auto res = client.post("/api/deals", body);
    INFO("POST /api/deals " << body << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == 201);
    return parse(res.body);
}

/// Creates a deal named `name` in the first stage; returns its id.
inline std::int64_t create_named(HttpClient& client, const std::string& name,
                                 const std::string& extra = {}) {
    const auto deal =
        create_deal(client, R"({"name":")" + name + R"(","stage_id":1)" + extra + "}");
    return deal["id"].GetInt64();
}

/// GETs `target` and requires a 200; returns the parsed body.
inline json::Document get_ok(HttpClient& client, const std::string& target) {
    const auto res = client.get(target);
    INFO("GET " << target << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == 200);
    return parse(res.body);
}

/// The query parameters of an absolute URL, decoded only as far as the tests need (none).
inline std::multimap<std::string, std::string> query_of(const std::string& url) {
    std::multimap<std::string, std::string> out;
    const auto q = url.find('?');
    if (q == std::string::npos) {
        return out;
    }
    std::string rest = url.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string part = rest.substr(0, amp);
        rest = amp == std::string::npos ? std::string{} : rest.substr(amp + 1);
        const auto eq = part.find('=');
        out.emplace(part.substr(0, eq), eq == std::string::npos ? "" : part.substr(eq + 1));
    }
    return out;
}

/// The URL without its query string.
inline std::string path_of(const std::string& url) { return url.substr(0, url.find('?')); }

}  // namespace deals::testing::http_tests
