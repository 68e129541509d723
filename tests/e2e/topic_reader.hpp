#pragma once

// Shared by the end-to-end tests that check the topic: every event on it, read to the end
// offsets it had when asked. Header only.

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>

#include "events/ids.hpp"
#include "store/kafka_consumer.hpp"
#include "support/json.hpp"

namespace deals::testing::e2e {

/// One event as the topic holds it.
struct OnTopic {
    std::string type;
    std::int64_t deal_id = 0;
    std::string hash;
};

/// Every event on the topic, by sequence (read to the partitions' end offsets).
inline std::map<events::Sequence, OnTopic> read_topic(const std::string& bootstrap) {
    auto consumer = store::KafkaConsumer::open({.brokers = bootstrap, .from_beginning = true});
    REQUIRE(consumer.has_value());
    auto ends = (*consumer)->end_offsets(std::chrono::milliseconds(10'000));
    REQUIRE(ends.has_value());
    std::int64_t left = 0;
    for (const auto e : *ends) {
        left += e;
    }
    std::map<events::Sequence, OnTopic> out;
    while (left > 0) {
        auto m = (*consumer)->poll(std::chrono::milliseconds(10'000));
        REQUIRE(m.has_value());
        REQUIRE(m->has_value());  // every message up to the end offsets comes
        --left;
        json::Document doc;
        doc.Parse<json::kExactNumbers>((*m)->value.c_str());
        REQUIRE(doc.IsObject());
        OnTopic e{doc["type"].GetString(), 0, doc["hash"].GetString()};
        if (e.type == "DealCreated") {
            e.deal_id = std::stoll(doc["data"]["deal_id"].GetString());
        }
        out[std::stoull(doc["sequence"].GetString())] = e;
    }
    return out;
}

}  // namespace deals::testing::e2e
