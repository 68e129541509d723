#include "store/kafka_producer.hpp"

#include <cstdint>
#include <utility>

#include "store/kafka_conf.hpp"

namespace deals::store {

namespace {

// Each message carries its sequence number as librdkafka's per-message opaque pointer.
static_assert(sizeof(std::uintptr_t) >= sizeof(events::Sequence));

/// The relay's own settings; `--kafka-config` is applied after them.
KafkaConfig relay_settings(const RelayOptions& options) {
    return {
        {"bootstrap.servers", options.brokers},
        // Transactional: a newer producer of the same id fences this one (README, Failover).
        {"transactional.id", options.transactional_id.empty() ? "relate-deals:" + options.topic
                                                              : options.transactional_id},
        {"client.id", "relate-deals-relay"},
        {"enable.idempotence", "true"},  // acks=all, no reordering or duplicates on retry
        {"message.timeout.ms", "0"},     // never give up on a message: retry until Kafka is back
        {"linger.ms", "2"},
        // One request in flight per broker: a batch is never sent while an earlier one of the
        // same partition waits for its retry. A real broker would refuse the later batch
        // anyway (sequence check); the mock cluster of librdkafka 2.0 does not check, accepts
        // it, and librdkafka then counts the earlier batch as delivered without it being
        // stored (seen in the fault tests). Batches stay large, so throughput barely changes.
        {"max.in.flight.requests.per.connection", "1"},
        // A batch that fails for good makes the producer fail (fatal) and drops what it has
        // queued, so no later message of the partition gets in before the relay goes back
        // and sends the failed ones again (with a new producer: `renew`). Without it, the mock
        // cluster stored the next batch, and a stream's version 2 could come before its
        // version 1 (seen under the sanitizers, about 1 run in 40 with the CPU busy). A real
        // broker would refuse that batch (out of order sequence) and fail it too.
        {"enable.gapless.guarantee", "true"},
        {"partitioner", "murmur2_random"},  // the Java client's key -> partition mapping
        {"reconnect.backoff.max.ms", "1000"},
        {"log_level", "3"},
    };
}

ProducerError::Kind kind_of(rd_kafka_resp_err_t code) {
    switch (code) {
        case RD_KAFKA_RESP_ERR__FATAL:
            return ProducerError::Kind::kFatal;
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
            return ProducerError::Kind::kAllBrokersDown;
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__RESOLVE:
            return ProducerError::Kind::kBrokerConnection;
        default:
            return ProducerError::Kind::kOther;
    }
}

}  // namespace

Result<void> fence_older_leaders(const RelayOptions& options, std::chrono::milliseconds timeout) {
    auto made = make_kafka_conf(relay_settings(options), options.config);
    if (!made) {
        return made.error();
    }
    auto made_client = kafka::new_client(RD_KAFKA_PRODUCER, std::move(*made));
    if (!made_client.client) {
        return bad_request("Kafka producer: " + made_client.error);
    }
    rd_kafka_error_t* error =
        rd_kafka_init_transactions(made_client.client.get(), static_cast<int>(timeout.count()));
    if (error != nullptr) {
        const std::string why = rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
        return unavailable("cannot register the transactional producer: " + why);
    }
    return {};
}

KafkaProducer::KafkaProducer(ProducerListener& listener, std::string topic)
    : listener_(listener), topic_(std::move(topic)) {}

KafkaProducer::~KafkaProducer() { stop_polling(); }

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::start(const RelayOptions& options,
                                                                      ProducerListener& listener) {
    auto made = make_kafka_conf(relay_settings(options), options.config);
    if (!made) {
        return made.error();
    }
    std::unique_ptr<KafkaProducer> producer(new KafkaProducer(listener, options.topic));
    rd_kafka_conf_t* conf = made->get();
    rd_kafka_conf_set_dr_msg_cb(conf, &KafkaProducer::on_delivery);
    rd_kafka_conf_set_error_cb(conf, &KafkaProducer::on_error);
    rd_kafka_conf_set_log_cb(conf, &KafkaProducer::on_log);
    char error[512];
    rd_kafka_conf_set(conf, "log.queue", "true", error, sizeof error);
    rd_kafka_conf_set_opaque(conf, producer.get());
    for (const auto& [key, value] : options.config) {
        producer->verbose_ = producer->verbose_ || key == "debug";
    }
    producer->settings_ = std::move(*made);
    if (const auto why = producer->renew(); !why.empty()) {
        return bad_request("Kafka producer: " + why);
    }
    return producer;
}

std::string KafkaProducer::renew() {
    stop_polling();
    client_.reset();
    auto made =
        kafka::new_client(RD_KAFKA_PRODUCER, kafka::Conf(rd_kafka_conf_dup(settings_.get())));
    if (!made.client) {
        return made.error;
    }
    client_ = std::move(made.client);
    // librdkafka's log lines go to the main queue, served by the poller thread, rather than
    // being written from its broker threads.
    rd_kafka_set_log_queue(client_.get(), nullptr);
    start_polling();
    return {};
}

void KafkaProducer::start_polling() {
    polling_ = true;
    poller_ = std::thread([this] {
        while (polling_) {
            rd_kafka_poll(client_.get(), 100);
        }
    });
}

void KafkaProducer::stop_polling() {
    polling_ = false;
    if (poller_.joinable()) {
        poller_.join();
    }
}

KafkaProducer::Produced KafkaProducer::produce(const KafkaMessage& message) {
    kafka::Headers headers(rd_kafka_headers_new(3));
    rd_kafka_header_add(headers.get(), "ce_id", -1, message.id.data(),
                        static_cast<ssize_t>(message.id.size()));
    rd_kafka_header_add(headers.get(), "ce_type", -1, message.type.data(),
                        static_cast<ssize_t>(message.type.size()));
    rd_kafka_header_add(headers.get(), "content-type", -1, kCloudEventsContentType.data(),
                        static_cast<ssize_t>(kCloudEventsContentType.size()));
    const auto err = rd_kafka_producev(
        client_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(const_cast<char*>(message.key.data()), message.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(message.value.data()), message.value.size()),
        RD_KAFKA_V_HEADERS(headers.get()),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(message.sequence))),
        RD_KAFKA_V_END);
    if (!err) {
        (void)headers.release();  // the message's now
        return {Produced::Status::kQueued, {}};
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        return {Produced::Status::kQueueFull, {}};
    }
    return {Produced::Status::kRefused, rd_kafka_err2str(err)};
}

