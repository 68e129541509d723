// http/wire.hpp writes each answer in one buffer, byte for byte as Beast's serializer wrote the
// message the server used to build for it.

#include "http/wire.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

using namespace deals::http;
namespace bhttp = boost::beast::http;

namespace {

/// The message as the server built it before http/wire.hpp, serialized by Beast.
std::string beast_wire(Response out, const Request& request, const std::string& version,
                       bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(out.status), 11};
    if (out.status != 204) {
        res.set(bhttp::field::content_type, "application/json; charset=utf-8");
    }
    res.set("X-Request-Id", request.request_id);
    res.set("X-App-Version", version);
    for (auto& [name, value] : out.headers) {
        res.set(name, value);
    }
    res.keep_alive(keep_alive);
    const std::size_t length = out.body.size();
    if (request.method == "HEAD") {
        res.content_length(length);
    } else {
        res.body() = std::move(out.body);
        res.prepare_payload();
    }
    std::ostringstream os;
    os << res;
    return os.str();
}

Request request(std::string method) {
    Request r;
    r.method = std::move(method);
    r.request_id = "0123456789abcdef0123456789abcdef";
    return r;
}

}  // namespace

TEST_CASE("an answer's bytes are what Beast wrote for every status and header set",
          "[http][wire]") {
    const std::string body = R"({"id":12,"name":"Acme"})";
    struct Case {
        const char* what;
        Response response;
        std::string method;
        bool keep_alive;
    };
    const Case cases[] = {
        {"200 with ETag", {200, body, {{"ETag", "\"3\""}, {"Deals-Sequence", "41"}}}, "GET", true},
        {"201, connection closing", {201, body, {{"Location", "/api/deals/12"}}}, "POST", false},
        {"204", {204, "", {}}, "DELETE", true},
        {"HEAD", {200, body, {{"ETag", "\"3\""}}}, "HEAD", true},
        {"HEAD, closing", {404, body, {}}, "HEAD", false},
        {"own Content-Type",
         {200,
          "deals_log_sequence 4\n",
          {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}}},
         "GET",
         true},
        {"405 with Allow", {405, body, {{"Allow", "GET, HEAD, PUT, DELETE"}}}, "POST", true},
        {"431", {431, body, {}}, "GET", false},
        {"503 with Retry-After", {503, body, {{"Retry-After", "1"}}}, "PUT", true},
        {"307", {307, "", {{"Location", "http://leader:8080/api/deals?via=x"}}}, "POST", true},
        {"values trimmed", {200, body, {{"ETag", "  \"3\"\t"}}}, "GET", true},
        {"a name twice, in two cases",
         {200, body, {{"etag", "\"1\""}, {"ETag", "\"2\""}}},
         "GET",
         true},
        {"an unknown status", {599, body, {}}, "GET", true},
        {"an empty 200", {200, "", {}}, "GET", true},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const Request r = request(c.method);
        CHECK(to_wire(c.response, r, "0.1.0", c.keep_alive) ==
              beast_wire(c.response, r, "0.1.0", c.keep_alive));
    }
}
