#pragma once

// Private to store/: the Kafka relay's producer (store/README.md, Kafka relay).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "events/error.hpp"
#include "events/ids.hpp"
#include "store/cloud_event.hpp"
#include "store/kafka_handles.hpp"
#include "store/kafka_relay.hpp"

namespace deals::store {

/// Registers the relay's transactional.id with the cluster and lets go of it: every older
/// producer of the id (the leader before this one) is fenced, its open transaction aborted
/// (README, Failover). What a new leader does before it reads the topic to its end.
Result<void> fence_older_leaders(const RelayOptions& options, std::chrono::milliseconds timeout);

/// An error librdkafka reported about the client or the cluster, sorted for the relay.
struct ProducerError {
    enum class Kind {
        kFatal,             ///< the producer failed for good: only a new one can go on
        kAllBrokersDown,    ///< no broker can be reached
        kBrokerConnection,  ///< one broker's connection (librdkafka reconnects by itself)
        kOther,             ///< anything else: authentication, TLS, authorization, …
    };
    Kind kind = Kind::kOther;
    int code = 0;      ///< librdkafka's error code
    std::string name;  ///< the code's name, e.g. `_ALL_BROKERS_DOWN`
    std::string reason;
};

/// What the producer tells the relay. Called on the producer's poller thread.
class ProducerListener {
public:
    /// Kafka stored the message of `sequence` at `offset` of `partition`.
    virtual void delivered(events::Sequence sequence, int partition, std::int64_t offset) = 0;
    /// The message of `sequence` failed for good, for the reason `error`.
    virtual void not_delivered(events::Sequence sequence, const std::string& error) = 0;
    virtual void client_error(const ProducerError& error) = 0;
    /// An operator-facing line: librdkafka's critical log lines (all of them with `debug`).
    virtual void say(const std::string& line) const = 0;

protected:
    ~ProducerListener() = default;
};

/// The relay's idempotent librdkafka producer and the thread that serves its callbacks
/// (acknowledgements, errors, log lines), which it hands to a ProducerListener. It keeps its
/// settings, so that a producer that failed for good (`fatal_error`) can be replaced by a new
/// one (`renew`). Each message carries its sequence number to its acknowledgement.
///
/// Used by the relay thread, and by whoever stops the relay once that thread has ended.
class KafkaProducer {
public:
    /// A producer with the relay's settings, then `options.config` (bad keys fail here),
    /// serving its callbacks already. `listener` must outlive it.
    static Result<std::unique_ptr<KafkaProducer>> start(const RelayOptions& options,
                                                                  ProducerListener& listener);
    ~KafkaProducer();
    KafkaProducer(const KafkaProducer&) = delete;
    KafkaProducer& operator=(const KafkaProducer&) = delete;

    struct Produced {
        enum class Status {
            kQueued,     ///< librdkafka has it; the listener hears of it
            kQueueFull,  ///< try again once acknowledgements made room
            kRefused,    ///< not taken, for the reason `error`
        };
        Status status = Status::kQueued;
        std::string error;
    };
    /// Hands `message` to librdkafka, for the topic.
    Produced produce(const KafkaMessage& message);

    /// The cluster's id, after asking up to `timeout` for the topic's metadata (which also
    /// readies the producer for the topic); nothing while no broker answered yet.
    std::optional<std::string> cluster_id(std::chrono::milliseconds timeout);
    /// Each partition's end offset (the offset its next message gets), asked of the brokers.
    Result<std::vector<std::int64_t>> end_offsets(std::chrono::milliseconds timeout);
    /// Whether a broker answers a metadata request within `timeout`.
    bool answers(std::chrono::milliseconds timeout);

    /// Why the producer failed for good, if it did: it then refuses every later message.
    std::optional<std::string> fatal_error() const;
    /// Replaces the librdkafka producer by a new one with the same settings. Empty on success;
    /// otherwise why not, and there is no producer until a later `renew` succeeds.
    std::string renew();
    /// There is a producer (always, except after a failed `renew`).
    bool alive() const { return client_ != nullptr; }

    /// How a step of a transaction ended (librdkafka's transactional API).
    struct Txn {
        enum class Status {
            kOk,
            kRetry,   ///< not finished in time (e.g. Kafka unreachable): call the step again
            kAbort,   ///< the transaction failed: abort it and send its messages again
            kFenced,  ///< a newer producer took the transactional.id: this one is done for good
            kFatal,   ///< the producer failed for good: only a new one (`renew`) can go on
        };
        Status status = Status::kOk;
        std::string error;
    };
    /// Registers the transactional.id with the cluster, fencing any older producer of the same
    /// id (the leader before this one): its transactions abort and it can commit nothing more.
    Txn init_transactions(std::chrono::milliseconds timeout);
    Txn begin_transaction();
    /// Flushes the transaction's messages and commits them: consumers (read_committed) see them
    /// from then on.
    Txn commit_transaction(std::chrono::milliseconds timeout);
    Txn abort_transaction(std::chrono::milliseconds timeout);

private:
    KafkaProducer(ProducerListener& listener, std::string topic);
    void start_polling();
    void stop_polling();

    static void on_delivery(rd_kafka_t* client, const rd_kafka_message_t* message, void* opaque);
    static void on_error(rd_kafka_t* client, int code, const char* reason, void* opaque);
    static void on_log(const rd_kafka_t* client, int level, const char* facility, const char* line);

    ProducerListener& listener_;
    const std::string topic_;
    bool verbose_ = false;  // `debug` is set: pass librdkafka's log through
    kafka::Conf settings_;  // each producer gets a copy
    kafka::Client client_;  // null after a failed renew
    std::thread poller_;    // serves librdkafka's callbacks while `polling_`
    std::atomic<bool> polling_{false};
};

}  // namespace deals::store
