#include "tests/support/test_server.hpp"

#include <stdexcept>

#include "commands/directory_commands.hpp"
#include "http/wiring.hpp"
#include "support/sha256.hpp"

namespace deals::testing {

std::string add_user_with_token(store::Store& store, const std::string& name,
                                const std::string& email, bool super_admin,
                                events::DealsScope scope, bool access_api) {
    const commands::CreateUser create{store.next_user(), name,       email,
                                      super_admin,       access_api, scope};
    auto events = store.read([&](const auto& views) { return commands::decide(views, create); });
    if (!events || store
                       .append_and_wait({events::user_stream(create.id),
                                         events::ExpectedVersion::no_stream(),
                                         std::move(*events),
                                         {}})
                       .has_error()) {
        throw std::runtime_error("cannot create user " + email);
    }
    static std::atomic<int> counter{0};
    const std::string secret = "secret" + std::to_string(++counter) + "x" + email;
    const commands::IssueToken issue{store.next_token(), create.id, "test",
                                     support::sha256_hex(secret)};
    auto token_events =
        store.read([&](const auto& views) { return commands::decide(views, issue); });
    if (!token_events || store
                             .append_and_wait({events::token_stream(issue.id),
                                               events::ExpectedVersion::no_stream(),
                                               std::move(*token_events),
                                               {}})
                             .has_error()) {
        throw std::runtime_error("cannot issue a token for " + email);
    }
    return issue.id.str() + "|" + secret;
}

TestServer::TestServer(http::ServerConfig config,
                       const std::function<void(http::AppContext&)>& tune) {
    auto opened =
        store::Store::open({.data_dir = dir_.path(), .clock = [this] { return clock_.now(); }});
    if (!opened) {
        throw std::runtime_error(opened.error().message);
    }
    store_ = std::move(*opened);
    admin_token_ =
        add_user_with_token(*store_, "Admin", "admin@example.com", true, events::DealsScope::kAll);
    app_ = std::make_unique<http::AppContext>(http::app_context(
        *store_, nullptr, {.clock = [this] { return clock_.now(); }, .kafka_mode = "off"}));
    if (tune) {
        tune(*app_);
    }
    config.host = "127.0.0.1";
    config.port = 0;
    if (config.threads == 0) {
        config.threads = 2;
    }
    server_ = std::make_unique<http::Server>(*app_, config);
    port_ = server_->start();
    thread_ = std::thread([this] { server_->run(); });
}

TestServer::~TestServer() {
    server_->stop();
    thread_.join();
    server_.reset();
    store_->close();
}

}  // namespace deals::testing
