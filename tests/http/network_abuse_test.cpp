// Network abuse: oversized headers and bodies, slow and idle clients, too many connections,
// pipelined and cut-off requests. Each limit holds, and the server goes on answering others.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;
using Clock = std::chrono::steady_clock;

namespace {

/// A raw TCP connection to the server, for requests no well-behaved client would send.
class Raw {
public:
    explicit Raw(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        REQUIRE(fd_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~Raw() { ::close(fd_); }
    Raw(const Raw&) = delete;
    Raw& operator=(const Raw&) = delete;

    /// False once the server has closed (a reset shows here).
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    /// Everything the server sends until it closes, or until `limit` passes (then `closed` is
    /// false).
    std::string read_until_close(std::chrono::milliseconds limit, bool& closed) {
        std::string out;
        const auto deadline = Clock::now() + limit;
        closed = false;
        while (Clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - Clock::now());
            if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 1))) <= 0) {
                continue;
            }
            char buf[65536];
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                closed = true;
                break;
            }
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

    /// Reads `count` whole responses (each framed by its Content-Length).
    std::vector<std::string> read_responses(std::size_t count) {
        std::vector<std::string> out;
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        while (out.size() < count && Clock::now() < deadline) {
            const auto end = pending_.find("\r\n\r\n");
            if (end != std::string::npos) {
                const auto at = pending_.find("Content-Length: ");
                REQUIRE(at != std::string::npos);
                const auto length = std::stoul(pending_.substr(at + 16));
                if (pending_.size() >= end + 4 + length) {
                    out.push_back(pending_.substr(0, end + 4 + length));
                    pending_.erase(0, end + 4 + length);
                    continue;
                }
            }
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) {
                continue;
            }
            char buf[65536];
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                break;
            }
            pending_.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    int fd_;
    std::string pending_;
};

int status_of(const std::string& response) {
    return response.size() > 12 && response.starts_with("HTTP/1.1 ") ? std::stoi(response.substr(9, 3))
                                                                        : 0;
}

std::string body_of(const std::string& response) {
    const auto end = response.find("\r\n\r\n");
    return end == std::string::npos ? "" : response.substr(end + 4);
}

deals::http::ServerConfig tight() {
    deals::http::ServerConfig config;
    config.read_timeout = std::chrono::seconds(1);
    config.idle_timeout = std::chrono::seconds(2);
    config.body_limit = 4096;
    config.max_connections = 40;
    return config;
}

/// A GET from a fresh, well-behaved client: the server is still serving others.
double served_in_ms(TestServer& server) {
    auto client = server.client();
    const auto start = Clock::now();
    const auto res = client.get("/api/deals?per_page=1");
    CHECK(res.status == 200);
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string auth(const TestServer& server) {
    return "Authorization: Bearer " + server.admin_token() + "\r\n";
}

}  // namespace

TEST_CASE("a header section over 16 KiB is answered 431 and the connection closed",
          "[http][abuse]") {
    TestServer server(tight());
    Raw raw(server.port());
    raw.send("GET /api/deals HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
             "\r\n\r\n");
    bool closed = false;
    const auto response = raw.read_until_close(std::chrono::seconds(5), closed);
    CHECK(closed);
    CHECK(status_of(response) == 431);
    CHECK(body_of(response) == R"({"message":"Request header fields too large."})");
    CHECK(served_in_ms(server) < 1000);
}

