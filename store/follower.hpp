#pragma once

// A read-only replica's feed (`dealsd --follow`): the leader's events, as the Kafka topic
// carries them, appended to this data directory's log as they are (RocksEventLog::append_copies)
// and applied to its views by the same code as the leader's.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "events/ids.hpp"
#include "events/status.hpp"
#include "events/time.hpp"
#include "store/kafka_config.hpp"

namespace deals::store {

class Store;

/// Consumes every partition of the topic from the beginning, orders the events by sequence
/// (dropping those the log holds already: delivery is at least once), and appends each run of
/// consecutive ones after the log's head, so it resumes from its own head after a restart. A
/// copy that does not follow the head (a broken chain) stops applying for good: never skipped,
/// shown in `stats()` and logged with the sequence. Events past a missing one wait for it.
///
/// Thread-safety: `stats` from any thread; one thread consumes and appends.
class Follower final : public events::ReplicaStatus {
public:
    struct Options {
        std::string brokers;
        std::string topic = "deals.events";
        KafkaConfig config;
    };

    /// Starts following; the store must outlive the follower.
    Follower(Store& store, Options options);
    ~Follower() override;  ///< stops
    Follower(const Follower&) = delete;
    Follower& operator=(const Follower&) = delete;

    events::ReplicaStats replica_stats() const override;

private:
    void run();

    Store& store_;
    Options options_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    events::Sequence newest_ = 0;
    events::Sequence waiting_for_ = 0;
    /// When the oldest event seen and not yet applied occurred (none when caught up).
    std::optional<events::Timestamp> oldest_unapplied_;
    std::string stopped_;
    std::thread thread_;
};

}  // namespace deals::store
