#include "store/kafka_consumer.hpp"

#include <thread>

#include "store/kafka_conf.hpp"
#include "store/kafka_handles.hpp"

namespace deals::store {

std::string ConsumedMessage::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

struct KafkaConsumer::Impl {
    kafka::ConsumerClient consumer;
    kafka::Queue queue;  ///< the consumer's, for `consume` (destroyed first)
    std::string topic;
    int partitions = 0;
    bool absent = false;  ///< the cluster answered that the topic does not exist

    /// The topic's partition count, once the cluster knows the topic (0 until then).
    int partition_count(const std::string& topic) {
        const kafka::Topic handle(rd_kafka_topic_new(consumer.get(), topic.c_str(), nullptr));
        const auto metadata = kafka::metadata(consumer.get(), handle.get(), 2000);
        if (metadata && metadata->topic_cnt == 1 && !metadata->topics[0].err) {
            return metadata->topics[0].partition_cnt;
        }
        absent = metadata && metadata->topic_cnt == 1 &&
                 metadata->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        return 0;
    }
};

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::open(Options options) {
    auto impl = std::make_unique<Impl>();
    const KafkaConfig defaults = {
        {"bootstrap.servers", options.brokers},
        {"client.id", "relate-deals-tail"},
        {"group.id", "relate-deals-tail"},  // required by the API; no group is joined (assign)
        {"enable.auto.commit", "false"},
        {"enable.partition.eof", "false"},
        // A fetch waits at most this long for new messages at a partition's end. librdkafka
        // sends a request for the end offsets (watermarks) after the fetch in progress, so a
        // long wait (500 ms by default) made each watermark query take as long.
        {"fetch.wait.max.ms", "20"},
        {"log_level", "3"},
    };
    auto made = make_kafka_conf(defaults, options.config);
    if (!made) {
        return made.error();
    }
    auto made_client = kafka::new_client(RD_KAFKA_CONSUMER, std::move(*made));
    if (!made_client.client) {
        return bad_request("Kafka consumer: " + made_client.error);
    }
    impl->consumer.reset(made_client.client.release());
    impl->topic = options.topic;
    const auto deadline = std::chrono::steady_clock::now() + options.topic_timeout;
    while ((impl->partitions = impl->partition_count(options.topic)) == 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            if (impl->absent) {
                return not_found("topic", options.topic);
            }
            return unavailable("topic " + options.topic + " not found on " + options.brokers);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));  // polling the cluster
    }
    const kafka::PartitionList list(rd_kafka_topic_partition_list_new(impl->partitions));
    const bool given = options.start_offsets.size() == static_cast<std::size_t>(impl->partitions);
    for (int p = 0; p < impl->partitions; ++p) {
        rd_kafka_topic_partition_list_add(list.get(), options.topic.c_str(), p)->offset =
            given                    ? options.start_offsets[static_cast<std::size_t>(p)]
            : options.from_beginning ? RD_KAFKA_OFFSET_BEGINNING
                                     : RD_KAFKA_OFFSET_END;
    }
    if (const auto err = rd_kafka_assign(impl->consumer.get(), list.get())) {
        return unavailable(std::string("cannot assign partitions: ") +
                                     rd_kafka_err2str(err));
    }
    impl->queue.reset(rd_kafka_queue_get_consumer(impl->consumer.get()));
    if (!impl->queue) {
        return unavailable("the Kafka consumer has no queue");
    }
    return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(impl)));
}

