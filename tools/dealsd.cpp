// dealsd: the Relate Deals server. Wires the store and the HTTP front together.

#include <CLI/CLI.hpp>
#ifdef DEALS_TCMALLOC
#include <gperftools/malloc_extension.h>
#endif
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "http/wiring.hpp"
#include "store/embedded_broker.hpp"
#include "store/follower.hpp"
#include "store/kafka_config.hpp"
#include "store/kafka_relay.hpp"
#include "store/store.hpp"
#include "store/topic_restore.hpp"
#include "support/log.hpp"
#include "tools/backup_service.hpp"

namespace {

using namespace deals;

/// The command line, with its defaults.
struct Flags {
    std::string data_dir = "./var/data";
    std::string listen = "127.0.0.1:8080";
    std::string kafka = "embedded";
    std::string kafka_topic = "deals.events";
    std::vector<std::string> kafka_config_items;
    store::KafkaConfig kafka_config;  ///< parsed from kafka_config_items
    int kafka_partitions = 4;
    http::ServerConfig server;  ///< host and port come from --listen
    int read_timeout = 30;
    int idle_timeout = 60;
    bool lost_reason_optional = false;
    std::uint64_t min_free_mb = 256;
    std::string follow;      ///< HOST:PORT of the topic's cluster: a read-only replica
    std::string leader_url;  ///< where a replica sends writes (307)
    double min_sequence_wait = 2;  ///< seconds a replica's read waits for Deals-Min-Sequence
    std::string ack = "local";     ///< local | replicated: when a write is answered
    double ack_timeout = 5;        ///< seconds a write waits for Kafka under --ack replicated
    std::string log_format = "text";
    std::string log_level = "info";
};

/// The flags of the log (support/log.hpp) and of TLS.
void add_log_and_tls_flags(CLI::App& cli, Flags& flags) {
    cli.add_option("--tls-cert", flags.server.tls_cert,
                   "Serve HTTPS with this certificate chain (PEM, the server's own first; needs "
                   "--tls-key; re-read on SIGHUP)")
        ->envname("DEALS_TLS_CERT");
    cli.add_option("--tls-key", flags.server.tls_key,
                   "The private key (PEM, unencrypted) of --tls-cert; re-read on SIGHUP")
        ->envname("DEALS_TLS_KEY");

    cli.add_option("--log-format", flags.log_format,
                   "text (the lines as they always were, fields as key=value) or json (one "
                   "object per line: time, level, msg and the fields)")
        ->envname("DEALS_LOG_FORMAT")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cli.add_option("--log-level", flags.log_level,
                   "The least severe lines written: debug | info | warn | error | off")
        ->envname("DEALS_LOG_LEVEL")
        ->check(CLI::IsMember({"debug", "info", "warn", "warning", "error", "off"}))
        ->capture_default_str();
    cli.add_flag("--log-requests", flags.server.log_requests,
                 "Log one line per request (to stdout, at info; 5xx answers are always logged, "
                 "as errors, to stderr)")
        ->envname("DEALS_LOG_REQUESTS");
}

/// Text from what `<<` writes, for a log line.
template <typename... Parts>
std::string cat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

void add_flags(CLI::App& cli, Flags& flags) {
    cli.add_option("--data-dir", flags.data_dir, "Where the event log and views live")
        ->envname("DEALS_DATA_DIR")
        ->capture_default_str();
    cli.add_option("--listen", flags.listen, "HOST:PORT to listen on (port 0 picks a free port)")
        ->envname("DEALS_LISTEN")
        ->capture_default_str();
    cli.add_option("--threads", flags.server.threads, "I/O threads (0: one per core)")
        ->envname("DEALS_THREADS")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--kafka", flags.kafka,
                   "embedded (an in-process broker) | HOST:PORT[,HOST:PORT…] | off")
        ->envname("DEALS_KAFKA")
        ->capture_default_str();
    auto* follow = cli.add_option(
        "--follow", flags.follow,
        "HOST:PORT[,…] of a Kafka cluster: serve as a read-only replica of the leader publishing "
        "to --kafka-topic there (publishes nothing)");
    cli.add_option("--leader-url", flags.leader_url,
                   "With --follow: where writes are sent (307 Temporary Redirect); without it they "
                   "answer 503")
        ->needs(follow);
    cli.add_option("--min-sequence-wait", flags.min_sequence_wait,
                   "With --follow: seconds a read with Deals-Min-Sequence waits for the replica to "
                   "apply it before answering 503")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str()
        ->needs(follow);
    cli.add_option("--ack", flags.ack,
                   "When a write is answered: local (its events are fsynced here) or replicated "
                   "(also acknowledged by Kafka with acks=all; needs --kafka, not --follow)")
        ->envname("DEALS_ACK")
        ->check(CLI::IsMember({"local", "replicated"}))
        ->capture_default_str();
    cli.add_option("--ack-timeout", flags.ack_timeout,
                   "With --ack replicated: seconds a write waits for Kafka before answering 503 "
                   "(committed locally; a retry with its Idempotency-Key gets its answer)")
        ->envname("DEALS_ACK_TIMEOUT")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cli.add_option("--kafka-topic", flags.kafka_topic, "Topic the events are published to")
        ->envname("DEALS_KAFKA_TOPIC")
        ->capture_default_str();
    cli.add_option("--kafka-config", flags.kafka_config_items,
                   "librdkafka setting key=value, repeatable (e.g. security.protocol=SASL_SSL)")
        ->envname("DEALS_KAFKA_CONFIG")
        ->delimiter(' ');
    cli.add_option("--kafka-partitions", flags.kafka_partitions,
                   "Partitions of the topic on the embedded broker")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cli.add_option("--body-limit", flags.server.body_limit, "Largest request body in bytes")
        ->envname("DEALS_BODY_LIMIT")
        ->capture_default_str();
    cli.add_option("--read-timeout", flags.read_timeout,
                   "Seconds to receive a request once started")
        ->envname("DEALS_READ_TIMEOUT")
        ->capture_default_str();
    cli.add_option("--idle-timeout", flags.idle_timeout,
                   "Seconds an idle keep-alive connection stays")
        ->envname("DEALS_IDLE_TIMEOUT")
        ->capture_default_str();
    cli.add_option("--max-connections", flags.server.max_connections,
                   "Open connections at most; more are answered 503 and closed")
        ->envname("DEALS_MAX_CONNECTIONS")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    cli.add_option("--min-free-space", flags.min_free_mb,
                   "MiB kept free on the data directory's file system for RocksDB's own work; "
                   "writes that would leave less answer 503 (0: no reserve)")
        ->envname("DEALS_MIN_FREE_SPACE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cli.add_flag("--lost-reason-optional", flags.lost_reason_optional,
                 "Do not require lost_reason when a deal is marked lost")
        ->envname("DEALS_LOST_REASON_OPTIONAL");
}

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

