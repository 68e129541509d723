// dealsd: the Relate Deals server. Wires the store and the HTTP front together.

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "http/server.hpp"
#include "store/embedded_broker.hpp"
#include "store/kafka_relay.hpp"
#include "store/store.hpp"

namespace {

using namespace deals;

/// Splits HOST:PORT (IPv6 as [::1]:8080).
bool split_listen(const std::string& listen, http::ServerConfig& config) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon + 1 == listen.size()) {
        return false;
    }
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    // strtol, which std::stoi calls, without its exceptions: no digits or out of range fails.
    const std::string digits = listen.substr(colon + 1);
    char* end = nullptr;
    errno = 0;
    const long port = std::strtol(digits.c_str(), &end, 10);
    if (end == digits.c_str() || errno == ERANGE || port < 0 || port > 65535) {
        return false;
    }
    config.port = static_cast<unsigned short>(port);
    config.host = host.empty() ? "127.0.0.1" : host;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{
        "dealsd: the Relate Deals server (a Concord-compatible deals API over an event log)"};
    std::string data_dir = "./var/data";
    std::string listen = "127.0.0.1:8080";
    std::string kafka = "embedded";
    std::string kafka_topic = "deals.events";
    std::vector<std::string> kafka_config_items;
    int kafka_partitions = 4;
    http::ServerConfig config;
    int read_timeout = 30;
    int idle_timeout = 60;
    bool lost_reason_optional = false;
    std::uint64_t min_free_mb = 256;
    cli.add_option("--data-dir", data_dir, "Where the event log and views live")
        ->envname("DEALS_DATA_DIR")
        ->capture_default_str();
    cli.add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free port)")
        ->envname("DEALS_LISTEN")
        ->capture_default_str();
    cli.add_option("--threads", config.threads, "I/O threads (0: one per core)")
        ->envname("DEALS_THREADS")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--kafka", kafka,
                   "embedded (an in-process broker) | HOST:PORT[,HOST:PORT…] | off")
        ->envname("DEALS_KAFKA")
        ->capture_default_str();
    cli.add_option("--kafka-topic", kafka_topic, "Topic the events are published to")
        ->envname("DEALS_KAFKA_TOPIC")
        ->capture_default_str();
    cli.add_option("--kafka-config", kafka_config_items,
                   "librdkafka setting key=value, repeatable (e.g. security.protocol=SASL_SSL)")
        ->envname("DEALS_KAFKA_CONFIG")
        ->delimiter(' ');
    cli.add_option("--kafka-partitions", kafka_partitions,
                   "Partitions of the topic on the embedded broker")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cli.add_option("--body-limit", config.body_limit, "Largest request body in bytes")
        ->envname("DEALS_BODY_LIMIT")
        ->capture_default_str();
    cli.add_option("--read-timeout", read_timeout, "Seconds to receive a request once started")
        ->envname("DEALS_READ_TIMEOUT")
        ->capture_default_str();
    cli.add_option("--idle-timeout", idle_timeout, "Seconds an idle keep-alive connection stays")
        ->envname("DEALS_IDLE_TIMEOUT")
        ->capture_default_str();
    cli.add_option("--max-connections", config.max_connections,
                   "Open connections at most; more are answered 503 and closed")
        ->envname("DEALS_MAX_CONNECTIONS")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    cli.add_option("--min-free-space", min_free_mb,
                   "MiB kept free on the data directory's file system for RocksDB's own work; "
                   "writes that would leave less answer 503 (0: no reserve)")
        ->envname("DEALS_MIN_FREE_SPACE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cli.add_flag("--log-requests", config.log_requests, "Log every request to stderr")
        ->envname("DEALS_LOG_REQUESTS");
    cli.add_flag("--lost-reason-optional", lost_reason_optional,
                 "Do not require lost_reason when a deal is marked lost")
        ->envname("DEALS_LOST_REASON_OPTIONAL");
    CLI11_PARSE(cli, argc, argv);

    if (!split_listen(listen, config)) {
        std::cerr << "error: --listen must be HOST:PORT, got '" << listen << "'" << std::endl;
        return 2;
    }
    auto kafka_config = store::parse_kafka_config(kafka_config_items);
    if (!kafka_config) {
        std::cerr << "error: " << kafka_config.error().message << std::endl;
        return 2;
    }
    if (kafka.empty()) {
        std::cerr << "error: --kafka must be embedded, off or HOST:PORT[,…]" << std::endl;
        return 2;
    }
    config.read_timeout = std::chrono::seconds(read_timeout);
    config.idle_timeout = std::chrono::seconds(idle_timeout);

    auto store = store::Store::open({.data_dir = data_dir,
                                     .min_free_bytes = min_free_mb << 20,
                                     .clock = events::Timestamp::system_now});
    if (!store) {
        std::cerr << "error: " << store.error().message << std::endl;
        return 1;
    }
    const auto& report = (*store)->open_report();
    std::cout << "data: " << data_dir << " (" << report.views_loaded << " views loaded, "
              << report.events_replayed << " events replayed after checkpoint " << report.checkpoint
              << ", " << report.seconds << " s)" << std::endl;
    if (report.read_only) {
        std::cout << "data: " << data_dir
                  << " is on a read-only file system: serving reads, writes answer 503 until "
                     "dealsd restarts on a writable directory"
                  << std::endl;
    }

    // Kafka: an embedded broker, an external cluster, or nothing.
    std::unique_ptr<store::EmbeddedBroker> broker;
    std::unique_ptr<store::KafkaRelay> relay;
    std::string mode = "off";
    std::string bootstrap;
    if (kafka == "off") {
        std::cout << "kafka: off (events stay in the log; publishing resumes when turned on)"
                  << std::endl;
    } else {
        if (kafka == "embedded") {
            auto started = store::EmbeddedBroker::start(
                {.topic = kafka_topic, .partitions = kafka_partitions});
            if (!started) {
                std::cerr << "error: " << started.error().message << std::endl;
                return 1;
            }
            broker = std::move(*started);
            mode = "embedded";
            bootstrap = broker->bootstrap();
            std::cout << "kafka: embedded broker at " << bootstrap << ", topic " << kafka_topic
                      << std::endl;
        } else {
            mode = "external";
            bootstrap = kafka;
            std::cout << "kafka: " << bootstrap << ", topic " << kafka_topic << std::endl;
        }
        auto started = store::KafkaRelay::start(
            **store, {.brokers = bootstrap,
                      .topic = kafka_topic,
                      .config = *kafka_config,
                      .fresh_broker = broker != nullptr,
                      .log = [](const std::string& line) { std::cout << line << std::endl; }});
        if (!started) {
            std::cerr << "error: " << started.error().message << std::endl;
            return 2;
        }
        relay = std::move(*started);
    }

    http::AppContext app{**store,
                         {.lost_reason_required = !lost_reason_optional},
                         events::Timestamp::system_now,
                         mode,
                         relay.get(),
                         bootstrap};
    try {
        http::Server server(app, config);
        const unsigned short port = server.start();
        server.stop_on_signals();
        std::cout << "listening on http://" << config.host << ":" << port << std::endl;
        server.run();
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
    const auto stats = (*store)->log().stats();
    if (relay) {
        relay->stop();
    }
    (*store)->close();
    std::cout << "stopped: " << stats.events << " events in " << stats.batches
              << " durable batches this run" << std::endl;
    return 0;
}
