#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/json.hpp"
#include "store/kafka_consumer.hpp"
#include "tests/e2e/e2e_helpers.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace std::chrono_literals;
using namespace deals::testing;
using namespace deals::testing::e2e;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kTopic = "deals.events";

std::string line_with(const std::vector<std::string>& lines, const std::string& needle) {
    for (const auto& line : lines) {
        if (line.find(needle) != std::string::npos) {
            return line;
        }
    }
    return {};
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) {
        out += "\n  " + line;
    }
    return out;
}

struct Broker {
    std::unique_ptr<Process> process;
    std::string bootstrap;
};

Broker start_broker(int partitions) {
    Broker b;
    b.process = std::make_unique<Process>(std::vector<std::string>{
        DEALS_DEALSCTL, "broker", "--partitions", std::to_string(partitions)});
    const std::string line = b.process->wait_for_line("bootstrap: ");
    REQUIRE_FALSE(line.empty());
    b.bootstrap = line.substr(line.find("bootstrap: ") + 11);
    return b;
}

struct Server {
    std::unique_ptr<Process> process;
    unsigned short port = 0;
    std::vector<std::string> output;  ///< its standard output as far as read
};

Server start_server(const std::string& dir, const std::string& bootstrap) {
    Server s;
    s.process = std::make_unique<Process>(
        std::vector<std::string>{DEALS_DEALSD, "--data-dir", dir, "--listen", "127.0.0.1:0",
                                 "--threads", "2", "--kafka", bootstrap});
    s.output = read_lines(*s.process, "listening on http://");
    INFO("dealsd said:" << joined(s.output));
    REQUIRE_FALSE(line_with(s.output, "listening on http://").empty());
    s.port = deals::testing::port_of(s.output.back());
    return s;
}

/// What /healthz says about the log and the relay.
struct Health {
    bool ok = false;
    std::uint64_t sequence = 0;
    std::uint64_t published = 0;
    std::string body;
};

Health health(HttpClient& client) {
    Health h;
    const auto res = client.get("/healthz");
    h.body = std::to_string(res.status) + " " + res.body;
    if (res.status != 200) {
        return h;
    }
    json::Document doc;
    doc.Parse(res.body.data(), res.body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("sequence") ||
        !doc["sequence"].IsUint64() || !doc.HasMember("kafka") || !doc["kafka"].IsObject() ||
        !doc["kafka"].HasMember("published_sequence") ||
        !doc["kafka"]["published_sequence"].IsUint64()) {
        return h;
    }
    h.ok = true;
    h.sequence = doc["sequence"].GetUint64();
    h.published = doc["kafka"]["published_sequence"].GetUint64();
    return h;
}

/// Acknowledged writes and unexpected answers of a group of concurrent clients.
struct Load {
    std::mutex mutex;
    std::condition_variable progressed;
    std::size_t acked = 0;  // guarded by `mutex`
    std::size_t creates = 0;
    std::size_t renames = 0;
    std::vector<std::string> errors;

    void ack(bool create) {
        std::lock_guard lock(mutex);
        ++acked;
        ++(create ? creates : renames);
        progressed.notify_all();
    }
    void error(std::string what) {
        std::lock_guard lock(mutex);
        errors.push_back(std::move(what));
        progressed.notify_all();
    }
};

/// One client: creates deals and renames every third one it created, while `another()` says
/// so. A failure (the server gone) ends it; it counts as an error unless `expected_failure()`.
void write_deals(unsigned short port, const std::string& token, int c, Load& load,
                 const std::function<bool()>& another,
                 const std::function<bool()>& expected_failure) {
    HttpClient client(port, token);
    std::int64_t last_id = 0;
    for (int i = 0; another(); ++i) {
        const bool rename = last_id != 0 && i % 3 == 2;
        const std::string name = "Deal " + std::to_string(c) + "-" + std::to_string(i);
        try {
            if (rename) {
                const std::string target = "/api/deals/" + std::to_string(last_id);
                const auto res = client.put(target, R"({"name":")" + name + R"( renamed"})");
                if (res.status == 200) {
                    load.ack(false);
                } else if (!expected_failure()) {
                    load.error("PUT " + target + ": " + std::to_string(res.status) + " " +
                               res.body);
                }
                continue;
            }
            const auto res =
                client.post("/api/deals", R"({"name":")" + name + R"(","stage_id":1})");
            if (res.status != 201) {
                if (!expected_failure()) {
                    load.error("POST /api/deals: " + std::to_string(res.status) + " " + res.body);
                }
                continue;
            }
            json::Document doc;
            doc.Parse(res.body.data(), res.body.size());
            if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("id") ||
                !doc["id"].IsInt64()) {
                load.error("POST /api/deals: no id in " + res.body);
                continue;
            }
            last_id = doc["id"].GetInt64();
            load.ack(true);
        } catch (const std::exception& e) {
            if (!expected_failure()) {
                load.error(std::string(rename ? "PUT" : "POST") + ": " + e.what());
            }
            return;  // the server is gone
        }
    }
}