/// Checks the flags CLI11 cannot and derives the settings they stand for; false, having said
/// why, on a bad one.
bool check_flags(Flags& flags) {
    if (!split_listen(flags.listen, flags.server)) {
        logging::error(cat("--listen must be HOST:PORT, got '", flags.listen, "'"));
        return false;
    }
    auto kafka_config = store::parse_kafka_config(flags.kafka_config_items);
    if (!kafka_config) {
        logging::error(kafka_config.error().message);
        return false;
    }
    flags.kafka_config = std::move(*kafka_config);
    if (flags.server.tls_cert.empty() != flags.server.tls_key.empty()) {
        logging::error(
            "--tls-cert and --tls-key go together (HTTPS needs the certificate and its "
            "private key); give both, or neither for plain HTTP");
        return false;
    }
    if (flags.kafka.empty()) {
        logging::error("--kafka must be embedded, off or HOST:PORT[,…]");
        return false;
    }
    if (flags.ack == "replicated" && (flags.kafka == "off" || !flags.follow.empty())) {
        logging::error(cat("--ack replicated waits for the Kafka relay to publish each write: ",
                           (flags.follow.empty() ? "it needs Kafka (not --kafka off)"
                                                 : "a --follow replica publishes nothing")));
        return false;
    }
    while (!flags.leader_url.empty() && flags.leader_url.back() == '/') {
        flags.leader_url.pop_back();  // the request's target starts with one
    }
    flags.server.read_timeout = std::chrono::seconds(flags.read_timeout);
    flags.server.idle_timeout = std::chrono::seconds(flags.idle_timeout);
    return true;
}

