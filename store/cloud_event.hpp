#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/error.hpp"
#include "events/ids.hpp"
#include "events/time.hpp"

namespace deals::store {

/// The `content-type` header of every message: CloudEvents structured mode, JSON.
inline constexpr std::string_view kCloudEventsContentType =
    "application/cloudevents+json; charset=UTF-8";

/// The CloudEvents `source` of every event this service emits.
inline constexpr std::string_view kCloudEventsSource = "/relate-deals";

/// One stored event as a Kafka message (contract §16, docs/events.md): key = the stream, value =
/// the envelope as CloudEvents 1.0 structured JSON, headers `ce_id`, `ce_type`, `content-type`.
struct KafkaMessage {
    events::Sequence sequence = 0;
    events::Timestamp occurred_at;
    std::string key;    ///< the stream, e.g. `deal-42`
    std::string value;  ///< CloudEvents JSON
    std::string id;     ///< `ce_id`: the event id
    std::string type;   ///< `ce_type`: the event type, e.g. `DealCreated`
};

/// Builds the message from a stored record (store/README.md). The envelope fields become
/// CloudEvents attributes: `id`, `type`, `subject` (the stream), `time` (occurred_at), and the
/// extensions `sequence`, `stream`, `streamversion`, `schemaversion`, `actoruserid`,
/// `actortokenid`, `requestid`, `correlationid`, `prevhash`, `hash` (CloudEvents names are
/// lower-case letters and digits only); `data` is the event's data, byte for byte as stored.
/// Throws std::runtime_error when the record is corrupt.
KafkaMessage to_kafka_message(std::string_view record);

/// The stored record a message was built from (the inverse of `to_kafka_message`): the body
/// written again in the envelope's fixed key order from the CloudEvents attributes, with `data`
/// byte for byte, then `prevhash` and `hash`. Whether these are the bytes that were hashed is
/// for the caller to check (the hash chain). Throws std::runtime_error on a malformed message.
std::string record_from_kafka_value(std::string_view value);

/// One message of the topic as the stored record it carries and that record's sequence.
struct TopicEvent {
    events::Sequence sequence = 0;
    std::string record;
};
/// The event in the message at `offset` of `partition`; an error naming them when it is not one.
Result<TopicEvent> topic_event(int partition, std::int64_t offset, std::string_view value);

}  // namespace deals::store