std::optional<std::string> KafkaProducer::cluster_id(std::chrono::milliseconds timeout) {
    {
        // Asking for the topic's metadata also readies the producer for it; the answer itself
        // is not needed.
        const kafka::Topic topic(rd_kafka_topic_new(client_.get(), topic_.c_str(), nullptr));
        kafka::metadata(client_.get(), topic.get(), static_cast<int>(timeout.count()));
    }
    return kafka::cluster_id(client_.get());
}

Result<std::vector<std::int64_t>> KafkaProducer::end_offsets(std::chrono::milliseconds timeout) {
    const kafka::Topic topic(rd_kafka_topic_new(client_.get(), topic_.c_str(), nullptr));
    const auto metadata =
        kafka::metadata(client_.get(), topic.get(), static_cast<int>(timeout.count()));
    if (!metadata || metadata->topic_cnt != 1 || metadata->topics[0].err) {
        return unavailable("no metadata for topic " + topic_);
    }
    std::vector<std::int64_t> ends;
    for (int p = 0; p < metadata->topics[0].partition_cnt; ++p) {
        std::int64_t low = 0;
        std::int64_t high = 0;
        if (const auto err = rd_kafka_query_watermark_offsets(
                client_.get(), topic_.c_str(), p, &low, &high, static_cast<int>(timeout.count()))) {
            return unavailable(std::string("cannot read the end offsets: ") +
                               rd_kafka_err2str(err));
        }
        ends.push_back(high);
    }
    return ends;
}

bool KafkaProducer::answers(std::chrono::milliseconds timeout) {
    return kafka::metadata(client_.get(), nullptr, static_cast<int>(timeout.count())) != nullptr;
}

std::optional<std::string> KafkaProducer::fatal_error() const {
    char reason[512];
    if (!rd_kafka_fatal_error(client_.get(), reason, sizeof reason)) {
        return std::nullopt;
    }
    return std::string(reason);
}

namespace {

/// Sorts the outcome of a transactional call, and frees its error.
KafkaProducer::Txn txn_outcome(rd_kafka_error_t* error) {
    using Status = KafkaProducer::Txn::Status;
    if (error == nullptr) {
        return {};
    }
    KafkaProducer::Txn out{Status::kRetry, rd_kafka_error_name(error) + std::string(": ") +
                                               rd_kafka_error_string(error)};
    const auto code = rd_kafka_error_code(error);
    if (code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
        code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH) {
        out.status = Status::kFenced;
    } else if (rd_kafka_error_is_fatal(error)) {
        out.status = Status::kFatal;
    } else if (rd_kafka_error_txn_requires_abort(error)) {
        out.status = Status::kAbort;
    }
    rd_kafka_error_destroy(error);
    return out;
}

}  // namespace

KafkaProducer::Txn KafkaProducer::init_transactions(std::chrono::milliseconds timeout) {
    return txn_outcome(
        rd_kafka_init_transactions(client_.get(), static_cast<int>(timeout.count())));
}

KafkaProducer::Txn KafkaProducer::begin_transaction() {
    return txn_outcome(rd_kafka_begin_transaction(client_.get()));
}

KafkaProducer::Txn KafkaProducer::commit_transaction(std::chrono::milliseconds timeout) {
    return txn_outcome(
        rd_kafka_commit_transaction(client_.get(), static_cast<int>(timeout.count())));
}

KafkaProducer::Txn KafkaProducer::abort_transaction(std::chrono::milliseconds timeout) {
    return txn_outcome(
        rd_kafka_abort_transaction(client_.get(), static_cast<int>(timeout.count())));
}

// --- librdkafka's callbacks, on the poller thread ---------------------------------------------

void KafkaProducer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto& listener = static_cast<KafkaProducer*>(opaque)->listener_;
    const auto sequence =
        static_cast<events::Sequence>(reinterpret_cast<std::uintptr_t>(message->_private));
    if (message->err) {
        listener.not_delivered(sequence, rd_kafka_err2str(message->err));
    } else {
        listener.delivered(sequence, message->partition, message->offset);
    }
}

void KafkaProducer::on_error(rd_kafka_t*, int code, const char* reason, void* opaque) {
    const auto err = static_cast<rd_kafka_resp_err_t>(code);
    static_cast<KafkaProducer*>(opaque)->listener_.client_error(
        {kind_of(err), code, rd_kafka_err2name(err), reason});
}

/// librdkafka's own log lines: only critical ones, or all when `debug` is set; the relay
/// reports reachability and errors itself, once per change rather than per reconnect.
void KafkaProducer::on_log(const rd_kafka_t* client, int level, const char* facility,
                           const char* line) {
    const auto* self = static_cast<const KafkaProducer*>(rd_kafka_opaque(client));
    if (level <= 2 || self->verbose_) {
        self->listener_.say(std::string("kafka: librdkafka ") + facility + ": " + line);
    }
}

}  // namespace deals::store
