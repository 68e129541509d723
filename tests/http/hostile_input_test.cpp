// Hostile input, table-driven: every request here is wrong in some way, and each must get a 4xx
// in the contract's error envelope (§3) and leave the log exactly as it was. The server must
// then still answer normally.

#include <catch2/catch.hpp>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;

namespace {

struct Case {
    std::string method;
    std::string target;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

std::string nested(std::size_t depth) {
    return R"({"name":"Deep","stage_id":1,"billable":)" + std::string(depth, '[') +
           std::string(depth, ']') + "}";
}

std::string deal_with(const std::string& member) {
    return R"({"name":"Base","stage_id":1,)" + member + "}";
}

/// Wrong types for every field of §5.1 on create and on update.
std::vector<std::string> wrong_fields() {
    std::vector<std::string> out;
    for (const auto* v : {"1", "true", "[]", "{}", R"("")", "null"}) {
        out.push_back(std::string(R"({"stage_id":1,"name":)") + v + "}");
    }
    for (const auto* v : {"true", "[]", "{}", R"("no such stage")", "0", "-1", "1.5",
                          "99999999999999999999", "null"}) {
        out.push_back(std::string(R"({"name":"Base","stage_id":)") + v + "}");
    }
    const std::vector<std::pair<std::string, std::vector<std::string>>> fields = {
        {"pipeline_id", {"true", "[]", "{}", R"("no such pipeline")", "-1"}},
        {"amount",
         {R"("abc")", "true", "[]", "{}", "1e400", "-1e400", R"("1e13")", "10000000000000",
          R"("NaN")", R"("Infinity")", R"("0x10")"}},
        {"expected_close_date", {"5", "true", "[]", "{}", R"("not a date")", R"("2026-13-45")"}},
        {"status", {"5", "true", "[]", "{}", R"("closed")", "null"}},
        {"lost_reason", {"5", "true", "[]", "{}", "\"" + std::string(192, 'r') + "\""}},
        {"user_id", {"true", "[]", "{}", R"("nobody at all")", "-5", "99999"}},
        {"swatch_color", {"5", "true", "[]", "{}", R"("red")", R"("#12")", R"("#gggggg")"}},
        {"contacts", {"5", "true", "{}", R"("a,b")", "[-1]", "[0]", R"(["x"])", "[[1]]", "[1.5]"}},
        {"companies", {"true", "{}", R"("x")", "[-1]", "[{}]"}},
        {"activities", {"true", "{}", R"("x")", "[0]", "[null]"}},
        {"billable", {"5", "true", R"("x")", "[1]", R"({"products":5})",
                      R"({"products":[{"name":"x"}]})", R"({"tax_type":"sideways"})"}},
    };
    for (const auto& [field, values] : fields) {
        for (const auto& v : values) {
            out.push_back(deal_with("\"" + field + "\":" + v));
        }
    }
    return out;
}

std::vector<Case> corpus() {
    std::vector<Case> cases;
    const auto post = [&](const std::string& body) { cases.push_back({"POST", "/api/deals", body, {}}); };
    // Malformed JSON.
    for (const auto* body : {"{", R"({"name":)", R"({"name":"x",})", R"({"name":"x" "stage_id":1})",
                             "[]", "null", R"("str")", "123", "", "   ", "{}{}", R"({'name':'x'})",
                             R"({"name":"x","stage_id":1}garbage)", "\xef\xbb\xbf{}",
                             R"({"name":"\x"})", R"({"name":"unterminated)"}) {
        post(body);
    }
    // Deep nesting and huge numbers, NaN and Infinity.
    post(nested(100000));
    post(R"({"name":"x","stage_id":)" + std::string(5000, '9') + "}");
    post(R"({"name":"x","stage_id":1,"amount":)" + std::string(5000, '9') + "}");
    for (const auto* v : {"NaN", "Infinity", "-Infinity", "nan", "1e99999", "-0x1", "+1", ".5", "01"}) {
        post(std::string(R"({"name":"x","stage_id":1,"amount":)") + v + "}");
    }
    // Text that is not UTF-8, or not allowed.
    for (const auto* name : {"\xff\xfe", "\xc0\xaf", "\xed\xa0\x80", "a\xe2\x82", "\xf8\x88\x80\x80\x80",
                             "\\ud800", "\\udc00x"}) {
        post(std::string(R"({"stage_id":1,"name":")") + name + "\"}");
    }
    post(R"({"stage_id":1,"name":")" + std::string(192, 'n') + "\"}");
    post(R"({"stage_id":1,"name":")" + std::string(200000, 'n') + "\"}");
    // Duplicate keys.
    post(R"({"name":"a","name":"b","stage_id":1})");
    post(R"({"name":"a","stage_id":1,"stage_id":1})");
    // Wrong types, every field.
    for (const auto& body : wrong_fields()) {
        post(body);
        cases.push_back({"PUT", "/api/deals/1", body, {}});
    }
    // Ids that are not ids, and path tricks.
    for (const auto* id : {"0", "-1", "abc", "1.5", "1e3", "99999999999999999999999", "%201", "1%00",
                           "0x1", "+1", "1;2", "%2e%2e", ".."}) {
        for (const auto* method : {"GET", "PUT", "DELETE"}) {
            cases.push_back({method, std::string("/api/deals/") + id,
                             method == std::string("PUT") ? R"({"name":"x"})" : "", {}});
        }
        cases.push_back({"POST", std::string("/api/deals/") + id + "/billable",
                         R"({"products":[]})", {}});
        cases.push_back({"PUT", std::string("/api/deals/") + id + "/status/won", "", {}});
    }
    for (const auto* target : {"/api/deals/1/../2", "/api/deals/1/%2e%2e/2", "/api/deals/%2e%2e/users",
                               "/api/deals%2F1", "/api/deals/1%2F..%2F2", "/api/deals/1%2f",
                               "/api/deals/1/status/%00", "/api/deals/1/status/won%0d%0aX:1",
                               "/../api/deals", "/api/deals/\xff", "/api/deals/1/status/WON"}) {
        cases.push_back({"PUT", target, R"({"name":"x"})", {}});
        cases.push_back({"GET", target, "", {}});
    }
    // Query strings: repeated and malformed parameters.
    for (const auto* q : {"order=name|sideways", "order=nope", "q=%zz", "q=%", "q=%ff",
                          "with=nope", "select=nope", "%=1", "a=%e2%82", "q=%c0%af",
                          "q=a&q=%ed%a0%80"}) {
        cases.push_back({"GET", std::string("/api/deals?") + q, "", {}});
    }
    cases.push_back({"GET", "/api/deals/1?as_of=not-a-time", "", {}});
    cases.push_back({"GET", "/api/deals/1?as_of=0", "", {}});
    cases.push_back({"GET", "/api/deals/1/events?from_version=x", "", {}});
    cases.push_back({"GET", "/api/deals/1/events?limit=5&limit=-1", "", {}});  // the last counts
    // Headers: bad tokens, preconditions and keys.
    cases.push_back({"GET", "/api/deals", "", {{"Authorization", "Bearer "}}});
    cases.push_back({"GET", "/api/deals", "", {{"Authorization", "Basic YTpi"}}});
    cases.push_back({"GET", "/api/deals", "", {{"Authorization", "Bearer 1|"}}});
    cases.push_back({"GET", "/api/deals", "", {{"Authorization", "Bearer \x01\x02"}}});
    cases.push_back({"PUT", "/api/deals/1", R"({"name":"x"})", {{"If-Match", "\"999\""}}});
    cases.push_back({"PUT", "/api/deals/1", R"({"name":"x"})", {{"If-Match", "\"abc\""}}});
    cases.push_back({"POST", "/api/deals", R"({"name":"x","stage_id":1})",
                     {{"Idempotency-Key", std::string(300, 'k')}}});
    return cases;
}

void check_envelope(const HttpResult& res) {
    INFO("body: " << res.body.substr(0, 300));
    CHECK(res.status >= 400);
    CHECK(res.status < 500);
    if (res.status < 400 || res.status >= 500) {
        return;
    }
    REQUIRE(res.header("content-type") == "application/json; charset=utf-8");
    deals::json::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(res.body.c_str(), res.body.size());
    REQUIRE_FALSE(doc.HasParseError());
    REQUIRE(doc.IsObject());
    if (res.status == 403 && doc.HasMember("error")) {
        REQUIRE(doc["error"].IsString());  // the user without API access (§3)
        return;
    }
    REQUIRE(doc.HasMember("message"));
    REQUIRE(doc["message"].IsString());
    if (res.status == 422) {
        REQUIRE(doc.HasMember("errors"));
        REQUIRE(doc["errors"].IsObject());
        REQUIRE(doc["errors"].MemberCount() > 0);
        for (const auto& m : doc["errors"].GetObject()) {
            REQUIRE(m.value.IsArray());
            REQUIRE(m.value.Size() > 0);
        }
    }
}

}  // namespace

TEST_CASE("hostile requests get a 4xx in the error envelope and change nothing",
          "[http][hostile]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Target", R"(,"amount":10)");
    REQUIRE(id == 1);
    const auto before_deal = client.get("/api/deals/1").body;
    const auto head = server.store().log().head_sequence();
    std::size_t n = 0;
    for (const auto& c : corpus()) {
        INFO("case " << n << ": " << c.method << " " << c.target.substr(0, 120) << " body "
                     << c.body.substr(0, 120));
        ++n;
        const auto res = client.request(c.method, c.target, c.body, c.headers);
        check_envelope(res);
        CHECK(server.store().log().head_sequence() == head);
    }
    INFO("cases: " << n);
    CHECK(n > 250);
    // Paging is lenient by contract (§4): a bad page or per_page is page 1, 15 per page.
    for (const auto* q : {"page=abc", "page=-1", "page=0", "per_page=x", "per_page=-5",
                          "page=1&page=x", "page=99999999999999999999999", "per_page=1e9",
                          "order=|", "order=|desc",  // an order without a field is dropped
                          "search_fields=nope",      // without q there is no search
                          "as_of=yesterday"}) {      // only GET /api/deals/{id} reads the past
        INFO(q);
        const auto res = client.get(std::string("/api/deals?") + q);
        CHECK(res.status == 200);
        CHECK(server.store().log().head_sequence() == head);
    }
    // per_page beyond 64 bits is clamped to 100 like any other large value (contract §15).
    for (const auto* q : {"per_page=99999999999999999999999", "per_page=100000"}) {
        INFO(q);
        CHECK(get_ok(client, std::string("/api/deals?") + q)["meta"]["per_page"].GetInt64() == 100);
    }
    // Still answering, and the deal is as it was.
    CHECK(client.get("/api/deals/1").body == before_deal);
    CHECK(get_ok(client, "/api/deals")["meta"]["total"].GetInt64() == 1);
}