/// "3, 7-9, 12" for a sorted list, at most `limit` entries.
std::string ranges(const std::vector<std::uint64_t>& values, std::size_t limit = 40) {
    std::ostringstream out;
    std::size_t shown = 0;
    for (std::size_t i = 0; i < values.size();) {
        std::size_t j = i;
        while (j + 1 < values.size() && values[j + 1] == values[j] + 1) {
            ++j;
        }
        if (shown++ == limit) {
            out << ", …";
            break;
        }
        out << (i ? ", " : "") << values[i];
        if (j > i) {
            out << "-" << values[j];
        }
        i = j + 1;
    }
    return out.str();
}

}  // namespace

TEST_CASE("every committed event reaches Kafka across a SIGKILL of the server", "[e2e]") {
    auto broker = start_broker(4);
    TempDir dir;
    const std::string token = admin_token(dir.path());
    auto server = start_server(dir.path(), broker.bootstrap);

    constexpr int kClients = 8;
    constexpr std::size_t kAcksBeforeKill = 1000;
    constexpr std::size_t kWritesAfterRestart = 300;

    // 1. Concurrent creates and renames; SIGKILL while requests are in flight.
    Load before;
    std::atomic<bool> killing{false};
    Health at_kill;
    {
        std::vector<std::thread> clients;
        clients.reserve(kClients);
        for (int c = 0; c < kClients; ++c) {
            clients.emplace_back([&, c] {
                write_deals(
                    server.port, token, c, before, [&] { return !killing; },
                    [&] { return killing.load(); });
            });
        }
        bool enough = false;
        {
            std::unique_lock lock(before.mutex);
            enough = before.progressed.wait_for(lock, 20s, [&] {
                return before.acked >= kAcksBeforeKill || !before.errors.empty();
            });
        }
        HttpClient probe(server.port);
        at_kill = health(probe);
        killing = true;
        server.process->kill(SIGKILL);
        CHECK(server.process->wait() == 128 + SIGKILL);
        for (auto& t : clients) {
            t.join();
        }
        INFO("errors before the kill:" << joined(before.errors));
        REQUIRE(before.errors.empty());
        REQUIRE(enough);
    }
    const auto killed_output = read_lines(*server.process);
    INFO("the killed dealsd said:" << joined(killed_output));

    // 2. The same data directory and broker again; more concurrent writes.
    auto restarted = start_server(dir.path(), broker.bootstrap);
    Load after;
    {
        std::atomic<std::size_t> claimed{0};
        std::vector<std::thread> clients;
        clients.reserve(kClients);
        for (int c = 0; c < kClients; ++c) {
            clients.emplace_back([&, c] {
                write_deals(
                    restarted.port, token, kClients + c, after,
                    [&] { return claimed++ < kWritesAfterRestart; }, [] { return false; });
            });
        }
        for (auto& t : clients) {
            t.join();
        }
    }
    INFO("errors after the restart:" << joined(after.errors));
    REQUIRE(after.errors.empty());
    CHECK(after.acked == kWritesAfterRestart);

    // 3. Everything committed is acknowledged by Kafka.
    HttpClient client(restarted.port);
    Health settled;
    const auto deadline = Clock::now() + 20s;
    while (true) {
        settled = health(client);
        if ((settled.ok && settled.published == settled.sequence) || Clock::now() > deadline) {
            break;
        }
        std::this_thread::sleep_for(20ms);  // polling /healthz until the deadline
    }
    INFO("/healthz: " << settled.body);
    REQUIRE(settled.ok);
    REQUIRE(settled.published == settled.sequence);
    const std::uint64_t head = settled.sequence;
    CHECK(head >= before.acked + after.acked);

    // 4. An independent consumer (kafka-python) reads the whole topic.
    const auto script =
        std::filesystem::path(DEALS_SOURCE_DIR) / "tests" / "e2e" / "kafka_sequences.py";
    TempDir scratch;
    const std::string errors_file = scratch.path() + "/stderr";
    const auto read = run_command("/usr/bin/python3 " + shell_quoted(script.string()) + " " +
                                  shell_quoted(broker.bootstrap) + " " + kTopic + " 2>" +
                                  shell_quoted(errors_file));
    std::string script_errors;
    {
        std::ifstream in(errors_file);
        script_errors.assign(std::istreambuf_iterator<char>(in), {});
    }
    INFO("kafka_sequences.py said: " << script_errors);
    CHECK(read.status == 0);

    std::vector<std::uint32_t> seen(head + 1, 0);
    std::vector<std::uint64_t> beyond;
    std::vector<std::string> bad_lines;
    std::size_t messages = 0;
    {
        std::istringstream lines(read.out);
        std::string line;
        while (std::getline(lines, line)) {
            try {
                std::size_t used = 0;
                const auto sequence = std::stoull(line, &used);
                if (used != line.size()) {
                    throw std::invalid_argument(line);
                }
                ++messages;
                if (sequence >= 1 && sequence <= head) {
                    ++seen[sequence];
                } else {
                    beyond.push_back(sequence);
                }
            } catch (const std::exception&) {
                bad_lines.push_back(line);
            }
        }
    }
    std::vector<std::uint64_t> missing;
    std::size_t duplicates = 0;
    std::vector<std::uint64_t> repeated;
    for (std::uint64_t s = 1; s <= head; ++s) {
        if (seen[s] == 0) {
            missing.push_back(s);
        } else if (seen[s] > 1) {
            duplicates += seen[s] - 1;
            repeated.push_back(s);
        }
    }
    INFO("lines that are not sequences: " << joined(bad_lines));
    CHECK(bad_lines.empty());
    INFO(missing.size() << " sequences of 1.." << head
                        << " missing from the topic: " << ranges(missing));
    CHECK(missing.empty());
    INFO("sequences beyond the log's head " << head << ": " << ranges(beyond));
    CHECK(beyond.empty());

    // 5. The project's own consumer (librdkafka) sees at least as many messages.
    {
        auto consumer = store::KafkaConsumer::open(
            {.brokers = broker.bootstrap, .topic = kTopic, .from_beginning = true});
        INFO((consumer ? "" : consumer.error().message));
        REQUIRE(consumer);
        std::size_t consumed = 0;
        std::string error;
        const auto consume_deadline = Clock::now() + 15s;
        while (consumed < std::max<std::size_t>(messages, head) &&
               Clock::now() < consume_deadline) {
            auto m = (*consumer)->poll(200ms);
            if (!m) {
                error = m.error().message;
                break;
            }
            consumed += m->has_value() ? 1 : 0;
        }
        INFO("KafkaConsumer: " << consumed << " messages; " << error);
        CHECK(error.empty());
        CHECK(consumed >= head);
    }

    // 6. A clean stop publishes nothing more and exits 0; then the broker.
    restarted.process->kill(SIGTERM);
    const auto rest = read_lines(*restarted.process);
    restarted.output.insert(restarted.output.end(), rest.begin(), rest.end());
    INFO("the restarted dealsd said:" << joined(restarted.output));
    CHECK(restarted.process->wait() == 0);
    CHECK_THAT(line_with(restarted.output, "kafka: stopped with sequence"),
               Catch::Contains("sequence " + std::to_string(head) + " of " + std::to_string(head) +
                               " published"));
    broker.process->kill(SIGTERM);
    CHECK(broker.process->wait() == 0);

    const auto restart_line = line_with(restarted.output, "publishing from sequence");
    WARN("Kafka holds " << messages << " messages for " << head << " events: " << duplicates
                        << " duplicates (sequences " << ranges(repeated) << "); " << before.acked
                        << " writes acknowledged before the SIGKILL (" << before.creates
                        << " creates, " << before.renames
                        << " renames), /healthz just before it: sequence " << at_kill.sequence
                        << ", published " << at_kill.published << "; after the restart: "
                        << (restart_line.empty() ? "(no start line)" : restart_line));
}
