#pragma once

#include <string>
#include <utility>
#include <vector>

#include "events/error.hpp"

namespace deals::store {

/// Key/value settings handed to librdkafka as they are (`--kafka-config key=value`).
using KafkaConfig = std::vector<std::pair<std::string, std::string>>;

/// `key=value` items (the `--kafka-config` flags) as settings; an item without `=` or with an
/// empty key is a 400-kind error naming it.
Result<KafkaConfig> parse_kafka_config(const std::vector<std::string>& items);

}  // namespace deals::store
