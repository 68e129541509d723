// libFuzzer: raw bytes as an HTTP/1.1 request, through the server's own parse path: Beast's
// parser with the server's limits, then the target (path, query) and the JSON body decoding.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/json_body.hpp"
#include "http/request.hpp"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1024 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(data, size), ec);
    if (ec || !parser.is_header_done()) {
        return 0;
    }
    const auto& in = parser.get();
    deals::http::Request request;
    request.method = std::string(in.method_string());
    request.target = std::string(in.target());
    for (const auto& field : in) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = in.body();
    if (deals::http::parse_target(request)) {
        (void)request.param("page");
        (void)deals::http::parse_json_object(request.body);
    }
    return 0;
}
