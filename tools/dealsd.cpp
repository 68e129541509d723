// dealsd: the Relate Deals server. Wires the store and the HTTP front together.

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "http/server.hpp"
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
    try {
        const int port = std::stoi(listen.substr(colon + 1));
        if (port < 0 || port > 65535) {
            return false;
        }
        config.port = static_cast<unsigned short>(port);
    } catch (const std::exception&) {
        return false;
    }
    config.host = host.empty() ? "127.0.0.1" : host;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{
        "dealsd: the Relate Deals server (a Concord-compatible deals API over an event log)"};
    std::string data_dir = "./var/data";
    std::string listen = "127.0.0.1:8080";
    std::string kafka = "off";
    http::ServerConfig config;
    int read_timeout = 30;
    int idle_timeout = 60;
    bool lost_reason_optional = false;
    cli.add_option("--data-dir", data_dir, "Where the event log and views live")
        ->envname("DEALS_DATA_DIR")
        ->capture_default_str();
    cli.add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free port)")
        ->envname("DEALS_LISTEN")
        ->capture_default_str();
    cli.add_option("--threads", config.threads, "I/O threads (0: one per core)")
        ->envname("DEALS_THREADS")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--kafka", kafka, "off | embedded | HOST:PORT[,HOST:PORT…]")
        ->envname("DEALS_KAFKA")
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
    if (kafka != "off") {
        std::cerr << "error: --kafka " << kafka
                  << ": Kafka publishing is not available in this build yet; use --kafka off"
                  << std::endl;
        return 2;
    }
    config.read_timeout = std::chrono::seconds(read_timeout);
    config.idle_timeout = std::chrono::seconds(idle_timeout);

    auto store = store::Store::open({.data_dir = data_dir, .clock = events::Timestamp::system_now});
    if (!store) {
        std::cerr << "error: " << store.error().message << std::endl;
        return 1;
    }
    const auto& report = (*store)->open_report();
    std::cout << "data: " << data_dir << " (" << report.views_loaded << " views loaded, "
              << report.events_replayed << " events replayed after checkpoint " << report.checkpoint
              << ", " << report.seconds << " s)" << std::endl;
    std::cout << "kafka: off" << std::endl;

    http::AppContext app{**store,
                         {.lost_reason_required = !lost_reason_optional},
                         events::Timestamp::system_now,
                         kafka};
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
    (*store)->close();
    std::cout << "stopped: " << stats.events << " events in " << stats.batches
              << " durable batches this run" << std::endl;
    return 0;
}
