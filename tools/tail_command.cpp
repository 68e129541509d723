#include "tools/tail_command.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <utility>

#include "store/kafka_config.hpp"
#include "tools/command_support.hpp"

namespace deals::tools {

namespace {

std::atomic<bool> g_stop{false};

/// Prints each event's CloudEvents JSON on its own line until interrupted, `limit` events or
/// `idle_seconds` without one.
int print_topic(const store::KafkaConsumer::Options& options, long limit, double idle_seconds) {
    std::signal(SIGINT, [](int) { g_stop = true; });
    std::signal(SIGTERM, [](int) { g_stop = true; });
    auto consumer = store::KafkaConsumer::open(options);
    if (!consumer) {
        return fail(consumer.error());
    }
    long printed = 0;
    auto last = std::chrono::steady_clock::now();
    while (!g_stop && (limit <= 0 || printed < limit)) {
        auto message = (*consumer)->poll(std::chrono::milliseconds(200));
        if (!message) {
            std::cerr << "warning: " << message.error().message << std::endl;
            continue;
        }
        if (!*message) {
            const std::chrono::duration<double> idle = std::chrono::steady_clock::now() - last;
            if (idle_seconds > 0 && idle.count() >= idle_seconds) {
                break;
            }
            continue;
        }
        last = std::chrono::steady_clock::now();
        std::cout << (*message)->value << "\n";
        std::cout.flush();
        ++printed;
    }
    std::cerr << "tail: " << printed << " events" << std::endl;
    return 0;
}

}  // namespace

CLI::App* add_tail_command(CLI::App& cli, TailCommand& command) {
    auto* cmd = cli.add_subcommand(
        "tail", "Print the events on the Kafka topic, one CloudEvents JSON per line");
    cmd->add_option("--kafka", command.options.brokers, "HOST:PORT[,HOST:PORT…]")->required();
    cmd->add_option("--topic", command.options.topic, "Topic")->capture_default_str();
    cmd->add_flag("--from-beginning", command.options.from_beginning,
                  "Start at the oldest message (default: only new ones)");
    cmd->add_option("--kafka-config", command.config, "librdkafka setting key=value, repeatable");
    cmd->add_option("--limit", command.limit, "Stop after this many events");
    cmd->add_option("--idle-exit", command.idle, "Stop after this many seconds without an event");
    return cmd;
}

int run_tail(const TailCommand& command) {
    auto config = store::parse_kafka_config(command.config);
    if (!config) {
        return fail(config.error());
    }
    auto options = command.options;
    options.config = std::move(*config);
    return print_topic(options, command.limit, command.idle);
}

}  // namespace deals::tools