TEST_CASE("header injection never reaches the response or the log", "[http][hostile]") {
    TestServer server;
    auto client = server.client();
    // The client's CR LF makes a second header; the server treats it as one, and echoes only the
    // request id (printable ASCII, up to 200 bytes) it accepted.
    const auto split = client.request("GET", "/api/deals", {},
                                      {{"X-Request-Id", "abc\r\nX-Injected: yes"}});
    CHECK(split.status == 200);
    CHECK(split.header("x-request-id") == "abc");
    CHECK_FALSE(split.header("x-injected").has_value());
    for (const std::string& bad : {std::string("tab\there"), std::string(201, 'r'),
                                  std::string("two words"), std::string("caf\xc3\xa9")}) {
        const auto res = client.request("GET", "/api/deals", {}, {{"X-Request-Id", bad}});
        INFO(bad);
        CHECK(res.status == 200);
        const auto id = res.header("x-request-id").value_or("");
        CHECK(id.size() == 32);
        CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    }
    // A correlation id that is not acceptable never goes into an event.
    const auto created = client.request("POST", "/api/deals", R"({"name":"Traced","stage_id":1})",
                                        {{"X-Request-Id", "req-1"},
                                         {"X-Correlation-Id", "bad id"}});
    REQUIRE(created.status == 201);
    const auto events = server.store().log().read_range(1, server.store().log().head_sequence(), 100);
    REQUIRE_FALSE(events.empty());
    CHECK(events.back().meta.request_id == "req-1");
    CHECK(events.back().meta.correlation_id == "req-1");
    // Control characters in a header value are not HTTP (RFC 9110 5.5): 400, in the envelope.
    const auto control = client.request("GET", "/api/deals", {}, {{"X-Request-Id", "del\x7f"}});
    CHECK(control.status == 400);
    CHECK(control.body == R"({"message":"Malformed HTTP request."})");
    CHECK(control.header("connection") == "close");
}
