#include "tests/support/http_client.hpp"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace deals::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

std::optional<std::string> HttpResult::header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
        if (k == name) {
            return v;
        }
    }
    return std::nullopt;
}

struct HttpClient::Impl {
    unsigned short port;
    asio::io_context io;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;

    void connect() {
        stream.emplace(io);
        stream->connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        buffer.clear();
    }
};

HttpClient::HttpClient(unsigned short port, std::string token)
    : impl_(std::make_unique<Impl>()), token_(std::move(token)) {
    impl_->port = port;
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;

HttpResult HttpClient::request(const std::string& method, const std::string& target,
                               const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& headers) {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(impl_->port));
    if (!token_.empty()) {
        req.set(http::field::authorization, "Bearer " + token_);
    }
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
    }
    for (const auto& [k, v] : headers) {
        req.set(k, v);
    }
    req.body() = body;
    req.prepare_payload();
    req.keep_alive(true);
    for (int attempt = 0;; ++attempt) {
        const bool reused = impl_->stream.has_value();
        try {
            if (!impl_->stream) {
                impl_->connect();
            }
            try {
                http::write(*impl_->stream, req);
            } catch (const beast::system_error&) {
                // The server closed an idle keep-alive connection: resend on a new one.
                impl_->stream.reset();
                if (!reused || attempt > 0) {
                    throw;
                }
                continue;
            }
            http::response_parser<http::string_body> parser;
            parser.body_limit(64 * 1024 * 1024);
            if (method == "HEAD") {
                parser.skip(true);
            }
            http::read(*impl_->stream, impl_->buffer, parser);
            auto res = parser.release();
            HttpResult out;
            out.status = static_cast<int>(res.result_int());
            for (const auto& f : res) {
                std::string name(f.name_string());
                std::transform(name.begin(), name.end(), name.begin(), ::tolower);
                out.headers.emplace_back(name, std::string(f.value()));
            }
            out.body = std::move(res.body());
            if (!res.keep_alive()) {
                impl_->stream.reset();
            }
            return out;
        } catch (const beast::system_error&) {
            impl_->stream.reset();
            throw;
        }
    }
}

}  // namespace deals::testing