/// With --tls-cert: whether its files can be used, before anything starts; false, having said
/// why (naming the file), when not.
bool tls_files_usable(const http::ServerConfig& config) {
    if (config.tls_cert.empty()) {
        return true;
    }
    try {
        http::check_tls_files(config.tls_cert, config.tls_key);
    } catch (const std::exception& e) {
        logging::error(e.what());
        return false;
    }
    return true;
}

/// A leader on an external cluster reads the topic before it serves (README, Failover): it
/// refuses a log that differs from the topic, and takes what the topic holds past its head
/// (a promoted follower, or a leader that replaces another). True once done; false, having said
/// why, when it must not serve.
bool take_over(const Flags& flags) {
    logging::info(cat("kafka: reading topic ", flags.kafka_topic, " on ", flags.kafka,
                      " to compare it with the log before serving"));
    auto shown = std::chrono::steady_clock::now();
    auto report = store::take_over_topic(
        {.data_dir = flags.data_dir,
         .brokers = flags.kafka,
         .topic = flags.kafka_topic,
         .config = flags.kafka_config,
         .progress =
             [&shown](const store::TopicProgress& p) {
                 if (std::chrono::steady_clock::now() - shown > std::chrono::seconds(2)) {
                     shown = std::chrono::steady_clock::now();
                     logging::info(cat("kafka: read ", p.messages, " of ", p.total_messages,
                                       " messages, head ", p.head));
                 }
             },
         .topic_timeout = std::chrono::seconds(30)});
    if (!report) {
        logging::error(
            cat("cannot take over topic ", flags.kafka_topic, ": ", report.error().message));
        return false;
    }
    logging::info(cat("kafka: the log continues topic ", flags.kafka_topic, " (", report->messages,
                      " messages read, ", report->events, " events taken from it, head ",
                      report->head, ", ", report->seconds, " s)"));
    return true;
}

/// Opens the store and says what it loaded; null, having said why, when it cannot.
std::unique_ptr<store::Store> open_store(const Flags& flags) {
    auto store = store::Store::open({.data_dir = flags.data_dir,
                                     .min_free_bytes = flags.min_free_mb << 20,
                                     // A replica's default pipeline comes from the leader's log.
                                     .seed_defaults = flags.follow.empty(),
                                     .clock = events::Timestamp::system_now});
    if (!store) {
        logging::error(store.error().message);
        return nullptr;
    }
#ifdef DEALS_TCMALLOC
    // Loading freed what it only needed meanwhile (the stored views' bytes, sort buffers):
    // tcmalloc keeps freed pages and hands them back little by little; all at once now.
    MallocExtension::instance()->ReleaseFreeMemory();
#endif
    const auto& report = (*store)->open_report();
    logging::info(cat("data: ", flags.data_dir, " (", report.views_loaded, " views loaded, ",
                      report.events_replayed, " events replayed after checkpoint ",
                      report.checkpoint, ", ", report.seconds, " s)"),
                  {{"open_seconds", report.open_seconds},
                   {"load_seconds", report.load_seconds},
                   {"index_seconds", report.index_seconds},
                   {"replay_seconds", report.replay_seconds}});
    if (report.read_only) {
        logging::info(cat("data: ", flags.data_dir,
                          " is on a read-only file system: serving reads, writes answer 503 until "
                          "dealsd restarts on a writable directory"));
    }
    return std::move(*store);
}

/// Kafka: an embedded broker, an external cluster, or nothing.
struct Kafka {
    std::unique_ptr<store::EmbeddedBroker> broker;  ///< only when embedded
    std::unique_ptr<store::KafkaRelay> relay;       ///< null when off
    std::string mode = "off";                       ///< off | embedded | external
    std::string bootstrap;                          ///< the brokers the relay publishes to
};

/// Starts the in-process broker; false, having said why, when it cannot.
bool start_embedded_broker(const Flags& flags, Kafka& kafka) {
    auto started = store::EmbeddedBroker::start(
        {.topic = flags.kafka_topic, .partitions = flags.kafka_partitions});
    if (!started) {
        logging::error(started.error().message);
        return false;
    }
    kafka.broker = std::move(*started);
    kafka.mode = "embedded";
    kafka.bootstrap = kafka.broker->bootstrap();
    logging::info(
        cat("kafka: embedded broker at ", kafka.bootstrap, ", topic ", flags.kafka_topic));
    return true;
}

