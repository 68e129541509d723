#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace deals::tools {

/// `dealsctl broker`: a development Kafka broker (in memory, store::EmbeddedBroker) with one
/// topic, until SIGTERM or SIGINT; prints its address.
struct BrokerCommand {
    int partitions = 4;
    std::string topic = "deals.events";
};

CLI::App* add_broker_command(CLI::App& cli, BrokerCommand& command);
int run_broker(const BrokerCommand& command);

}  // namespace deals::tools
