#include "tools/broker_command.hpp"

#include <pthread.h>

#include <csignal>
#include <iostream>

#include "store/embedded_broker.hpp"
#include "tools/command_support.hpp"

namespace deals::tools {

CLI::App* add_broker_command(CLI::App& cli, BrokerCommand& command) {
    auto* cmd = cli.add_subcommand(
        "broker", "Run a development Kafka broker (in memory) until SIGTERM; prints its address");
    cmd->add_option("--partitions", command.partitions, "Partitions of the topic")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--topic", command.topic, "Topic to create")->capture_default_str();
    return cmd;
}

int run_broker(const BrokerCommand& command) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    // Blocked before librdkafka starts its threads, so that only sigwait below sees them.
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto broker =
        store::EmbeddedBroker::start({.topic = command.topic, .partitions = command.partitions});
    if (!broker) {
        return fail(broker.error());
    }
    std::cout << "bootstrap: " << (*broker)->bootstrap() << std::endl;
    std::cout << "topic: " << command.topic << " (" << command.partitions << " partitions)"
              << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    std::cout << "stopped: signal " << received << std::endl;
    return 0;
}

}  // namespace deals::tools
