#pragma once

#include <memory>

#include "http/app_context.hpp"

namespace deals::http {

/// The HTTP/1.1 server: a listener and keep-alive sessions on `threads` I/O threads, with
/// header and body limits and read/idle timeouts. The Beast/Asio machinery stays in server.cpp.
///
/// Lifecycle: `start()` binds (port 0 picks a free port), `run()` serves until `stop()` (from any
/// thread, or SIGINT/SIGTERM when `stop_on_signals()` was called) and in-flight requests end:
/// stop accepts nothing new, closes idle connections, lets requests in progress finish (up to
/// the shutdown grace) and then returns from `run()`.
class Server {
public:
    Server(AppContext& app, ServerConfig config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and listens; returns the bound port. Throws std::runtime_error when it cannot.
    unsigned short start();
    void stop_on_signals();
    void run();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace deals::http
