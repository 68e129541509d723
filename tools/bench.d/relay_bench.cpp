// relay_bench: measures the Kafka relay for tools/bench (docs/BENCHMARKS.md).
//
//   relay_bench lag --dealsd BIN --dealsctl BIN [--rate 5000] [--seconds 20]
//     dealsd on a `dealsctl broker`, creates over HTTP at a steady rate (open loop: each
//     request is sent at its scheduled time, whatever the previous answers took), and a Kafka
//     consumer that measures, for every DealCreated, consumer receive time - the event's time
//     (set by the log writer when it commits the batch).
//
//   relay_bench replay [--events 1000000]
//     a data directory with that many events, then a relay started on a new embedded broker:
//     how fast it publishes the backlog, and a consumer check that every sequence arrived.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "commands/error.hpp"
#include "store/embedded_broker.hpp"
#include "store/kafka_consumer.hpp"
#include "store/kafka_relay.hpp"
#include "store/store.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace deals;
using Clock = std::chrono::steady_clock;

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    const auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1));
    return v[index];
}

/// `"time":"…"` of a CloudEvents value, in micros since the epoch.
std::int64_t event_time(const std::string& value) {
    const auto at = value.find("\"time\":\"");
    if (at == std::string::npos) {
        return 0;
    }
    const auto start = at + 8;
    const auto end = value.find('"', start);
    const auto t = events::Timestamp::parse(std::string_view(value).substr(start, end - start));
    return t ? t->micros : 0;
}

std::string run_for_output(const std::vector<std::string>& argv) {
    testing::Process p(argv);
    std::string out = p.wait_for_line("");
    p.wait();
    return out;
}

/// A user to create deals as, and a token of theirs.
std::string super_admin_token(const std::string& dealsctl, const std::string& data) {
    run_for_output({dealsctl, "--data-dir", data, "user", "add", "--name", "Bench", "--email",
                    "bench@example.com", "--super-admin"});
    return run_for_output(
        {dealsctl, "--data-dir", data, "token", "issue", "--user", "bench@example.com"});
}

/// A `dealsctl broker`, and dealsd on a new data directory publishing to it, with a token of
/// a super-admin to create deals with.
struct LagServers {
    testing::TempDir dir;
    const std::string data = dir.path() + "/data";
    testing::Process broker;
    const std::string bootstrap;
    const std::string token;
    testing::Process server;
    const unsigned short port;

    LagServers(const std::string& dealsd, const std::string& dealsctl)
        : broker({dealsctl, "broker", "--partitions", "4"}),
          bootstrap(broker.wait_for_line("bootstrap: ").substr(11)),
          token(super_admin_token(dealsctl, data)),
          server({dealsd, "--data-dir", data, "--listen", "127.0.0.1:0", "--kafka", bootstrap}),
          port(testing::port_of(server.wait_for_line("listening on"))) {
        server.wait_for_line("publishing from sequence");
    }

    void stop() {
        server.kill(SIGTERM);
        server.wait();
        broker.kill(SIGTERM);
        broker.wait();
    }
};

/// The load's counts, and how far behind schedule each connection fell at worst.
struct Load {
    std::atomic<bool> done{false};
    std::atomic<long> sent{0}, created{0}, failed{0};
    double elapsed = 0;  ///< seconds from the first request due to the last answer
    std::vector<double> late_ms;
    std::mutex late_mutex;
};

/// Open loop: request k of connection c is due at start + (k * connections + c) / rate.
struct Schedule {
    int rate;
    Clock::time_point start;
    Clock::time_point end;
    std::chrono::duration<double> interval;
};

/// One connection's share of the load, each request sent when it is due.
void send_paced(unsigned short port, const std::string& token, const Schedule& schedule, int c,
                Load& load) {
    testing::HttpClient client(port, token);
    const auto offset = std::chrono::duration<double>(static_cast<double>(c) / schedule.rate);
    double worst = 0;
    for (long k = 0;; ++k) {
        const auto due = schedule.start + std::chrono::duration_cast<Clock::duration>(
                                              offset + schedule.interval * static_cast<double>(k));
        if (due >= schedule.end) {
            break;
        }
        std::this_thread::sleep_until(due);  // pacing the load, not synchronisation
        worst =
            std::max(worst, std::chrono::duration<double, std::milli>(Clock::now() - due).count());
        const auto r = client.post("/api/deals", "{\"name\":\"Lag deal " + std::to_string(c) + "-" +
                                                     std::to_string(k) + "\",\"stage_id\":1}");
        ++load.sent;
        if (r.status == 201) {
            ++load.created;
        } else {
            ++load.failed;
        }
    }
    std::lock_guard lock(load.late_mutex);
    load.late_ms.push_back(worst);
}

