#pragma once

// Private to store/: the Kafka relay's published position (store/README.md, Kafka relay).

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"
#include "events/ids.hpp"

namespace deals::store {

class Store;
}  // namespace deals::store

namespace rocksdb {
class DB;
}

namespace deals::store {

/// What is kept under `mkafka\0<cluster id>\0<topic>` (store/README.md, key layout).
struct TopicPosition {
    events::Sequence sequence = 0;
    /// Per partition, the offset from which every event after `sequence` can be read; empty
    /// when not kept (positions kept before offsets were).
    std::vector<std::int64_t> offsets;
};
/// The position kept in `db` for a cluster and topic; nothing when none is. Throws
/// std::runtime_error when what is kept is not a position.
std::optional<TopicPosition> kept_topic_position(rocksdb::DB& db, std::string_view cluster_id,
                                                 std::string_view topic);

/// The published position P: the highest sequence such that every event up to it is
/// acknowledged by Kafka. Acknowledgements past a gap are held until the gap closes.
/// A plain value: the relay guards it with its own mutex.
class PublishedPosition {
public:
    /// Starts over at `position`, forgetting the acknowledgements held past a gap.
    void start_at(events::Sequence position);
    /// Counts the acknowledgement of `sequence`; a repeat at or below P changes nothing.
    void acknowledge(events::Sequence sequence);
    events::Sequence value() const { return value_; }

private:
    events::Sequence value_ = 0;
    std::set<events::Sequence> ahead_;  // acknowledged past a gap
};

/// Where the published position is kept: `mkafka\0<cluster id>\0<topic>` in the store, written
/// at most once per `interval` while it moves (and when forced, at stop), never synced (losing
/// it only repeats events). Nothing is kept for a fresh (embedded) broker: the relay starts
/// from 0 there. Used by one thread at a time.
class PositionKeeper {
public:
    PositionKeeper(Store& store, std::string topic, std::chrono::milliseconds interval,
                   bool fresh_broker);

    /// The position kept for `cluster_id` (0 for a fresh broker); later writes go there. Throws
    /// std::runtime_error when the kept position is corrupt.
    events::Sequence open(const std::string& cluster_id);
    /// Writes `position` if it differs from the one kept and `interval` has passed since the
    /// last write, or `force`; nothing before `open`. The store's error when it could not.
    Result<void> keep(events::Sequence position, bool force,
                      const std::vector<std::int64_t>& offsets = {});

private:
    using Clock = std::chrono::steady_clock;

    Store& store_;
    const std::string topic_;
    const std::chrono::milliseconds interval_;
    const bool fresh_broker_;
    std::string cluster_id_;  // empty until `open`
    events::Sequence kept_ = 0;
    Clock::time_point kept_at_{};
};

}  // namespace deals::store
