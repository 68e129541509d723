#pragma once

// Rebuilding the log from the Kafka topic (`dealsctl restore --kafka`): every partition is read
// to the end it had when the restore began, the events are merged by sequence (duplicates that
// are byte for byte the same dropped), and appended after the data directory's head once the
// hash chain links. The topic is then the archive of the log (README, Backups and recovery).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "events/error.hpp"
#include "events/ids.hpp"
#include "events/time.hpp"
#include "store/kafka_config.hpp"

namespace deals::store {

/// Where a restore from the topic stands, for a progress line.
struct TopicProgress {
    std::uint64_t messages = 0;        ///< read so far
    std::uint64_t total_messages = 0;  ///< what the partitions held when the restore began
    events::Sequence head = 0;         ///< the log's head now
};

struct TopicRestoreOptions {
    std::string data_dir;  ///< a data directory nobody holds (the events go after its head)
    std::string brokers;
    std::string topic = "deals.events";
    KafkaConfig config;
    /// Stop after this sequence, or before the first event that occurred after this time.
    std::optional<events::Sequence> until_sequence;
    std::optional<events::Timestamp> until_time;
    /// How long to wait for a message before giving up on a partition that has not reached
    /// its end.
    std::chrono::milliseconds stall_timeout{30'000};
    std::function<void(const TopicProgress&)> progress;
};

struct TopicRestoreReport {
    events::Sequence from = 0;  ///< the head before
    events::Sequence head = 0;  ///< and after
    std::string hash;           ///< the head's hash
    std::uint64_t events = 0;   ///< appended from the topic
    events::Sequence newest = 0;  ///< the newest sequence on the topic
    /// The relay's position was kept for the topic (the log is restored to the topic's end), so
    /// dealsd on the directory publishes only what comes after.
    bool position_kept = false;
    std::uint64_t messages = 0;
    double seconds = 0;
};

/// Appends the topic's events after the head of the log in `options.data_dir`, checking that
/// they continue it: gapless (a topic whose oldest event is past the one needed has lost it to
/// retention), each `prevhash` the hash before and each `hash` that of the bytes rebuilt from the
/// message, and a sequence seen twice with the same bytes. The first failure is an error that
/// names the sequence; the directory may then hold part of the events, so the caller works on a
/// staging copy. Views are not touched (Store::open or rebuild_views folds the new events).
/// Restored to the topic's newest event, the directory keeps the relay's position for the
/// cluster and topic at its head, as the relay itself would have.
Result<TopicRestoreReport> restore_from_topic(const TopicRestoreOptions& options);

}  // namespace deals::store
