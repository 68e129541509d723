#pragma once

// Private to store/: building a librdkafka configuration, shared by the relay and the consumer.

#include <librdkafka/rdkafka.h>

#include "store/kafka_config.hpp"

namespace deals::store {

/// A new configuration with `defaults` then `overrides` applied; the caller owns it. An
/// unknown key or bad value is an error quoting librdkafka's reason.
Result<rd_kafka_conf_t*> make_kafka_conf(const KafkaConfig& defaults, const KafkaConfig& overrides);

}  // namespace deals::store
