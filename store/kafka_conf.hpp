#pragma once

// Private to store/: building a librdkafka configuration, shared by the relay and the consumer.

#include "store/kafka_config.hpp"
#include "store/kafka_handles.hpp"

namespace deals::store {

/// A new configuration with `defaults` then `overrides` applied. An unknown key or bad value is
/// an error quoting librdkafka's reason.
Result<kafka::Conf> make_kafka_conf(const KafkaConfig& defaults,
                                              const KafkaConfig& overrides);

}  // namespace deals::store
