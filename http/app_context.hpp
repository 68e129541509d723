#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "commands/deal_validation.hpp"
#include "commands/executor.hpp"
#include "events/time.hpp"
#include "store/kafka_relay.hpp"
#include "store/store.hpp"

namespace deals::http {

/// Settings of the HTTP front (flags of dealsd).
struct ServerConfig {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    int threads = 0;                          ///< 0: one per core
    std::size_t body_limit = 1024 * 1024;     ///< bytes; larger bodies get 413
    std::size_t header_limit = 16 * 1024;     ///< bytes of request line and headers
    std::chrono::seconds read_timeout{30};    ///< to receive a whole request from its first byte,
                                              ///< and to send a response
    std::size_t max_connections = 10000;      ///< more are answered 503 and closed
    std::chrono::seconds idle_timeout{60};    ///< keep-alive connections with no request
    std::chrono::seconds shutdown_grace{10};  ///< in-flight requests get this long on SIGTERM
    bool log_requests = false;
};

/// What handlers share: the store (log and views), settings and the clock. Outlives the server.
struct AppContext {
    store::Store& store;
    commands::ValidationSettings validation;
    std::function<events::Timestamp()> clock;
    std::string kafka_mode = "off";  ///< off | embedded | external
    store::KafkaRelay* relay = nullptr;  ///< null when Kafka is off
    std::string kafka_bootstrap;         ///< the brokers the relay publishes to
    std::string version = DEALS_VERSION;

    // The ports the handlers use, all implemented by `store`: the views (read under their
    // lock), new ids, and the one executor every write goes through.
    events::EventLog& log = store.log();
    const projections::ViewReader& views = store;
    events::IdSource& ids = store;
    commands::Executor executor{log, views};
};

}  // namespace deals::http