/// Creates deals at `rate` a second for `seconds`, over `connections` connections.
void run_load(unsigned short port, const std::string& token, int rate, int seconds, int connections,
              Load& load) {
    const auto start = Clock::now() + std::chrono::milliseconds(200);
    const Schedule schedule{rate, start, start + std::chrono::seconds(seconds),
                            std::chrono::duration<double>(static_cast<double>(connections) / rate)};
    std::vector<std::thread> clients;
    for (int c = 0; c < connections; ++c) {
        clients.emplace_back([&, c] { send_paced(port, token, schedule, c, load); });
    }
    for (auto& t : clients) {
        t.join();
    }
    load.elapsed = std::chrono::duration<double>(Clock::now() - schedule.start).count();
    load.done = true;
}

/// Consumes the topic on a thread of its own and measures, for every DealCreated, receive time
/// - the event's time, until the load is done and every deal it created has arrived (or
/// nothing has for 10 s).
class LagMeter {
public:
    LagMeter(std::unique_ptr<store::KafkaConsumer> consumer, const Load& load)
        : consumer_(std::move(consumer)), load_(load) {
        reader_ = std::thread([this] { read(); });
    }

    /// Waits for the reader to finish, then closes the consumer.
    void stop() {
        reader_.join();
        consumer_.reset();
    }

    [[nodiscard]] long received() const { return received_; }
    /// The lags measured, in ms (read once stopped).
    [[nodiscard]] const std::vector<double>& lags_ms() const { return lags_ms_; }

private:
    void read() {
        auto idle_since = Clock::now();
        while (true) {
            auto m = consumer_->poll(std::chrono::milliseconds(100));
            if (m && *m) {
                idle_since = Clock::now();
                if ((*m)->header("ce_type") != "DealCreated") {
                    continue;
                }
                const double ms = static_cast<double>(micros_now() - event_time((*m)->value)) / 1e3;
                std::lock_guard lock(lags_mutex_);
                lags_ms_.push_back(ms);
                ++received_;
                continue;
            }
            if (load_.done && (received_ >= load_.created ||
                               Clock::now() - idle_since > std::chrono::seconds(10))) {
                return;
            }
        }
    }

    static std::int64_t micros_now() {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    std::unique_ptr<store::KafkaConsumer> consumer_;
    const Load& load_;
    std::vector<double> lags_ms_;
    std::mutex lags_mutex_;
    std::atomic<long> received_{0};
    std::thread reader_;  ///< last: it starts once the members above exist
};

/// Prints the load achieved and the lags' percentiles; 0 when every deal created was consumed.
int report_lag(int rate, int seconds, const Load& load, const LagMeter& meter) {
    const double achieved = static_cast<double>(load.created) / load.elapsed;
    std::printf(
        "lag: target %d creates/s for %d s, achieved %.0f creates/s (%ld created, %ld "
        "failed), most behind schedule %.1f ms\n",
        rate, seconds, achieved, load.created.load(), load.failed.load(),
        load.late_ms.empty() ? 0.0 : *std::max_element(load.late_ms.begin(), load.late_ms.end()));
    std::vector<double> sorted = meter.lags_ms();
    std::sort(sorted.begin(), sorted.end());
    std::printf(
        "lag: %zu DealCreated consumed; commit -> consumer p50 %.2f ms, p90 %.2f ms, "
        "p99 %.2f ms, max %.2f ms\n",
        sorted.size(), percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
        sorted.empty() ? 0.0 : sorted.back());
    return meter.received() == load.created ? 0 : 1;
}

int lag(const std::string& dealsd, const std::string& dealsctl, int rate, int seconds,
        int connections) {
    LagServers servers(dealsd, dealsctl);
    // A consumer that asks for new messages every 5 ms at most (librdkafka's default lets a
    // fetch wait up to 500 ms for data, which would measure the consumer, not the relay).
    auto consumer = store::KafkaConsumer::open({.brokers = servers.bootstrap,
                                                .from_beginning = true,
                                                .config = {{"fetch.wait.max.ms", "5"}}});
    if (!consumer) {
        std::cerr << "error: " << consumer.error().message << std::endl;
        return 1;
    }
    Load load;
    LagMeter meter(std::move(*consumer), load);
    run_load(servers.port, servers.token, rate, seconds, connections, load);
    meter.stop();
    servers.stop();
    return report_lag(rate, seconds, load, meter);
}

/// The request that appends the `i`th deal of the backlog.
events::AppendRequest replay_deal(long i) {
    events::DealCreated created;
    created.deal_id = events::DealId{i};
    created.name = "Replay deal " + std::to_string(i);
    created.pipeline_id = events::PipelineId{1};
    created.stage_id = events::StageId{1};
    created.amount = events::Money::parse("1250.50");
    return {events::deal_stream(created.deal_id),
            events::ExpectedVersion::no_stream(),
            {created},
            {{events::UserId{1}, events::TokenId{1}}, "bench", "bench"}};
}

/// Fills the log with `count` deals, and says how long it took.
void fill_log(store::Store& s, long count) {
    // Many appends in flight, so the writer's group commit packs them.
    const auto fill_start = Clock::now();
    std::mutex mutex;
    std::condition_variable cv;
    long outstanding = 0, done = 0;
    for (long i = 1; i <= count; ++i) {
        {
            std::unique_lock lock(mutex);
            cv.wait(lock, [&] { return outstanding < 20'000; });
            ++outstanding;
        }
        s.log().append(replay_deal(i), [&](events::AppendResult) {
            std::lock_guard lock(mutex);
            --outstanding;
            ++done;
            cv.notify_all();
        });
        if (i % 200'000 == 0) {
            std::fprintf(stderr, "filling the log: %ld of %ld events\n", i, count);
        }
    }
    {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return outstanding == 0; });
    }
    const double fill = std::chrono::duration<double>(Clock::now() - fill_start).count();
    std::printf("replay: log filled with %ld events in %.1f s\n", count, fill);
}

/// Starts a relay on `broker` and waits until it has published up to `head`, saying how fast.
commands::Result<std::unique_ptr<store::KafkaRelay>> publish_backlog(store::Store& s,
                                                                     store::EmbeddedBroker& broker,
                                                                     events::Sequence head) {
    const auto relay_start = Clock::now();
    auto relay = store::KafkaRelay::start(
        s, {.brokers = broker.bootstrap(),
            .fresh_broker = true,
            .log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }});
    if (!relay) {
        return relay.error();
    }
    while (!(*relay)->wait_published(head, std::chrono::seconds(2))) {
        const auto st = (*relay)->stats();
        std::fprintf(stderr, "publishing: %llu of %llu (%.0f events/s so far)\n",
                     static_cast<unsigned long long>(st.published),
                     static_cast<unsigned long long>(head),
                     static_cast<double>(st.published) /
                         std::chrono::duration<double>(Clock::now() - relay_start).count());
    }
    const double publish = std::chrono::duration<double>(Clock::now() - relay_start).count();
    std::printf(
        "replay: %llu events published (acknowledged by the broker) in %.2f s: %.0f "
        "events/s, including connecting\n",
        static_cast<unsigned long long>(head), publish, static_cast<double>(head) / publish);
    return relay;
}

