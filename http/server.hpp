#pragma once

#include <memory>
#include <string>

#include "http/app_context.hpp"

namespace deals::http {

/// The HTTP/1.1 server: a listener and keep-alive sessions on `threads` I/O threads, with
/// header and body limits and read/idle timeouts. The Beast/Asio machinery stays in server.cpp.
///
/// With `config.tls_cert` and `tls_key`, HTTPS (TLS 1.2 and 1.3) instead of plain HTTP; the
/// constructor throws std::runtime_error, naming the file, when they cannot be used.
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
    /// SIGINT and SIGTERM stop the server; with TLS, SIGHUP calls reload_tls().
    void stop_on_signals();
    /// Re-reads the TLS certificate and key for the connections accepted from then on (those
    /// open keep theirs); when they cannot be used, says why on stderr and keeps the current ones.
    void reload_tls();
    void run();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Throws std::runtime_error, naming the file, when the TLS certificate chain (PEM) or its
/// private key cannot be read or used.
void check_tls_files(const std::string& cert, const std::string& key);

}  // namespace deals::http