KafkaConsumer::KafkaConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::vector<std::int64_t> KafkaConsumer::positions() {
    const kafka::PartitionList list(rd_kafka_topic_partition_list_new(impl_->partitions));
    for (int p = 0; p < impl_->partitions; ++p) {
        rd_kafka_topic_partition_list_add(list.get(), impl_->topic.c_str(), p);
    }
    std::vector<std::int64_t> out(static_cast<std::size_t>(impl_->partitions), -1);
    if (rd_kafka_position(impl_->consumer.get(), list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return out;
    }
    for (int i = 0; i < list->cnt; ++i) {
        const auto& e = list->elems[i];
        if (e.partition >= 0 && e.partition < impl_->partitions && e.offset >= 0) {
            out[static_cast<std::size_t>(e.partition)] = e.offset;
        }
    }
    return out;
}

KafkaConsumer::~KafkaConsumer() = default;

int KafkaConsumer::partitions() const { return impl_->partitions; }

namespace {

/// Each partition's watermarks: as the last fetch brought them back when `as_fetched` and
/// known (no request), else asked of the brokers.
Result<std::vector<KafkaConsumer::Watermarks>> read_watermarks(rd_kafka_t* consumer,
                                                               const std::string& topic,
                                                               int partitions,
                                                               std::chrono::milliseconds timeout,
                                                               bool as_fetched) {
    std::vector<KafkaConsumer::Watermarks> out;
    for (int p = 0; p < partitions; ++p) {
        KafkaConsumer::Watermarks w;
        // Not fetched yet: an error, or RD_KAFKA_OFFSET_INVALID.
        const bool known = as_fetched &&
                           rd_kafka_get_watermark_offsets(consumer, topic.c_str(), p, &w.low,
                                                          &w.high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                           w.low >= 0 && w.high >= 0;
        const auto err =
            known ? RD_KAFKA_RESP_ERR_NO_ERROR
                  : rd_kafka_query_watermark_offsets(consumer, topic.c_str(), p, &w.low, &w.high,
                                                     static_cast<int>(timeout.count()));
        if (err) {
            return unavailable(std::string("cannot read the end offsets: ") +
                               rd_kafka_err2str(err));
        }
        out.push_back(w);
    }
    return out;
}

}  // namespace

Result<std::vector<KafkaConsumer::Watermarks>> KafkaConsumer::watermarks(
    std::chrono::milliseconds timeout) {
    return read_watermarks(impl_->consumer.get(), impl_->topic, impl_->partitions, timeout, false);
}

Result<std::vector<KafkaConsumer::Watermarks>> KafkaConsumer::fetched_watermarks(
    std::chrono::milliseconds timeout) {
    return read_watermarks(impl_->consumer.get(), impl_->topic, impl_->partitions, timeout, true);
}

std::string KafkaConsumer::cluster_id(std::chrono::milliseconds timeout) {
    char* id = rd_kafka_clusterid(impl_->consumer.get(), static_cast<int>(timeout.count()));
    if (id == nullptr) {
        return {};
    }
    std::string out(id);
    rd_kafka_mem_free(impl_->consumer.get(), id);
    return out;
}

Result<std::vector<std::int64_t>> KafkaConsumer::end_offsets(std::chrono::milliseconds timeout) {
    auto marks = watermarks(timeout);
    if (!marks) {
        return marks.error();
    }
    std::vector<std::int64_t> out;
    for (const auto& w : *marks) {
        out.push_back(w.high);
    }
    return out;
}

Result<std::optional<ConsumedMessage>> KafkaConsumer::poll(
    std::chrono::milliseconds timeout) {
    const kafka::Message m(
        rd_kafka_consumer_poll(impl_->consumer.get(), static_cast<int>(timeout.count())));
    if (!m) {
        return std::optional<ConsumedMessage>{};
    }
    if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            return std::optional<ConsumedMessage>{};
        }
        return unavailable(std::string("Kafka consumer: ") +
                                     rd_kafka_message_errstr(m.get()));
    }
    ConsumedMessage out;
    out.partition = m->partition;
    out.offset = m->offset;
    out.key.assign(static_cast<const char*>(m->key), m->key_len);
    out.value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_headers_t* headers = nullptr;  // the message's
    if (rd_kafka_message_headers(m.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; !rd_kafka_header_get_all(headers, i, &name, &value, &size); ++i) {
            out.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
        }
    }
    return std::optional<ConsumedMessage>{std::move(out)};
}

std::size_t KafkaConsumer::consume(std::chrono::milliseconds timeout, std::size_t max,
                                   const std::function<void(const MessageView&)>& visit) {
    std::vector<rd_kafka_message_t*> taken(max);
    const auto n = rd_kafka_consume_batch_queue(
        impl_->queue.get(), static_cast<int>(timeout.count()), taken.data(), taken.size());
    std::size_t handed = 0;
    // Each message is the caller's from here on, freed even if `visit` throws.
    std::vector<kafka::Message> owned;
    owned.reserve(static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    for (ssize_t i = 0; i < n; ++i) {
        owned.emplace_back(taken[static_cast<std::size_t>(i)]);
    }
    for (const auto& m : owned) {
        if (m->err) {
            continue;  // a partition's end, or an error librdkafka retries
        }
        visit({m->partition, m->offset,
               std::string_view(static_cast<const char*>(m->payload), m->len)});
        ++handed;
    }
    return handed;
}

}  // namespace deals::store
