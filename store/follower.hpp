#pragma once

// A read-only replica's feed (`dealsd --follow`): the leader's events, as the Kafka topic
// carries them, appended to this data directory's log as they are (RocksEventLog::append_copies)
// and applied to its views by the same code as the leader's.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "events/ids.hpp"
#include "events/status.hpp"
#include "events/time.hpp"
#include "store/kafka_config.hpp"
#include "store/kafka_consumer.hpp"

namespace deals::store {

class Store;

/// Consumes every partition of the topic (from the offsets kept with its head: see
/// `choose_start`), orders the events by sequence
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
    /// A consumer of every partition, from `start_offsets` (from the beginning when empty);
    /// retried until it opens. Null once stopping.
    std::unique_ptr<KafkaConsumer> open_consumer(const std::vector<std::int64_t>& start_offsets);
    void stop_applying(std::string why);
    void measure_ends(KafkaConsumer& consumer);
    /// `measure_ends` about once a second, until the reading is done (run's second thread).
    void measure_ends_until_done(KafkaConsumer& consumer);
    /// A consumer that starts where the position kept for the cluster and topic says every
    /// later event is (a follower's own, or the relay's in a backup of the leader); else at
    /// offset 0. Null once stopping.
    std::unique_ptr<KafkaConsumer> start_reading();
    /// Takes what the topic has now (up to one run's worth) into `pending`; false once stopped.
    bool take(KafkaConsumer& consumer, std::map<events::Sequence, std::string>& pending);
    /// Keeps the head and the offsets read, when nothing waits past a gap.
    void keep_position();
    /// Hands the pending events that follow the last one handed on to the log, in runs; false
    /// once one was refused.
    bool apply_ready(std::map<events::Sequence, std::string>& pending);
    /// Hands one run (ending at `last`) to the log, once fewer than the most allowed are in
    /// flight; false once an append was refused.
    bool submit(std::vector<std::string> run, events::Sequence last);
    /// Waits until every append handed on has been answered.
    void drain();
    /// Every partition read to the end the brokers gave last (events past a gap may wait).
    bool read_to_ends() const;
    /// An empty replica's catch-up ends: the views staged (Store::begin_staging) are indexed
    /// and put in place.
    void finish_staging();
    events::Sequence submitted() const {
        std::lock_guard lock(mutex_);
        return submitted_;
    }
    std::uint64_t messages_read() const {
        std::lock_guard lock(mutex_);
        return messages_read_;
    }
    std::string stopped() const {
        std::lock_guard lock(mutex_);
        return stopped_;
    }

    Store& store_;
    Options options_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    events::Sequence newest_ = 0;
    events::Sequence waiting_for_ = 0;
    /// The partitions' offsets: the end the brokers gave last, and the next one to read.
    std::vector<KafkaConsumer::Watermarks> ends_;
    std::vector<std::int64_t> next_;
    std::string cluster_id_;  ///< run's: where the position is kept
    std::uint64_t messages_read_ = 0;
    events::Sequence started_after_ = 0;
    std::size_t pending_bytes_ = 0;  ///< of the events held past a missing one (run's)
    std::string chain_hash_;         ///< run's: the hash of the last event handed to the log
    /// Set by the constructor, then run's: this replica started empty, and its views are
    /// staged until it has read the topic to the end it had (Store::begin_staging).
    bool staging_ = false;
    /// When the oldest event seen and not yet applied occurred (none when caught up).
    std::optional<events::Timestamp> oldest_unapplied_;
    std::string stopped_;
    /// Set once `run` stops reading: the thread asking for the ends stops too.
    bool reading_done_ = false;
    std::condition_variable ends_asked_;
    /// The appends handed to the log: how many are unanswered, the last sequence handed on,
    /// and why one was refused (empty while none was).
    std::condition_variable appended_;
    std::size_t in_flight_ = 0;
    events::Sequence submitted_ = 0;
    std::string refused_;
    std::thread thread_;
};

}  // namespace deals::store
