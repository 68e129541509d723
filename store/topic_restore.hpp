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
    /// How the log the events go after is named when the topic holds other bytes at a sequence
    /// it holds (the first such sequence is named).
    std::string held_by = "the backup holds";
    /// How long to wait for the topic to exist.
    std::chrono::milliseconds topic_timeout{10'000};
    /// A topic the cluster says does not exist is an empty one (nothing to read), not an error.
    bool absent_topic_is_empty = false;
    /// Read from the offsets kept with the relay's position in the directory (when they name
    /// every partition), not from the oldest: only what follows that position is compared.
    bool from_kept_position = false;
    /// Called once the topic is read to the end it had at the start; the topic is then read on
    /// to the end it has after the call. A new leader sets up its producer here, fencing the
    /// one before it, and then takes what that one published meanwhile.
    std::function<Result<void>()> before_last_read;
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

namespace deals::store {

/// What a leader does on an external cluster before it serves (README, Failover): the topic is
/// read to its end and compared with the log in `options.data_dir`. If the topic holds other
/// bytes at a sequence the log holds, an error names the first one (the directory is a former
/// leader's whose last events never reached the topic, and another leader has written there
/// since). Otherwise the events the topic holds past the log's head are appended, after every
/// older producer of the relay's transactional.id has been fenced and the topic read on to its
/// new end, so the new leader never reuses a sequence the topic holds. A topic the cluster
/// does not know yet is an empty one.
Result<TopicRestoreReport> take_over_topic(TopicRestoreOptions options);

}  // namespace deals::store
