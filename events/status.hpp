#pragma once

// What the storage and the Kafka relay report of themselves (GET /healthz, GET /metrics): plain
// figures, and the ports that give them (store::Store and store::KafkaRelay implement them).

#include <cstdint>
#include <string>

#include "events/ids.hpp"

namespace deals::events {

/// The data directory's file system and RocksDB's background work now.
struct StorageStats {
    /// Flushes and compactions running, plus one when one is due and not yet started (0: the
    /// store is settled).
    std::uint64_t background_jobs = 0;
    std::uint64_t free_bytes = 0;      ///< free on the data directory's file system
    std::uint64_t reserved_bytes = 0;  ///< kept for RocksDB: writes past it answer 503
};

class StorageStatus {
public:
    virtual ~StorageStatus() = default;
    virtual StorageStats storage_stats() const = 0;
};

/// Where the Kafka relay stands.
struct RelayStats {
    std::string topic;
    /// connecting | publishing | unreachable | stalled (cannot go on; see last_error) | stopped
    std::string state;
    std::string cluster_id;              ///< empty until the cluster answered once
    bool reachable = false;              ///< as far as the last attempt showed
    Sequence published = 0;              ///< every event up to here is acknowledged by Kafka
    Sequence head = 0;                   ///< last committed sequence
    std::uint64_t lag_events = 0;        ///< head - published
    double lag_seconds = 0;              ///< age of the oldest unpublished event
    std::uint64_t in_flight = 0;         ///< handed to librdkafka, not yet acknowledged
    std::uint64_t delivered = 0;         ///< acknowledgements since start
    std::uint64_t delivery_errors = 0;   ///< failed deliveries since start (each retried)
    std::uint64_t republished_runs = 0;  ///< times it went back to the published position
    std::string last_error;
};

class RelayStatus {
public:
    virtual ~RelayStatus() = default;
    virtual RelayStats stats() const = 0;
    /// `stats().published` alone, cheap enough to poll while a write waits for it.
    virtual Sequence published() const { return stats().published; }
    /// Another leader took over the topic: this server must write nothing more (README,
    /// Failover).
    virtual bool fenced() const { return stats().state == "fenced"; }
};

/// Where a read-only replica (dealsd --follow) stands.
struct ReplicaStats {
    Sequence applied = 0;      ///< applied to its views: what its reads see
    Sequence newest = 0;       ///< the newest sequence it has seen on the topic
    /// Events behind the topic's end: seen and not applied, plus the messages not read yet.
    std::uint64_t lag_events = 0;
    Sequence waiting_for = 0;  ///< a sequence later ones wait for (0: none)
    double lag_seconds = 0;    ///< age of the oldest event seen on the topic and not applied
    std::string stopped;       ///< why applying stopped for good (a broken chain), or empty
    std::uint64_t messages_read = 0;  ///< read from the topic since start
    Sequence started_after = 0;       ///< the sequence its reading of the topic started after
    /// Started on an empty directory, it builds its views unseen until it has read the topic
    /// to its end (store::Store::begin_staging); its API reads answer 503 meanwhile.
    bool catching_up = false;
};

class ReplicaStatus {
public:
    virtual ~ReplicaStatus() = default;
    virtual ReplicaStats replica_stats() const = 0;
};

}  // namespace deals::events
