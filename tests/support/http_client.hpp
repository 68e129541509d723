#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deals::testing {

/// What came back from the server.
struct HttpResult {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
    std::string body;
    [[nodiscard]] std::optional<std::string> header(const std::string& name) const;
};

/// A blocking HTTP/1.1 client on one keep-alive connection to 127.0.0.1:port, for tests.
/// Reconnects when the server closed the connection. Not thread-safe: one per thread.
class HttpClient {
public:
    explicit HttpClient(unsigned short port, std::string token = {});
    ~HttpClient();
    HttpClient(HttpClient&&) noexcept;

    /// Sends a request; `token` (when set) goes as `Authorization: Bearer <token>`.
    HttpResult request(const std::string& method, const std::string& target,
                       const std::string& body = {},
                       const std::vector<std::pair<std::string, std::string>>& headers = {});
    HttpResult get(const std::string& target) { return request("GET", target); }
    HttpResult post(const std::string& target, const std::string& body) {
        return request("POST", target, body);
    }
    HttpResult put(const std::string& target, const std::string& body) {
        return request("PUT", target, body);
    }
    HttpResult del(const std::string& target) { return request("DELETE", target); }

    void set_token(std::string token) { token_ = std::move(token); }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string token_;
};

}  // namespace deals::testing
