#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "events/time.hpp"
#include "http/app_context.hpp"
#include "http/server.hpp"
#include "store/store.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace deals::testing {

/// A clock tests move by hand; starts at 2026-03-01T10:00:00Z. Thread-safe.
class ManualClock {
public:
    events::Timestamp now() const { return events::Timestamp{micros_.load()}; }
    void advance_seconds(std::int64_t s) { micros_ += s * 1'000'000; }
    void set(events::Timestamp t) { micros_ = t.micros; }

private:
    std::atomic<std::int64_t> micros_{1'772'359'200'000'000};  // 2026-03-01T10:00:00Z
};

/// Creates a user directly through the store and issues a token for it; returns the token.
std::string add_user_with_token(store::Store& store, const std::string& name,
                                const std::string& email, bool super_admin,
                                events::DealsScope scope = events::DealsScope::kOwn,
                                bool access_api = true);

/// The real HTTP server, in-process, on 127.0.0.1 with port 0, over a store in a temporary
/// directory, with a super-admin whose token is `admin_token()`. Stops in the destructor.
class TestServer {
public:
    /// `tune`, when set, may change the handlers' context before the server starts (a fake
    /// relay, another ack mode).
    explicit TestServer(http::ServerConfig config = {},
                        const std::function<void(http::AppContext&)>& tune = {});
    ~TestServer();

    [[nodiscard]] unsigned short port() const { return port_; }
    [[nodiscard]] const std::string& admin_token() const { return admin_token_; }
    [[nodiscard]] HttpClient client() const { return HttpClient(port_, admin_token_); }
    [[nodiscard]] HttpClient client(const std::string& token) const {
        return HttpClient(port_, token);
    }
    store::Store& store() { return *store_; }
    ManualClock& clock() { return clock_; }

private:
    ManualClock clock_;
    TempDir dir_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<http::AppContext> app_;
    std::unique_ptr<http::Server> server_;
    std::thread thread_;
    unsigned short port_ = 0;
    std::string admin_token_;
};

}  // namespace deals::testing
