#include "store/kafka_consumer.hpp"

#include <librdkafka/rdkafka.h>

#include <thread>

#include "store/kafka_conf.hpp"

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
    rd_kafka_t* consumer = nullptr;
    std::string topic;
    int partitions = 0;

    ~Impl() {
        if (consumer) {
            rd_kafka_consumer_close(consumer);
            rd_kafka_destroy(consumer);
        }
    }

    /// The topic's partition count, once the cluster knows the topic (0 until then).
    int partition_count(const std::string& topic) {
        rd_kafka_topic_t* handle = rd_kafka_topic_new(consumer, topic.c_str(), nullptr);
        const rd_kafka_metadata_t* metadata = nullptr;
        int count = 0;
        if (rd_kafka_metadata(consumer, 0, handle, &metadata, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (metadata->topic_cnt == 1 && !metadata->topics[0].err) {
                count = metadata->topics[0].partition_cnt;
            }
            rd_kafka_metadata_destroy(metadata);
        }
        rd_kafka_topic_destroy(handle);
        return count;
    }
};

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::open(Options options) {
    auto impl = std::make_unique<Impl>();
    char error[512];
    const KafkaConfig defaults = {
        {"bootstrap.servers", options.brokers},
        {"client.id", "relate-deals-tail"},
        {"group.id", "relate-deals-tail"},  // required by the API; no group is joined (assign)
        {"enable.auto.commit", "false"},
        {"enable.partition.eof", "false"},
        {"log_level", "3"},
    };
    auto made = make_kafka_conf(defaults, options.config);
    if (!made) {
        return made.error();
    }
    rd_kafka_conf_t* conf = *made;
    impl->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    if (!impl->consumer) {
        rd_kafka_conf_destroy(conf);
        return bad_request(std::string("Kafka consumer: ") + error);
    }
    impl->topic = options.topic;
    const auto deadline = std::chrono::steady_clock::now() + options.topic_timeout;
    while ((impl->partitions = impl->partition_count(options.topic)) == 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return unavailable("topic " + options.topic + " not found on " + options.brokers);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));  // polling the cluster
    }
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(impl->partitions);
    for (int p = 0; p < impl->partitions; ++p) {
        rd_kafka_topic_partition_list_add(list, options.topic.c_str(), p)->offset =
            options.from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    }
    const auto err = rd_kafka_assign(impl->consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err) {
        return unavailable(std::string("cannot assign partitions: ") + rd_kafka_err2str(err));
    }
    return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(impl)));
}

KafkaConsumer::KafkaConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaConsumer::~KafkaConsumer() = default;

int KafkaConsumer::partitions() const { return impl_->partitions; }

Result<std::vector<std::int64_t>> KafkaConsumer::end_offsets(std::chrono::milliseconds timeout) {
    std::vector<std::int64_t> out;
    for (int p = 0; p < impl_->partitions; ++p) {
        std::int64_t low = 0;
        std::int64_t high = 0;
        const auto err =
            rd_kafka_query_watermark_offsets(impl_->consumer, impl_->topic.c_str(), p, &low, &high,
                                             static_cast<int>(timeout.count()));
        if (err) {
            return unavailable(std::string("cannot read the end offsets: ") +
                               rd_kafka_err2str(err));
        }
        out.push_back(high);
    }
    return out;
}

Result<std::optional<ConsumedMessage>> KafkaConsumer::poll(std::chrono::milliseconds timeout) {
    rd_kafka_message_t* m =
        rd_kafka_consumer_poll(impl_->consumer, static_cast<int>(timeout.count()));
    if (!m) {
        return std::optional<ConsumedMessage>{};
    }
    struct Release {
        rd_kafka_message_t* m;
        ~Release() { rd_kafka_message_destroy(m); }
    } release{m};
    if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            return std::optional<ConsumedMessage>{};
        }
        return unavailable(std::string("Kafka consumer: ") + rd_kafka_message_errstr(m));
    }
    ConsumedMessage out;
    out.partition = m->partition;
    out.offset = m->offset;
    out.key.assign(static_cast<const char*>(m->key), m->key_len);
    out.value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; !rd_kafka_header_get_all(headers, i, &name, &value, &size); ++i) {
            out.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
        }
    }
    return std::optional<ConsumedMessage>{std::move(out)};
}

}  // namespace deals::store
