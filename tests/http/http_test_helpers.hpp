#pragma once

// Small helpers shared by the HTTP route tests: parse a response body, create a deal, read the
// raw text of a number, send a request and check its status, body, message or field errors.
// Header-only; every test file that includes it runs its own TestServer.

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "commands/directory_commands.hpp"
#include "support/json.hpp"
#include "support/tokens.hpp"
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

inline std::string deal_url(std::int64_t id) { return "/api/deals/" + std::to_string(id); }

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

/// Sends a request and requires `status`; returns the parsed body (null for an empty one).
inline json::Document expect(HttpClient& client, const std::string& method,
                             const std::string& target, const std::string& body, int status) {
    const auto res = client.request(method, target, body);
    INFO(method << " " << target << " " << body << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == status);
    if (res.body.empty()) {
        return json::Document{};
    }
    return parse(res.body);
}

/// Sends a request and checks `status` with exactly `answer` back.
inline void expect_body(HttpClient& client, const std::string& method, const std::string& target,
                        const std::string& body, int status, const std::string& answer) {
    const auto res = client.request(method, target, body);
    INFO(method << " " << target << " " << body);
    CHECK(res.status == status);
    CHECK(res.body == answer);
}

/// A Laravel 422 body with one field and one message.
inline std::string one_error(const std::string& field, const std::string& message) {
    return R"({"message":")" + message + R"(","errors":{")" + field + R"(":[")" + message +
           R"("]}})";
}

/// The `message` of an answer, or `<no message>`.
inline std::string message_of(const json::Value& body) {
    if (!body.IsObject() || !body.HasMember("message") || !body["message"].IsString()) {
        return "<no message>";
    }
    return text(body["message"]);
}

/// Whether an answer has `errors.<field>`.
inline bool has_error(const json::Value& body, const char* field) {
    return body.IsObject() && body.HasMember("errors") && body["errors"].IsObject() &&
           body["errors"].HasMember(field);
}

/// GETs `target` and checks the status and the `message` of the answer.
inline void check_refused(HttpClient& client, const std::string& target, int status,
                          const std::string& message) {
    const auto res = client.get(target);
    INFO("GET " << target << " -> " << res.status << " " << res.body);
    CHECK(res.status == status);
    CHECK(message_of(parse(res.body)) == message);
}

/// GETs `target` and checks for a 422 with `errors.<field>`.
inline void check_422_on(HttpClient& client, const std::string& target, const char* field) {
    const auto res = client.get(target);
    INFO("GET " << target << " -> " << res.status << " " << res.body);
    CHECK(res.status == 422);
    CHECK(has_error(parse(res.body), field));
}

/// Percent-encodes a query value: every byte but the unreserved ones (UTF-8 bytes, '%', ',',
/// ' ', ':', ';' and '/' included).
inline std::string enc(std::string_view in) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : in) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += {'%', kHex[c >> 4], kHex[c & 15]};
        }
    }
    return out;
}

/// The ids of GET /api/deals?<query> (one big page).
inline std::vector<std::int64_t> list_ids(HttpClient& client, const std::string& query) {
    return ids_of(get_ok(client, "/api/deals?per_page=100&" + query)["data"]);
}

/// The ids found by GET /api/deals?q=<value> (the value is encoded here).
inline std::vector<std::int64_t> found(HttpClient& client, std::string_view q,
                                       const std::string& more = {}) {
    return list_ids(client, "q=" + enc(q) + more);
}

/// GET /api/deals/search?<query>; requires 200 and a bare array.
inline json::Document search(HttpClient& client, const std::string& query) {
    const auto res = client.get("/api/deals/search?" + query);
    INFO("GET /api/deals/search?" << query << " -> " << res.status << " " << res.body);
    REQUIRE(res.status == 200);
    auto body = parse(res.body);
    REQUIRE(body.IsArray());
    return body;
}

/// POSTs `body` to `target` from `n` admin clients at once; the status each got, in order.
inline std::vector<int> concurrent_posts(TestServer& server, int n, const std::string& target,
                                         const std::string& body) {
    std::vector<int> statuses(static_cast<std::size_t>(n));
    std::vector<std::thread> threads;
    threads.reserve(statuses.size());
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            auto client = server.client();
            statuses[static_cast<std::size_t>(i)] = client.post(target, body).status;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    return statuses;
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

/// Issues a token for an existing user straight through the store (as dealsctl does).
inline std::string issue_token(store::Store& store, events::UserId user) {
    const auto token = support::mint_token(store);
    const commands::IssueToken command{token.id, user, "direct", token.secret_sha256};
    auto decided = store.read([&](const auto& views) { return commands::decide(views, command); });
    REQUIRE(decided.has_value());
    REQUIRE(store
                .append_and_wait({events::token_stream(token.id),
                                  events::ExpectedVersion::no_stream(),
                                  std::move(*decided),
                                  {}})
                .has_value());
    return token.plain_text();
}

}  // namespace deals::testing::http_tests
