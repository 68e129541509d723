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
#include <mutex>
#include <thread>
#include <vector>

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

int lag(const std::string& dealsd, const std::string& dealsctl, int rate, int seconds,
        int connections) {
    testing::TempDir dir;
    const std::string data = dir.path() + "/data";
    testing::Process broker({dealsctl, "broker", "--partitions", "4"});
    const std::string bootstrap = broker.wait_for_line("bootstrap: ").substr(11);
    run_for_output({dealsctl, "--data-dir", data, "user", "add", "--name", "Bench", "--email",
                    "bench@example.com", "--super-admin"});
    const std::string token = run_for_output(
        {dealsctl, "--data-dir", data, "token", "issue", "--user", "bench@example.com"});
    testing::Process server(
        {dealsd, "--data-dir", data, "--listen", "127.0.0.1:0", "--kafka", bootstrap});
    const unsigned short port = testing::port_of(server.wait_for_line("listening on"));
    server.wait_for_line("publishing from sequence");

    // A consumer that asks for new messages every 5 ms at most (librdkafka's default lets a
    // fetch wait up to 500 ms for data, which would measure the consumer, not the relay).
    auto consumer = store::KafkaConsumer::open(
        {.brokers = bootstrap, .from_beginning = true, .config = {{"fetch.wait.max.ms", "5"}}});
    if (!consumer) {
        std::cerr << "error: " << consumer.error().message << std::endl;
        return 1;
    }
    std::atomic<bool> load_done{false};
    std::atomic<long> sent{0}, created{0}, failed{0};
    std::vector<double> lags_ms;
    std::mutex lags_mutex;
    std::atomic<long> received{0};
    const auto micros_now = [] {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    std::thread reader([&] {
        auto idle_since = Clock::now();
        while (true) {
            auto m = (*consumer)->poll(std::chrono::milliseconds(100));
            if (m && *m) {
                idle_since = Clock::now();
                if ((*m)->header("ce_type") != "DealCreated") {
                    continue;
                }
                const double ms = static_cast<double>(micros_now() - event_time((*m)->value)) / 1e3;
                std::lock_guard lock(lags_mutex);
                lags_ms.push_back(ms);
                ++received;
                continue;
            }
            if (load_done &&
                (received >= created || Clock::now() - idle_since > std::chrono::seconds(10))) {
                return;
            }
        }
    });

    // Open loop: request k of connection c is due at start + (k * connections + c) / rate.
    const auto start = Clock::now() + std::chrono::milliseconds(200);
    const auto end = start + std::chrono::seconds(seconds);
    const auto interval = std::chrono::duration<double>(static_cast<double>(connections) / rate);
    std::vector<double> late_ms;
    std::mutex late_mutex;
    std::vector<std::thread> clients;
    for (int c = 0; c < connections; ++c) {
        clients.emplace_back([&, c] {
            testing::HttpClient client(port, token);
            const auto offset = std::chrono::duration<double>(static_cast<double>(c) / rate);
            double worst = 0;
            for (long k = 0;; ++k) {
                const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                             offset + interval * static_cast<double>(k));
                if (due >= end) {
                    break;
                }
                std::this_thread::sleep_until(due);  // pacing the load, not synchronisation
                worst = std::max(
                    worst, std::chrono::duration<double, std::milli>(Clock::now() - due).count());
                const auto r =
                    client.post("/api/deals", "{\"name\":\"Lag deal " + std::to_string(c) + "-" +
                                                  std::to_string(k) + "\",\"stage_id\":1}");
                ++sent;
                if (r.status == 201) {
                    ++created;
                } else {
                    ++failed;
                }
            }
            std::lock_guard lock(late_mutex);
            late_ms.push_back(worst);
        });
    }
    for (auto& t : clients) {
        t.join();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    load_done = true;
    reader.join();
    consumer->reset();
    server.kill(SIGTERM);
    server.wait();
    broker.kill(SIGTERM);
    broker.wait();

    const double achieved = static_cast<double>(created) / elapsed;
    std::printf(
        "lag: target %d creates/s for %d s, achieved %.0f creates/s (%ld created, %ld "
        "failed), most behind schedule %.1f ms\n",
        rate, seconds, achieved, created.load(), failed.load(),
        late_ms.empty() ? 0.0 : *std::max_element(late_ms.begin(), late_ms.end()));
    std::vector<double> sorted = lags_ms;
    std::sort(sorted.begin(), sorted.end());
    std::printf(
        "lag: %zu DealCreated consumed; commit -> consumer p50 %.2f ms, p90 %.2f ms, "
        "p99 %.2f ms, max %.2f ms\n",
        sorted.size(), percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
        sorted.empty() ? 0.0 : sorted.back());
    return received == created ? 0 : 1;
}

int replay(long count) {
    testing::TempDir dir;
    auto opened = store::Store::open({.data_dir = dir.path() + "/data", .seed_defaults = false});
    if (!opened) {
        std::cerr << "error: " << opened.error().message << std::endl;
        return 1;
    }
    auto& s = **opened;
    // Fill the log: many appends in flight, so the writer's group commit packs them.
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
        events::DealCreated created;
        created.deal_id = events::DealId{i};
        created.name = "Replay deal " + std::to_string(i);
        created.pipeline_id = events::PipelineId{1};
        created.stage_id = events::StageId{1};
        created.amount = events::Money::parse("1250.50");
        events::AppendRequest request{events::deal_stream(created.deal_id),
                                      events::ExpectedVersion::no_stream(),
                                      {created},
                                      {{events::UserId{1}, events::TokenId{1}}, "bench", "bench"}};
        s.log().append(std::move(request), [&](events::AppendOutcome) {
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

    auto broker = store::EmbeddedBroker::start({.partitions = 4});
    if (!broker) {
        std::cerr << "error: " << broker.error().message << std::endl;
        return 1;
    }
    const auto head = s.log().head_sequence();
    const auto relay_start = Clock::now();
    auto relay = store::KafkaRelay::start(
        s, {.brokers = (*broker)->bootstrap(),
            .fresh_broker = true,
            .log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }});
    if (!relay) {
        std::cerr << "error: " << relay.error().message << std::endl;
        return 1;
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
    (*relay)->stop();
    // The embedded broker keeps only the newest 5 MiB per partition (librdkafka's mock
    // cluster), so a consumer cannot read a million events back; the partitions' end offsets
    // count every message the broker ever took. The tests check content on smaller logs.
    auto consumer = store::KafkaConsumer::open({.brokers = (*broker)->bootstrap()});
    if (!consumer) {
        std::cerr << "error: " << consumer.error().message << std::endl;
        return 1;
    }
    auto ends = (*consumer)->end_offsets(std::chrono::seconds(5));
    if (!ends) {
        std::cerr << "error: " << ends.error().message << std::endl;
        return 1;
    }
    std::uint64_t taken = 0;
    for (auto e : *ends) {
        taken += static_cast<std::uint64_t>(e);
    }
    std::printf("replay: the topic's partitions took %llu messages in all, for %llu events\n",
                static_cast<unsigned long long>(taken), static_cast<unsigned long long>(head));
    s.close();
    return taken >= head ? 0 : 1;
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
