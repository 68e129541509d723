#pragma once

// Shared by the tests that fill a topic themselves (restore from the topic, the follower): a real
// log's records and their messages, produced keyed by stream, and ways to spoil one.

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/cloud_event.hpp"
#include "store/codec.hpp"
#include "tests/kafka/kafka_fixture.hpp"

namespace deals::kafka_test {

/// A real log: its stored records and their messages, index = sequence - 1.
struct SourceLog {
    std::vector<std::string> records;
    std::vector<store::KafkaMessage> messages;
    events::Sequence backup_sequence = 0;  ///< the head of the backup taken half-way, if one was

    [[nodiscard]] events::Sequence head() const { return records.size(); }
    [[nodiscard]] std::string hash(events::Sequence seq) const {
        return std::string(store::split_record(records.at(seq - 1)).hash);
    }
};

/// 6 seeded events, then 10 deals each created and renamed twice (36 events); with
/// `backup_dir`, a backup is taken after the first 5 deals (sequence 21).
inline SourceLog make_log(const std::string& dir, const std::string& backup_dir = {}) {
    auto s = open_store(dir);
    SourceLog log;
    for (std::int64_t id = 1; id <= 10; ++id) {
        REQUIRE(create_deal(*s, id).has_value());
        REQUIRE(rename_deal(*s, id, 1).has_value());
        REQUIRE(rename_deal(*s, id, 2).has_value());
        if (id == 5 && !backup_dir.empty()) {
            const auto b = s->backup(backup_dir, {});
            REQUIRE(b.has_value());
            log.backup_sequence = b->sequence;
        }
    }
    REQUIRE(s->log().head_sequence() == 36);
    for (events::Sequence seq = 1; seq <= 36; ++seq) {
        log.records.push_back(s->log().read_record(seq));
        REQUIRE_FALSE(log.records.back().empty());
        log.messages.push_back(store::to_kafka_message(log.records.back()));
    }
    REQUIRE(log.hash(36) == s->log().head_hash());
    return log;
}

/// One message to produce: to the partition the key picks, or to `partition`.
struct Outgoing {
    std::string key;
    std::string value;
    std::int32_t partition = RD_KAFKA_PARTITION_UA;
};

/// The messages of sequences `from`..`to`, in order, keyed by stream.
inline std::vector<Outgoing> messages(const SourceLog& log, events::Sequence from,
                                      events::Sequence to) {
    std::vector<Outgoing> out;
    for (events::Sequence seq = from; seq <= to; ++seq) {
        out.push_back({log.messages.at(seq - 1).key, log.messages.at(seq - 1).value});
    }
    return out;
}

/// What the delivery reports said.
struct Deliveries {
    std::size_t delivered = 0;
    std::vector<std::string> failures;
    std::set<std::int32_t> partitions;
};

/// librdkafka's delivery report callback; `opaque` is the Deliveries.
inline void on_delivery(rd_kafka_t* /*producer*/, const rd_kafka_message_t* m, void* opaque) {
    auto& deliveries = *static_cast<Deliveries*>(opaque);
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        deliveries.failures.emplace_back(rd_kafka_err2str(m->err));
        return;
    }
    ++deliveries.delivered;
    deliveries.partitions.insert(m->partition);
}

/// Produces `out` in order (one partition keeps its messages in that order: idempotent
/// producer) and waits for every delivery report; returns the partitions they went to.
inline std::set<std::int32_t> produce(const std::string& brokers, const std::string& topic,
                                      const std::vector<Outgoing>& out) {
    char error[512];
    std::unique_ptr<rd_kafka_conf_t, void (*)(rd_kafka_conf_t*)> conf(rd_kafka_conf_new(),
                                                                      &rd_kafka_conf_destroy);
    for (const auto& [key, value] : {std::pair{"bootstrap.servers", brokers.c_str()},
                                     std::pair{"enable.idempotence", "true"}}) {
        REQUIRE(rd_kafka_conf_set(conf.get(), key, value, error, sizeof error) == RD_KAFKA_CONF_OK);
    }
    Deliveries d;
    rd_kafka_conf_set_opaque(conf.get(), &d);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &on_delivery);
    std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> producer(
        rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof error), &rd_kafka_destroy);
    INFO(error);
    REQUIRE(producer != nullptr);
    (void)conf.release();  // the producer's now
    for (const auto& m : out) {
        REQUIRE(rd_kafka_producev(
                    producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                    RD_KAFKA_V_PARTITION(m.partition), RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
                    RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    // Serves the delivery reports on this thread until every message has one.
    REQUIRE(rd_kafka_flush(producer.get(), 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    INFO("failures: " << Catch::Detail::stringify(d.failures));
    REQUIRE(d.failures.empty());
    REQUIRE(d.delivered == out.size());
    return d.partitions;
}

/// `value` with its `prevhash` replaced.
inline std::string with_prevhash(std::string value, const std::string& prevhash) {
    const std::string key = "\"prevhash\":\"";
    const auto at = value.find(key);
    REQUIRE(at != std::string::npos);
    value.replace(at + key.size(), 64, prevhash);
    return value;
}

/// `value` with one letter of its `data` changed ("Deal" in a deal's name), the hash kept.
inline std::string with_data_changed(std::string value) {
    const auto data = value.find("\"data\":");
    REQUIRE(data != std::string::npos);
    const auto at = value.find("Deal", data);
    REQUIRE(at != std::string::npos);
    value[at + 1] = 'o';
    return value;
}

}  // namespace deals::kafka_test
