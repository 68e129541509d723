#pragma once

#include <memory>
#include <string>

#include "events/error.hpp"

namespace deals::store {

/// A Kafka broker in this process: librdkafka's mock cluster, listening on loopback and speaking
/// the Kafka protocol to any client (kcat, kafka-python, the relay). It keeps messages in
/// memory only, so it is new at each start. Used by `dealsd --kafka embedded`, `dealsctl broker`
/// and the tests, which also use its fault injection.
///
/// Thread-safety: every member may be called from any thread. Owned by whoever started it; it
/// stops when destroyed.
class EmbeddedBroker {
public:
    struct Options {
        int brokers = 1;
        std::string topic = "deals.events";  ///< created up front when not empty
        int partitions = 4;
    };

    static Result<std::unique_ptr<EmbeddedBroker>> start(Options options);
    ~EmbeddedBroker();
    EmbeddedBroker(const EmbeddedBroker&) = delete;
    EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

    /// `127.0.0.1:PORT[,…]`, for `bootstrap.servers`.
    const std::string& bootstrap() const;
    int brokers() const;

    // Fault injection, for tests.
    /// Closes every broker's listener and connections (true) or opens them again (false).
    void set_down(bool down);
    /// The next `count` Produce requests fail with `kafka_error` (a Kafka protocol error code,
    /// e.g. 7 = REQUEST_TIMED_OUT, 6 = NOT_LEADER_FOR_PARTITION).
    void fail_next_produce_requests(int count, int kafka_error);
    /// Adds `millis` of round-trip delay to every broker (0 removes it).
    void set_round_trip_delay(int millis);

private:
    struct Impl;
    explicit EmbeddedBroker(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace deals::store
