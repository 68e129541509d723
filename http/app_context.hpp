#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "commands/deal_validation.hpp"
#include "commands/executor.hpp"
#include "events/event_log.hpp"
#include "events/id_source.hpp"
#include "events/idempotency.hpp"
#include "events/status.hpp"
#include "events/time.hpp"
#include "http/request_metrics.hpp"
#include "projections/view_reader.hpp"

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
    /// TLS (dealsd --tls-cert, --tls-key): both set, or both empty for plain HTTP. The chain
    /// (PEM, the server's certificate first) and its private key; re-read on SIGHUP.
    std::string tls_cert;
    std::string tls_key;
};

/// When a write is answered (dealsd --ack): once its events are fsynced here (local), or once
/// Kafka has also acknowledged them with acks=all (replicated; 503 when not within the ack
/// timeout).
enum class Ack { kLocal, kReplicated };

/// What the service is, besides its ports: the settings handlers read and what /healthz says.
struct AppSettings {
    commands::ValidationSettings validation;
    std::function<events::Timestamp()> clock;
    std::string kafka_mode = "off";  ///< off | embedded | external
    std::string kafka_bootstrap;     ///< the brokers the relay publishes to
    std::string version = DEALS_VERSION;
    /// A read-only replica's (dealsd --follow): writes are sent there (307), or refused (503)
    /// when empty.
    std::string leader_url;
    /// How long a replica's read waits for its `Deals-Min-Sequence` before it answers 503.
    std::chrono::milliseconds min_sequence_wait{2000};
    Ack ack = Ack::kLocal;
    /// Under Ack::kReplicated: how long a write waits for Kafka before it answers 503.
    std::chrono::milliseconds ack_timeout{5000};
    bool tls = false;  ///< the HTTP front speaks HTTPS (what /healthz says)
};

/// What handlers share: the ports to the event log, the views, ids, idempotency records and
/// the status of storage and relay, the one executor every write goes through, and the
/// settings. Built where the server is wired to a store (wiring.hpp); outlives the server.
struct AppContext {
    events::EventLog& log;
    const projections::ViewReader& views;
    events::IdSource& ids;
    events::IdempotencyStore& idempotency;
    const events::StorageStatus& storage;
    const events::RelayStatus* relay;  ///< null when Kafka is off
    commands::ValidationSettings validation;
    std::function<events::Timestamp()> clock;
    std::string kafka_mode;
    std::string kafka_bootstrap;
    std::string version;
    /// Set on a read-only replica (dealsd --follow): every write is refused or redirected.
    const events::ReplicaStatus* replica = nullptr;
    std::string leader_url;
    std::chrono::milliseconds min_sequence_wait{2000};
    Ack ack = Ack::kLocal;  ///< kReplicated only with a relay
    std::chrono::milliseconds ack_timeout{5000};
    bool tls = false;
    commands::Executor executor{log, views};
    /// Every answered request, by route, method and status (/metrics).
    std::shared_ptr<RequestMetrics> request_metrics = std::make_shared<RequestMetrics>();
};

}  // namespace deals::http