TEST_CASE("a body over the limit is 413, whether announced or chunked, and writes nothing",
          "[http][abuse]") {
    TestServer server(tight());
    const auto head = server.store().log().head_sequence();
    const std::string big = R"({"name":")" + std::string(5000, 'n') + R"(","stage_id":1})";
    {
        Raw raw(server.port());
        raw.send("POST /api/deals HTTP/1.1\r\nHost: x\r\n" + auth(server) +
                 "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(big.size()) + "\r\n\r\n" + big);
        bool closed = false;
        const auto response = raw.read_until_close(std::chrono::seconds(5), closed);
        CHECK(status_of(response) == 413);
        CHECK(body_of(response) == R"({"message":"Request body too large."})");
    }
    {
        Raw raw(server.port());
        std::string chunked;
        for (std::size_t i = 0; i < big.size(); i += 1000) {
            const auto part = big.substr(i, 1000);
            char size[16];
            std::snprintf(size, sizeof size, "%zx", part.size());
            chunked += std::string(size) + "\r\n" + part + "\r\n";
        }
        chunked += "0\r\n\r\n";
        raw.send("POST /api/deals HTTP/1.1\r\nHost: x\r\n" + auth(server) +
                 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked);
        bool closed = false;
        const auto response = raw.read_until_close(std::chrono::seconds(5), closed);
        CHECK(status_of(response) == 413);
    }
    CHECK(server.store().log().head_sequence() == head);
}

TEST_CASE("a client sending a byte at a time is cut off after the read timeout, while others "
          "are served",
          "[http][abuse]") {
    auto config = tight();
    config.idle_timeout = std::chrono::seconds(10);  // far longer: the read timeout must cut it
    TestServer server(config);
    Raw slow(server.port());
    const std::string request = "GET /api/deals HTTP/1.1\r\nHost: x\r\n" + auth(server) +
                                "X-Padding: " + std::string(200, 'p') + "\r\n\r\n";
    const auto start = Clock::now();
    std::size_t sent = 0;
    double worst_ms = 0;
    bool cut = false;
    while (sent < request.size() && Clock::now() - start < std::chrono::seconds(6)) {
        if (!slow.send(request.substr(sent, 1))) {
            cut = true;
            break;
        }
        ++sent;
        if (sent % 10 == 0) {
            worst_ms = std::max(worst_ms, served_in_ms(server));
        }
        bool closed = false;
        slow.read_until_close(std::chrono::milliseconds(50), closed);
        if (closed) {
            cut = true;
            break;
        }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    INFO("bytes sent " << sent << " of " << request.size() << " in " << elapsed << " s");
    CHECK(cut);
    CHECK(sent < request.size());
    CHECK(elapsed >= 0.9);  // the read timeout is 1 s, counted from the first byte
    CHECK(elapsed < 3.0);
    CHECK(worst_ms < 500);
}

TEST_CASE("idle connections are closed after the idle timeout, and served until then",
          "[http][abuse]") {
    TestServer server(tight());
    Raw idle(server.port());
    const auto start = Clock::now();
    bool closed = false;
    idle.read_until_close(std::chrono::seconds(5), closed);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(closed);
    CHECK(elapsed >= 1.9);  // idle timeout 2 s
    CHECK(elapsed < 4.0);

    // A keep-alive connection that is used is kept.
    Raw used(server.port());
    for (int i = 0; i < 3; ++i) {
        REQUIRE(used.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
        const auto responses = used.read_responses(1);
        REQUIRE(responses.size() == 1);
        CHECK(status_of(responses[0]) == 200);
        bool gone = false;
        used.read_until_close(std::chrono::milliseconds(1000), gone);
        CHECK_FALSE(gone);
    }
}

TEST_CASE("connections over the limit get 503 at once; those within it keep working",
          "[http][abuse]") {
    TestServer server(tight());  // at most 40 connections
    std::vector<std::unique_ptr<Raw>> held;
    for (int i = 0; i < 40; ++i) {
        held.push_back(std::make_unique<Raw>(server.port()));
    }
    // Each held one has been accepted once it answers.
    for (auto& r : held) {
        REQUIRE(r->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
        const auto responses = r->read_responses(1);
        REQUIRE(responses.size() == 1);
        REQUIRE(status_of(responses[0]) == 200);
    }
    Raw extra(server.port());
    bool closed = false;
    const auto refused = extra.read_until_close(std::chrono::seconds(5), closed);
    CHECK(closed);
    CHECK(status_of(refused) == 503);
    CHECK(refused.find("Retry-After: 1\r\n") != std::string::npos);
    CHECK(body_of(refused) == R"({"message":"Service Unavailable"})");

    // The 40 are still served.
    for (auto& r : held) {
        REQUIRE(r->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
        const auto responses = r->read_responses(1);
        REQUIRE(responses.size() == 1);
        CHECK(status_of(responses[0]) == 200);
    }
    // Room again once some leave (the server sees the close when it reads EOF).
    held.resize(30);
    int status = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (status != 200 && Clock::now() < deadline) {
        Raw again(server.port());
        again.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        bool done = false;
        status = status_of(again.read_until_close(std::chrono::seconds(2), done));
    }
    CHECK(status == 200);
}

TEST_CASE("hundreds of connections at once are all served", "[http][abuse]") {
    TestServer server;  // the default limit, 10,000
    constexpr int kConnections = 400;
    std::vector<std::unique_ptr<Raw>> conns;
    for (int i = 0; i < kConnections; ++i) {
        conns.push_back(std::make_unique<Raw>(server.port()));
    }
    for (auto& c : conns) {
        REQUIRE(c->send("GET /api/deals?per_page=1 HTTP/1.1\r\nHost: x\r\n" + auth(server) + "\r\n"));
    }
    int ok = 0;
    for (auto& c : conns) {
        const auto responses = c->read_responses(1);
        ok += responses.size() == 1 && status_of(responses[0]) == 200 ? 1 : 0;
    }
    CHECK(ok == kConnections);
}

TEST_CASE("pipelined requests are answered in order on one connection", "[http][abuse]") {
    TestServer server;
    Raw raw(server.port());
    std::string batch;
    for (int i = 1; i <= 5; ++i) {
        batch += "POST /api/deals HTTP/1.1\r\nHost: x\r\n" + auth(server) +
                 "Content-Type: application/json\r\nX-Request-Id: pipe-" + std::to_string(i) +
                 "\r\nContent-Length: ";
        const std::string body = R"({"name":"Piped )" + std::to_string(i) + R"(","stage_id":1})";
        batch += std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    batch += "GET /api/deals/404 HTTP/1.1\r\nHost: x\r\n" + auth(server) + "\r\n";
    REQUIRE(raw.send(batch));
    const auto responses = raw.read_responses(6);
    REQUIRE(responses.size() == 6);
    for (int i = 1; i <= 5; ++i) {
        const auto& r = responses[static_cast<std::size_t>(i - 1)];
        CHECK(status_of(r) == 201);
        CHECK(r.find("X-Request-Id: pipe-" + std::to_string(i) + "\r\n") != std::string::npos);
        CHECK(body_of(r).find(R"("name":"Piped )" + std::to_string(i) + "\"") != std::string::npos);
    }
    CHECK(status_of(responses[5]) == 404);
}

TEST_CASE("a request cut off mid-body writes nothing, and a stalled one is let go",
          "[http][abuse]") {
    TestServer server(tight());
    const auto head = server.store().log().head_sequence();
    const std::string body = R"({"name":"Half","stage_id":1})";
    {
        Raw raw(server.port());
        raw.send("POST /api/deals HTTP/1.1\r\nHost: x\r\n" + auth(server) +
                 "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10));
    }  // closed here, mid-body
    {
        Raw stalled(server.port());
        stalled.send("POST /api/deals HTTP/1.1\r\nHost: x\r\n" + auth(server) +
                     "Content-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10));
        const auto start = Clock::now();
        bool closed = false;
        const auto response = stalled.read_until_close(std::chrono::seconds(5), closed);
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        CHECK(closed);
        CHECK(response.empty());
        CHECK(elapsed < 3.0);  // read timeout 1 s
    }
    CHECK(served_in_ms(server) < 1000);
    CHECK(server.store().log().head_sequence() == head);
    auto client = server.client();
    CHECK(get_ok(client, "/api/deals")["meta"]["total"].GetInt64() == 0);
}
