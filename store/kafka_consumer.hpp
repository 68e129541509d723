#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/error.hpp"
#include "store/kafka_relay.hpp"

namespace deals::store {

/// One message as a consumer sees it.
struct ConsumedMessage {
    int partition = 0;
    std::int64_t offset = 0;
    std::string key;
    std::string value;
    std::vector<std::pair<std::string, std::string>> headers;

    /// The value of header `name`, or empty.
    std::string header(std::string_view name) const;
};

/// A plain Kafka consumer of every partition of one topic, without a consumer group: what
/// `dealsctl tail` and the tests use to see what downstream services see. Partitions are
/// those the topic has when it opens. One thread at a time.
class KafkaConsumer {
public:
    struct Options {
        std::string brokers;
        std::string topic = "deals.events";
        bool from_beginning = false;
        /// Where to start in each partition instead (when it names every partition).
        std::vector<std::int64_t> start_offsets;
        KafkaConfig config;
        /// How long to wait for the topic to exist.
        std::chrono::milliseconds topic_timeout{10'000};
    };

    /// A kNotFound error when the cluster answered, until `topic_timeout`, that the topic does
    /// not exist; kUnavailable when it did not answer.
    static Result<std::unique_ptr<KafkaConsumer>> open(Options options);
    ~KafkaConsumer();
    KafkaConsumer(const KafkaConsumer&) = delete;
    KafkaConsumer& operator=(const KafkaConsumer&) = delete;

    int partitions() const;
    /// Each partition's end offset (the offset the next message will get), asked of the
    /// brokers: their sum is how many messages the topic has ever taken.
    Result<std::vector<std::int64_t>> end_offsets(std::chrono::milliseconds timeout);
    /// Each partition's oldest offset still kept (retention moves it on) and end offset.
    struct Watermarks {
        std::int64_t low = 0;
        std::int64_t high = 0;
    };
    Result<std::vector<Watermarks>> watermarks(std::chrono::milliseconds timeout);
    /// The same, as the last fetch of each partition brought them back (no request, at most a
    /// fetch's wait old while the partition is read); asked of the brokers, as `watermarks`
    /// does, for a partition not fetched yet.
    Result<std::vector<Watermarks>> fetched_watermarks(std::chrono::milliseconds timeout);
    /// The cluster's id (as the relay keys its position by it); empty when it did not answer.
    std::string cluster_id(std::chrono::milliseconds timeout);
    /// Each partition's position: the offset of the next message it will read (past the
    /// control records of transactions, which are never delivered); -1 where none is known.
    std::vector<std::int64_t> positions();
    /// The next message, or nothing after `timeout`. Consumer errors other than reaching the
    /// end of a partition are returned as an error.
    Result<std::optional<ConsumedMessage>> poll(std::chrono::milliseconds timeout);

    /// A message as `consume` hands it on: the consumer's bytes, valid during the call only.
    struct MessageView {
        int partition = 0;
        std::int64_t offset = 0;
        std::string_view value;
    };
    /// Hands on, in the order `poll` would return them, up to `max` messages that have come,
    /// waiting up to `timeout` for the first: one call into librdkafka for them all, and no copy
    /// of a message. Consumer errors are skipped (librdkafka retries them). Returns how many
    /// were handed on.
    std::size_t consume(std::chrono::milliseconds timeout, std::size_t max,
                        const std::function<void(const MessageView&)>& visit);

private:
    struct Impl;
    explicit KafkaConsumer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace deals::store