/// The messages the broker's partitions ever took, all together.
commands::Result<std::uint64_t> messages_taken(store::EmbeddedBroker& broker) {
    // The embedded broker keeps only the newest 5 MiB per partition (librdkafka's mock
    // cluster), so a consumer cannot read a million events back; the partitions' end offsets
    // count every message the broker ever took. The tests check content on smaller logs.
    auto consumer = store::KafkaConsumer::open({.brokers = broker.bootstrap()});
    if (!consumer) {
        return consumer.error();
    }
    auto ends = (*consumer)->end_offsets(std::chrono::seconds(5));
    if (!ends) {
        return ends.error();
    }
    std::uint64_t taken = 0;
    for (auto e : *ends) {
        taken += static_cast<std::uint64_t>(e);
    }
    return taken;
}

int replay(long count) {
    testing::TempDir dir;
    auto opened = store::Store::open({.data_dir = dir.path() + "/data", .seed_defaults = false});
    if (!opened) {
        std::cerr << "error: " << opened.error().message << std::endl;
        return 1;
    }
    auto& s = **opened;
    fill_log(s, count);
    auto broker = store::EmbeddedBroker::start({.partitions = 4});
    if (!broker) {
        std::cerr << "error: " << broker.error().message << std::endl;
        return 1;
    }
    const auto head = s.log().head_sequence();
    auto relay = publish_backlog(s, **broker, head);
    if (!relay) {
        std::cerr << "error: " << relay.error().message << std::endl;
        return 1;
    }
    (*relay)->stop();
    const auto taken = messages_taken(**broker);
    if (!taken) {
        std::cerr << "error: " << taken.error().message << std::endl;
        return 1;
    }
    std::printf("replay: the topic's partitions took %llu messages in all, for %llu events\n",
                static_cast<unsigned long long>(*taken), static_cast<unsigned long long>(head));
    s.close();
    return *taken >= head ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"relay_bench: Kafka relay lag and backlog publish rate"};
    cli.require_subcommand(1);
    std::string dealsd, dealsctl;
    int rate = 5000, seconds = 20, connections = 32;
    auto* lag_cmd = cli.add_subcommand("lag", "commit -> consumer lag at a steady create rate");
    lag_cmd->add_option("--dealsd", dealsd)->required();
    lag_cmd->add_option("--dealsctl", dealsctl)->required();
    lag_cmd->add_option("--rate", rate)->capture_default_str();
    lag_cmd->add_option("--seconds", seconds)->capture_default_str();
    lag_cmd->add_option("--connections", connections)->capture_default_str();
    long count = 1'000'000;
    auto* replay_cmd = cli.add_subcommand("replay", "publish rate of a backlog");
    replay_cmd->add_option("--events", count)->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    if (*lag_cmd) {
        return lag(dealsd, dealsctl, rate, seconds, connections);
    }
    return replay(count);
}