/// Starts Kafka as --kafka asks: 0 once started (or off), else the exit status, having said
/// why.
int start_kafka(store::Store& store, const Flags& flags, Kafka& kafka) {
    if (flags.kafka == "off") {
        logging::info("kafka: off (events stay in the log; publishing resumes when turned on)");
        return 0;
    }
    if (flags.kafka == "embedded") {
        if (!start_embedded_broker(flags, kafka)) {
            return 1;
        }
    } else {
        kafka.mode = "external";
        kafka.bootstrap = flags.kafka;
        logging::info(cat("kafka: ", kafka.bootstrap, ", topic ", flags.kafka_topic));
    }
    auto started = store::KafkaRelay::start(
        store, {.brokers = kafka.bootstrap,
                .topic = flags.kafka_topic,
                .config = flags.kafka_config,
                .fresh_broker = kafka.broker != nullptr,
                .log = [](const std::string& line) { logging::info(line); }});
    if (!started) {
        logging::error(started.error().message);
        return 2;
    }
    kafka.relay = std::move(*started);
    return 0;
}

/// Serves until a signal stops the server; false, having said why, when it fails.
bool serve(http::AppContext& app, const http::ServerConfig& config) {
    try {
        http::Server server(app, config);
        const unsigned short port = server.start();
        server.stop_on_signals();
        const std::string url =
            cat(config.tls_cert.empty() ? "http" : "https", "://", config.host, ":", port);
        logging::info("listening on " + url, {{"url", url}});
        server.run();
    } catch (const std::exception& e) {
        logging::error(e.what());
        return false;
    }
    return true;
}

/// Stops publishing, closes the store and says what this run wrote.
void stop(store::Store& store, Kafka& kafka) {
    const auto stats = store.log().stats();
    if (kafka.relay) {
        kafka.relay->stop();
    }
    store.close();
    logging::info(
        cat("stopped: ", stats.events, " events in ", stats.batches, " durable batches this run"));
    logging::flush();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{
        "dealsd: the Relate Deals server (a Concord-compatible deals API over an event log)"};
    Flags flags;
    add_flags(cli, flags);
    add_log_and_tls_flags(cli, flags);
    CLI11_PARSE(cli, argc, argv);
    logging::configure(*logging::parse_format(flags.log_format),
                       *logging::parse_level(flags.log_level));
    if (!check_flags(flags)) {
        return 2;
    }
    if (!tls_files_usable(flags.server)) {
        return 1;
    }

    const bool external = flags.follow.empty() && flags.kafka != "off" && flags.kafka != "embedded";
    if (external && !take_over(flags)) {
        return 1;
    }
    const auto store = open_store(flags);
    if (!store) {
        return 1;
    }
    Kafka kafka;
    std::unique_ptr<store::Follower> follower;
    if (!flags.follow.empty()) {
        logging::info(cat("follow: ", flags.follow, ", topic ", flags.kafka_topic,
                          " (a read-only replica", (flags.leader_url.empty() ? "" : " of "),
                          flags.leader_url, "; publishes nothing)"));
        follower = std::make_unique<store::Follower>(
            *store, store::Follower::Options{flags.follow, flags.kafka_topic, flags.kafka_config});
    } else if (const int status = start_kafka(*store, flags, kafka); status != 0) {
        return status;
    }

    http::AppContext app = http::app_context(
        *store, kafka.relay.get(),
        {.validation = {.lost_reason_required = !flags.lost_reason_optional},
         .clock = events::Timestamp::system_now,
         .kafka_mode = kafka.mode,
         .kafka_bootstrap = kafka.bootstrap,
         .leader_url = flags.leader_url,
         .min_sequence_wait =
             std::chrono::milliseconds(static_cast<std::int64_t>(flags.min_sequence_wait * 1000)),
         .ack = flags.ack == "replicated" ? http::Ack::kReplicated : http::Ack::kLocal,
         .ack_timeout =
             std::chrono::milliseconds(static_cast<std::int64_t>(flags.ack_timeout * 1000)),
         .tls = !flags.server.tls_cert.empty()},
        follower.get());
    // `dealsctl backup` asks for backups here while the server holds the directory.
    auto control = tools::serve_backups(*store, flags.data_dir);
    if (!control) {
        logging::warn(cat("no control socket, so no online backups: ", control.error().message));
    }
    if (!serve(app, flags.server)) {
        return 1;
    }
    if (control) {
        control->reset();  // waits for a backup in progress
    }
    follower.reset();  // before the store it appends to
    stop(*store, kafka);
    return 0;
}
