#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "store/kafka_consumer.hpp"

namespace deals::tools {

/// `dealsctl tail`: the events on the Kafka topic, one CloudEvents JSON per line, until
/// interrupted, `limit` events or `idle` seconds without one.
struct TailCommand {
    store::KafkaConsumer::Options options;  ///< brokers, topic, from the beginning or not
    std::vector<std::string> config;        ///< librdkafka settings, key=value
    long limit = 0;                         ///< 0: no limit
    double idle = 0;                        ///< 0: wait for ever
};

CLI::App* add_tail_command(CLI::App& cli, TailCommand& command);
int run_tail(const TailCommand& command);

}  // namespace deals::tools
