#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "events/error.hpp"
#include "events/ids.hpp"
#include "events/status.hpp"
#include "events/time.hpp"
#include "store/kafka_config.hpp"

namespace deals::store {

class Store;

/// Where and how the relay publishes.
struct RelayOptions {
    std::string brokers;                 ///< bootstrap.servers
    std::string topic = "deals.events";  ///< `--kafka-topic`
    KafkaConfig config;                  ///< applied after the relay's own settings
    /// The broker is new (embedded): publish the whole log and keep no position for it.
    bool fresh_broker = false;
    /// Most messages handed to librdkafka and not yet acknowledged.
    std::size_t max_in_flight = 100'000;
    /// How often the published position is written back while it moves.
    std::chrono::milliseconds position_interval{100};
    /// The producer's transactional.id; `relate-deals:<topic>` when empty. One per topic: the
    /// leader that registers it last fences the one before (README, Failover).
    std::string transactional_id;
    /// Operator-facing lines ("kafka: …"); stderr when empty.
    std::function<void(const std::string&)> log;
    std::function<events::Timestamp()> clock;  ///< for lag in seconds; the system clock
};

/// What the relay has done, for /healthz, /metrics and tests (events/status.hpp).
using events::RelayStats;

/// The Kafka relay (store/README.md, docs/events.md): follows the event log from a persisted
/// position and produces each event to the topic with an idempotent librdkafka producer
/// (acks=all, no delivery timeout: librdkafka retries until Kafka takes the message). The
/// published position advances only over a contiguous run of acknowledged events and is kept
/// per cluster id and topic, so after a crash a consumer may see an event twice but never miss
/// one. A failed delivery sends the relay back to the published position, after a backoff.
///
/// It never blocks the log: the writer only tells it the new head. One thread reads the log
/// and produces; librdkafka's background thread handles acknowledgements. `stats` may be called
/// from any thread.
class KafkaRelay final : public events::RelayStatus {
public:
    /// Checks the settings (bad `--kafka-config` keys fail here) and starts following the log.
    static Result<std::unique_ptr<KafkaRelay>> start(Store& store, RelayOptions options);
    ~KafkaRelay();
    KafkaRelay(const KafkaRelay&) = delete;
    KafkaRelay& operator=(const KafkaRelay&) = delete;

    /// Stops reading the log once the transaction under way is committed (or aborted, when
    /// Kafka cannot take it), keeps the position and closes the producer. Idempotent.
    void stop();

    RelayStats stats() const override;
    events::Sequence published() const override;
    bool fenced() const override;
    /// Waits until every event up to `sequence` is acknowledged; false after `timeout`.
    bool wait_published(events::Sequence sequence, std::chrono::milliseconds timeout) const;

private:
    struct Impl;
    explicit KafkaRelay(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace deals::store
