// Structured logs and metrics of a real dealsd (issue 22, points 3 and 4): with
// `--log-format json --log-requests` every line is a JSON object and every request one line
// with its fields; no token, secret or body reaches the log; /metrics parses with Prometheus'
// own text parser and has the request counter and the histograms.

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "support/json.hpp"
#include "tests/e2e/e2e_helpers.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::e2e;

namespace {

constexpr const char* kBodyMarker = "body-marker-5c1e";

/// The requests of the mixed run: method, target, body; and the status each must answer.
struct Step {
    std::string method;
    std::string target;
    std::string body;
    int status;
    bool with_token = true;
};

std::vector<Step> mixed_run() {
    const std::string deal =
        std::string(R"({"name":")") + kBodyMarker + R"(","amount":1250,"stage_id":1})";
    return {
        {"POST", "/api/deals", deal, 201},
        {"POST", "/api/deals", deal, 201},
        {"GET", "/api/deals/1", "", 200},
        {"HEAD", "/api/deals/2", "", 200},
        {"PUT", "/api/deals/1", R"({"name":"renamed","amount":99})", 200},
        {"PUT", "/api/deals/2/status/won", "", 200},
        {"GET", "/api/deals?per_page=5&q=" + std::string(kBodyMarker), "", 200},
        {"GET", "/api/deals/search?q=renamed", "", 200},
        {"POST", "/api/deals/1/billable",
         R"({"tax_type":"exclusive","products":[{"name":"A","unit_price":10,"qty":2}]})", 200},
        {"GET", "/api/deals/999999", "", 404},
        {"POST", "/api/deals", R"({"amount":"many"})", 422},
        {"POST", "/api/deals/search", "", 405},
        {"GET", "/api/no-such-route", "", 404},
        {"GET", "/api/deals", "", 401, false},
        {"GET", "/healthz", "", 200, false},
    };
}

/// Every line as a JSON object; a line that is not one fails the test, naming it.
std::vector<json::Document> parsed(const std::vector<std::string>& lines) {
    std::vector<json::Document> out;
    for (const auto& line : lines) {
        json::Document d;
        d.Parse(line.c_str(), line.size());
        INFO("log line: " << line);
        REQUIRE_FALSE(d.HasParseError());
        REQUIRE(d.IsObject());
        REQUIRE(d.HasMember("time"));
        REQUIRE(d["time"].IsString());
        CHECK(std::regex_match(d["time"].GetString(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
        REQUIRE(d.HasMember("level"));
        REQUIRE(d.HasMember("msg"));
        out.push_back(std::move(d));
    }
    return out;
}

/// Requires the fields of a request line (support/log.hpp, http/access_log.hpp).
void check_request_line(const json::Document& d) {
    for (const char* key : {"request_id", "method", "route", "path", "remote"}) {
        INFO(key);
        REQUIRE(d.HasMember(key));
        CHECK(d[key].IsString());
    }
    for (const char* key : {"status", "bytes_out", "user_id"}) {
        INFO(key);
        REQUIRE(d.HasMember(key));
        CHECK(d[key].IsUint64());
    }
    REQUIRE(d.HasMember("duration_ms"));
    CHECK(d["duration_ms"].IsNumber());
    CHECK(d["duration_ms"].GetDouble() >= 0);
    CHECK(std::string(d["level"].GetString()) == "info");
    CHECK(std::regex_match(d["remote"].GetString(), std::regex(R"(127\.0\.0\.1:\d+)")));
}

bool line_has(const std::vector<std::string>& lines, const std::string& needle) {
    for (const auto& line : lines) {
        if (line.find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> file_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

}  // namespace

TEST_CASE(
    "json request logs have every field and no secret, and /metrics parses as Prometheus text",
    "[e2e][observability]") {
    TempDir dir;
    TempDir scratch;
    const std::string token = admin_token(dir.path());
    const std::string errors = scratch.path() + "/dealsd.stderr";
    Process server({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>" + shell_quoted(errors), DEALS_DEALSD,
                    "--data-dir", dir.path(), "--listen", "127.0.0.1:0", "--threads", "2",
                    "--log-format", "json", "--log-requests"});
    std::vector<std::string> out = read_lines(server, "listening on http://");
    REQUIRE_FALSE(out.empty());
    const auto listening = parsed({out.back()});
    const std::string url = listening[0]["url"].GetString();
    HttpClient client(port_of("listening on " + url), token);

    // The run, and a second token made through the API: its secret must not be logged either.
    const auto steps = mixed_run();
    for (const auto& step : steps) {
        client.set_token(step.with_token ? token : "");
        INFO(step.method << " " << step.target);
        CHECK(client.request(step.method, step.target, step.body).status == step.status);
    }
    client.set_token(token);
    const auto made = client.post("/api/personal-access-tokens", R"({"name":"observed"})");
    REQUIRE(made.status == 201);
    json::Document made_body;
    made_body.Parse(made.body.c_str());
    const std::string second = made_body["plainTextToken"].GetString();
    client.set_token(second);
    REQUIRE(client.get("/api/deals/1").status == 200);
    client.set_token("");
    const auto scrape = client.get("/metrics");
    REQUIRE(scrape.status == 200);
    const std::size_t requests = steps.size() + 3;

    // /metrics through prometheus_client's parser.
    const std::string scrape_file = scratch.path() + "/metrics.txt";
    std::ofstream(scrape_file) << scrape.body;
    const auto script = std::filesystem::path(DEALS_SOURCE_DIR) / "tests/e2e/check_metrics.py";
    std::string expected;
    for (const char* triple :
         {"/api/deals POST 201", "/api/deals/{id} GET 200", "/api/deals/{id} HEAD 200",
          "/api/deals/{id} PUT 200", "/api/deals/{id}/status/{status} PUT 200",
          "/api/deals/{id}/billable POST 200", "/api/deals/{id} GET 404", "/api/deals POST 422",
          "/api/deals/search POST 405", "unmatched GET 404", "/api/deals GET 401",
          "/healthz GET 200", "/api/personal-access-tokens POST 201"}) {
        expected += " " + std::string(triple);
    }
    const auto checked = run_command("/usr/bin/python3 " + shell_quoted(script.string()) + " " +
                                     shell_quoted(scrape_file) + expected + " 2>&1");
    INFO("check_metrics.py: " << checked.out);
    CHECK(checked.status == 0);

    server.kill(SIGTERM);
    for (auto& line : read_lines(server)) {
        out.push_back(std::move(line));
    }
    REQUIRE(server.wait() == 0);
    std::vector<std::string> all = out;
    for (auto& line : file_lines(errors)) {
        all.push_back(std::move(line));
    }

    // Every line a JSON object; the request lines complete, one per request.
    const auto lines = parsed(all);
    std::map<std::string, int> routes;
    std::size_t request_lines = 0;
    for (const auto& d : lines) {
        if (!d.HasMember("request_id")) {
            continue;
        }
        ++request_lines;
        check_request_line(d);
        const std::string route = d["route"].GetString();
        const bool public_route = route == "/healthz" || route == "/metrics";
        const int status = d["status"].GetInt();
        INFO(route << " " << status);
        // Authenticated: every matched, non-public route, unless refused before (401, 405).
        const bool authenticated =
            !public_route && route != "unmatched" && status != 401 && status != 405;
        CHECK((d["user_id"].GetUint64() > 0) == authenticated);
        ++routes[route + " " + d["method"].GetString() + " " + std::to_string(status)];
    }
    CHECK(request_lines == requests);
    CHECK(routes["/api/deals/{id} GET 200"] == 2);
    CHECK(routes["/api/deals/{id} HEAD 200"] == 1);
    CHECK(routes["unmatched GET 404"] == 1);
    CHECK(routes["/api/deals/search POST 405"] == 1);
    CHECK(line_has(all, "\"msg\":\"stopped: "));

    // No token, secret or body in any line.
    const std::string secret = token.substr(token.find('|') + 1);
    const std::string second_secret = second.substr(second.find('|') + 1);
    for (const auto& line : all) {
        INFO("log line: " << line);
        CHECK(line.find(secret) == std::string::npos);
        CHECK(line.find(second_secret) == std::string::npos);
        CHECK(line.find(kBodyMarker) == std::string::npos);
        CHECK(line.find("renamed") == std::string::npos);
    }
}
