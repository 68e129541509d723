#pragma once

// Shared by the Kafka tests: a store in a temporary directory, an embedded broker (a real Kafka
// protocol peer on loopback), deal events written the way the log writes them, and a consumer
// that reads the whole topic back. Header only.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/embedded_broker.hpp"
#include "support/json.hpp"
#include "store/kafka_consumer.hpp"
#include "store/kafka_relay.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace deals::kafka_test {

using namespace std::chrono_literals;

inline std::unique_ptr<store::Store> open_store(const std::string& dir) {
    auto s = store::Store::open({.data_dir = dir});  // seeds the default pipeline (6 events)
    REQUIRE(s.has_value());
    return std::move(*s);
}

inline std::unique_ptr<store::EmbeddedBroker> start_broker(int partitions = 4) {
    auto b = store::EmbeddedBroker::start({.partitions = partitions});
    REQUIRE(b.has_value());
    return std::move(*b);
}

/// Lines the relay would print, kept for the assertions instead of stderr.
struct RelayLog {
    std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
    std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
    std::function<void(const std::string&)> sink() {
        return [l = lines, m = mutex](const std::string& line) {
            std::lock_guard lock(*m);
            l->push_back(line);
        };
    }
    bool contains(const std::string& needle) const {
        std::lock_guard lock(*mutex);
        for (const auto& line : *lines) {
            if (line.find(needle) != std::string::npos) {
                return true;
            }
        }
        return false;
    }
};

inline std::unique_ptr<store::KafkaRelay> start_relay(store::Store& s, const std::string& brokers,
                                                      bool fresh, RelayLog* log = nullptr) {
    store::RelayOptions options{.brokers = brokers, .fresh_broker = fresh};
    if (const char* debug = std::getenv("DEALS_TEST_KAFKA_DEBUG")) {
        options.config.emplace_back("debug", debug);  // librdkafka's contexts, e.g. msg,eos
    }
    if (log) {
        options.log = log->sink();
    }
    auto r = store::KafkaRelay::start(s, std::move(options));
    REQUIRE(r.has_value());
    return std::move(*r);
}

inline events::AppendResult create_deal(store::Store& s, std::int64_t id) {
    events::DealCreated created;
    created.deal_id = events::DealId{id};
    created.name = "Deal \"" + std::to_string(id) + "\" — Ünïcode";
    created.pipeline_id = events::PipelineId{1};
    created.stage_id = events::StageId{1};
    created.amount = events::Money::parse("1200.50");
    events::AppendRequest request{events::deal_stream(created.deal_id),
                                  events::ExpectedVersion::no_stream(),
                                  {created},
                                  {{events::UserId{1}, events::TokenId{2}}, "req", "corr"}};
    return s.append_and_wait(std::move(request));
}

/// Renames deal `id`, which is at `version`, to "Deal <id> v<version+1>".
inline events::AppendResult rename_deal(store::Store& s, std::int64_t id,
                                        events::StreamVersion version) {
    events::DealUpdated updated;
    updated.deal_id = events::DealId{id};
    updated.name = events::Change<std::string>{
        "old", "Deal " + std::to_string(id) + " v" + std::to_string(version + 1)};
    events::AppendRequest request{events::deal_stream(updated.deal_id),
                                  events::ExpectedVersion::exactly(version),
                                  {updated},
                                  {{events::UserId{1}, std::nullopt}, "req", "corr"}};
    return s.append_and_wait(std::move(request));
}

/// A consumed message with its value parsed.
struct Received {
    store::ConsumedMessage message;
    std::shared_ptr<json::Document> value;
    std::uint64_t sequence() const { return (*value)["sequence"].GetUint64(); }
    std::uint64_t stream_version() const { return (*value)["streamversion"].GetUint64(); }
    std::string text(const char* name) const { return (*value)[name].GetString(); }
};

/// Reads the topic from the beginning until every sequence 1..head arrived (repeats count
/// once) or `timeout` passed; then keeps reading until `linger` passes without a message, so
/// that repeats are seen too.
inline std::vector<Received> consume(const std::string& brokers, std::uint64_t head,
                                     std::chrono::milliseconds timeout = 20s,
                                     std::chrono::milliseconds linger = 0ms) {
    auto consumer = store::KafkaConsumer::open({.brokers = brokers, .from_beginning = true});
    REQUIRE(consumer.has_value());
    std::vector<Received> out;
    std::set<std::uint64_t> seen;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto quiet_since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < deadline) {
        const bool complete = seen.size() == head && (seen.empty() || *seen.rbegin() == head);
        if (complete && std::chrono::steady_clock::now() - quiet_since >= linger) {
            break;
        }
        auto polled = (*consumer)->poll(complete ? 50ms : 200ms);
        REQUIRE(polled.has_value());
        if (!*polled) {
            continue;
        }
        quiet_since = std::chrono::steady_clock::now();
        Received r{std::move(**polled), std::make_shared<json::Document>()};
        r.value->Parse(r.message.value.c_str());
        INFO("value: " << r.message.value);
        REQUIRE_FALSE(r.value->HasParseError());
        seen.insert(r.sequence());
        out.push_back(std::move(r));
    }
    return out;
}

/// The sequence numbers 1..head that no message carries.
inline std::vector<std::uint64_t> missing(const std::vector<Received>& received,
                                          std::uint64_t head) {
    std::set<std::uint64_t> seen;
    for (const auto& r : received) {
        seen.insert(r.sequence());
    }
    std::vector<std::uint64_t> out;
    for (std::uint64_t s = 1; s <= head; ++s) {
        if (!seen.count(s)) {
            out.push_back(s);
        }
    }
    return out;
}

/// Polls `condition` until it holds or `timeout` passes (for states with no event to wait on).
template <class F>
bool eventually(F condition, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

}  // namespace deals::kafka_test
