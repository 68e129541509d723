#include "store/kafka_relay.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "store/cloud_event.hpp"
#include "store/kafka_conf.hpp"
#include "store/store.hpp"

namespace deals::store {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadChunk = 1000;
// Each message carries its sequence number as librdkafka's per-message opaque pointer.
static_assert(sizeof(std::uintptr_t) >= sizeof(events::Sequence));
constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::milliseconds kMaxBackoff{30'000};

std::string format_seconds(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", seconds);
    return text;
}

}  // namespace

struct KafkaRelay::Impl {
    Store& store;
    RelayOptions options;
    rd_kafka_t* producer = nullptr;
    rd_kafka_conf_t* conf_template = nullptr;  // to make a new producer after a fatal error
    std::thread thread;
    std::thread poller;  // serves librdkafka's callbacks: acknowledgements and errors
    std::atomic<bool> polling{false};

    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    // Guarded by `mutex`.
    bool stopping = false;
    bool stopped = false;
    events::Sequence head = 0;
    events::Sequence published = 0;
    std::set<events::Sequence> acknowledged_ahead;  // acknowledged past a gap
    std::uint64_t in_flight = 0;
    bool failed = false;  // a delivery failed: go back to `published` once in_flight drains
    bool reachable = false;
    bool said_unreachable = false;
    Clock::time_point unreachable_since{};
    std::string cluster_id;
    std::uint64_t delivered = 0;
    std::uint64_t delivery_errors = 0;
    std::uint64_t republished_runs = 0;
    std::string last_error;
    rd_kafka_resp_err_t last_said_error = RD_KAFKA_RESP_ERR_NO_ERROR;
    Clock::time_point last_said_at{};
    bool verbose = false;  // `debug` is set: pass librdkafka's log through
    bool stalled = false;  // follow() failed; retried every 30 s
    Clock::time_point last_probe{};
    std::uint64_t observer = 0;  // the Store's token for our commit observer

    // Owned by the relay thread.
    events::Sequence next = 1;
    events::Sequence kept = 0;  // the position last written to the store
    Clock::time_point kept_at{};

    Impl(Store& s, RelayOptions o) : store(s), options(std::move(o)) {}
    ~Impl() {
        stop_poller();
        if (producer) {
            rd_kafka_destroy(producer);
        }
        if (conf_template) {
            rd_kafka_conf_destroy(conf_template);
        }
    }

    /// A producer from the template; empty string on success, else why not.
    std::string create_producer() {
        char error[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_dup(conf_template);
        producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
        if (!producer) {
            rd_kafka_conf_destroy(conf);
            return error;
        }
        // librdkafka's log lines go to the main queue, served by the poller thread, rather
        // than being written from its broker threads.
        rd_kafka_set_log_queue(producer, nullptr);
        return {};
    }

    /// An idempotent producer that hit a fatal error (e.g. the broker lost its producer state)
    /// refuses every later message; only a new one can go on.
    void replace_producer_if_fatal() {
        char reason[512];
        if (!rd_kafka_fatal_error(producer, reason, sizeof reason)) {
            return;
        }
        say(std::string("kafka: producer failed (") + reason + "); starting a new one");
        stop_poller();
        rd_kafka_destroy(producer);
        producer = nullptr;
        for (auto wait = kFirstBackoff; !stop_requested(); wait = std::min(wait * 2, kMaxBackoff)) {
            if (const auto error = create_producer(); error.empty()) {
                break;
            } else {
                note_error("cannot start a new Kafka producer: " + error);
            }
            std::unique_lock lock(mutex);
            changed.wait_for(lock, wait, [this] { return stopping; });
        }
        if (producer) {
            start_poller();
        }
    }

    bool stop_requested() const {
        std::lock_guard lock(mutex);
        return stopping;
    }

    void note_error(const std::string& error) {
        {
            std::lock_guard lock(mutex);
            last_error = error;
        }
        say("kafka: " + error);
    }

    void say(const std::string& line) const {
        if (options.log) {
            options.log(line);
        } else {
            std::cerr << line << std::endl;
        }
    }

    // --- the acknowledgement thread (librdkafka callbacks, served by rd_kafka_poll) ----------

    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        static_cast<Impl*>(opaque)->acknowledge(m);
    }

    static void on_error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
        (void)rk;
        static_cast<Impl*>(opaque)->on_error(static_cast<rd_kafka_resp_err_t>(err), reason,
                                             err == RD_KAFKA_RESP_ERR__FATAL);
    }

    void acknowledge(const rd_kafka_message_t* m) {
        std::unique_lock lock(mutex);
        const auto sequence =
            static_cast<events::Sequence>(reinterpret_cast<std::uintptr_t>(m->_private));
        --in_flight;
        if (m->err) {
            ++delivery_errors;
            last_error = std::string("delivery of sequence ") + std::to_string(sequence) +
                         " failed: " + rd_kafka_err2str(m->err);
            failed = true;
            changed.notify_all();
            return;
        }
        ++delivered;
        if (sequence == published + 1) {
            ++published;
            while (!acknowledged_ahead.empty() && *acknowledged_ahead.begin() <= published + 1) {
                published = std::max(published, *acknowledged_ahead.begin());
                acknowledged_ahead.erase(acknowledged_ahead.begin());
            }
        } else if (sequence > published + 1) {
            acknowledged_ahead.insert(sequence);
        }  // else: a repeat after going back; already counted
        if (!reachable) {
            reachable = true;
            announce_recovery(lock);
        }
        changed.notify_all();
    }

    void start_poller() {
        polling = true;
        poller = std::thread([this] {
            while (polling) {
                rd_kafka_poll(producer, 100);
            }
        });
    }

    void stop_poller() {
        polling = false;
        if (poller.joinable()) {
            poller.join();
        }
    }

    void on_error(rd_kafka_resp_err_t err, const char* reason, bool fatal) {
        std::unique_lock lock(mutex);
        last_error = std::string(rd_kafka_err2name(err)) + ": " + reason;
        if (fatal) {
            failed = true;
            ++delivery_errors;
        }
        if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
            mark_unreachable(lock, reason);
        } else if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE) {
            // One broker's connection: librdkafka reconnects; all of them down is reported
            // separately (ALL_BROKERS_DOWN).
        } else if (fatal || err != last_said_error ||
                   Clock::now() - last_said_at > std::chrono::seconds(30)) {
            // Anything else (authentication, TLS, authorization) once, then every 30 s.
            last_said_error = err;
            last_said_at = Clock::now();
            const auto line = "kafka: " + last_error;
            lock.unlock();
            say(line);
            lock.lock();
        }
        changed.notify_all();
    }

    /// librdkafka's own log lines: only critical ones, or all when `debug` is set; the relay
    /// reports reachability and errors itself, once per change rather than per reconnect.
    static void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* line) {
        const auto* self = static_cast<const Impl*>(rd_kafka_opaque(rk));
        if (level <= 2 || self->verbose) {
            self->say(std::string("kafka: librdkafka ") + facility + ": " + line);
        }
    }

    void mark_unreachable(std::unique_lock<std::mutex>& lock, const std::string& reason) {
        if (!reachable && said_unreachable) {
            return;
        }
        reachable = false;
        said_unreachable = true;
        unreachable_since = Clock::now();
        const auto waiting = head - published;
        lock.unlock();
        say("kafka: unreachable (" + reason + "); API writes continue, " + std::to_string(waiting) +
            " events wait in the log");
        lock.lock();
    }

    void announce_recovery(std::unique_lock<std::mutex>& lock) {
        if (!said_unreachable) {
            return;
        }
        said_unreachable = false;
        last_error.clear();
        const double down = std::chrono::duration<double>(Clock::now() - unreachable_since).count();
        const auto from = published + 1;
        lock.unlock();
        say("kafka: reachable again after " + format_seconds(down) +
            " s; publishing from sequence " + std::to_string(from));
        lock.lock();
    }

    // --- the relay thread ----------------------------------------------------------------------

    /// Waits for the cluster id (the position is kept per cluster). False when stopping.
    bool await_cluster() {
        const auto started = Clock::now();
        while (true) {
            {
                std::lock_guard lock(mutex);
                if (stopping) {
                    return false;
                }
            }
            // Asking for the topic's metadata also readies the producer for it.
            rd_kafka_topic_t* topic = rd_kafka_topic_new(producer, options.topic.c_str(), nullptr);
            const rd_kafka_metadata_t* metadata = nullptr;
            if (rd_kafka_metadata(producer, 0, topic, &metadata, 500) ==
                RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_metadata_destroy(metadata);
            }
            rd_kafka_topic_destroy(topic);
            if (char* id = rd_kafka_clusterid(producer, 0)) {
                std::unique_lock lock(mutex);
                cluster_id = id;
                rd_kafka_mem_free(producer, id);
                reachable = true;
                announce_recovery(lock);
                return true;
            }
            std::unique_lock lock(mutex);
            if (!said_unreachable && Clock::now() - started > std::chrono::seconds(5)) {
                mark_unreachable(lock, "no answer from " + options.brokers);
            }
        }
    }

    void keep_position(bool force) {
        if (options.fresh_broker) {
            return;
        }
        events::Sequence position;
        {
            std::lock_guard lock(mutex);
            position = published;
        }
        const auto now = Clock::now();
        if (position == kept || (!force && now - kept_at < options.position_interval)) {
            return;
        }
        if (auto kept_ok = store.put_relay_position(cluster_id, options.topic, position)) {
            kept = position;
            kept_at = now;
        } else {
            std::lock_guard lock(mutex);
            last_error = kept_ok.error().message;
        }
    }

    /// Hands `message` to librdkafka. False when its queue is full (try again later).
    bool produce(const KafkaMessage& message) {
        rd_kafka_headers_t* headers = rd_kafka_headers_new(3);
        rd_kafka_header_add(headers, "ce_id", -1, message.id.data(),
                            static_cast<ssize_t>(message.id.size()));
        rd_kafka_header_add(headers, "ce_type", -1, message.type.data(),
                            static_cast<ssize_t>(message.type.size()));
        rd_kafka_header_add(headers, "content-type", -1, kCloudEventsContentType.data(),
                            static_cast<ssize_t>(kCloudEventsContentType.size()));
        {
            std::lock_guard lock(mutex);
            ++in_flight;  // before producing: the acknowledgement may come first
        }
        const auto err = rd_kafka_producev(
            producer, RD_KAFKA_V_TOPIC(options.topic.c_str()),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(const_cast<char*>(message.key.data()), message.key.size()),
            RD_KAFKA_V_VALUE(const_cast<char*>(message.value.data()), message.value.size()),
            RD_KAFKA_V_HEADERS(headers),
            RD_KAFKA_V_OPAQUE(
                reinterpret_cast<void*>(static_cast<std::uintptr_t>(message.sequence))),
            RD_KAFKA_V_END);
        if (!err) {
            return true;
        }
        rd_kafka_headers_destroy(headers);
        std::lock_guard lock(mutex);
        --in_flight;
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            return false;
        }
        ++delivery_errors;
        last_error = std::string("cannot produce sequence ") + std::to_string(message.sequence) +
                     ": " + rd_kafka_err2str(err);
        failed = true;
        return false;
    }

    /// Produces what the log holds after `next`, within the in-flight limit. False when
    /// librdkafka's queue was full (wait for acknowledgements before trying again).
    bool produce_available(events::Sequence upto) {
        while (next <= upto) {
            std::size_t room;
            {
                std::lock_guard lock(mutex);
                if (stopping || failed || in_flight >= options.max_in_flight) {
                    return true;
                }
                room = options.max_in_flight - in_flight;
            }
            const auto want = std::min<std::size_t>({kReadChunk, room, upto - next + 1});
            const auto records = store.log().read_records(next, want);
            if (records.empty()) {
                return true;
            }
            for (const auto& record : records) {
                const KafkaMessage message = to_kafka_message(record);
                if (!produce(message)) {
                    return false;  // full (or failed, which the loop sees)
                }
                next = message.sequence + 1;
            }
        }
        return true;
    }

    /// Follows the log until stopped. What stops `follow` (a corrupt record or position) is
    /// reported as `stalled`, and retried every 30 s: the relay never ends silently.
    void run() {
        while (!stop_requested()) {
            try {
                follow();
                return;
            } catch (const std::exception& e) {
                std::unique_lock lock(mutex);
                stalled = true;
                last_error = e.what();
                lock.unlock();
                say(std::string("kafka: relay stalled: ") + e.what() + "; retrying in 30 s");
                lock.lock();
                changed.wait_for(lock, kMaxBackoff, [this] { return stopping; });
                // Start over from the kept position once what is in flight has come back.
                changed.wait_for(lock, kMaxBackoff, [this] { return stopping || in_flight == 0; });
                acknowledged_ahead.clear();
                failed = false;
            }
        }
    }

    /// While Kafka looks unreachable and nothing is being acknowledged, asks for metadata once
    /// a second, so that reachability (and /healthz) recovers without waiting for a write.
    void probe_if_unreachable(std::unique_lock<std::mutex>& lock) {
        if (reachable || Clock::now() - last_probe < std::chrono::seconds(1)) {
            return;
        }
        last_probe = Clock::now();
        lock.unlock();
        const rd_kafka_metadata_t* metadata = nullptr;
        const bool answered =
            rd_kafka_metadata(producer, 0, nullptr, &metadata, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR;
        if (answered) {
            rd_kafka_metadata_destroy(metadata);
        }
        lock.lock();
        if (answered && !reachable) {
            reachable = true;
            announce_recovery(lock);
        }
    }

    void follow() {
        if (!await_cluster()) {
            return;
        }
        const auto start_at =
            options.fresh_broker ? 0 : store.relay_position(cluster_id, options.topic);
        const auto log_head = store.log().head_sequence();
        {
            std::lock_guard lock(mutex);
            published = start_at;
            head = std::max(head, log_head);
            kept = start_at;
            stalled = false;
            acknowledged_ahead.clear();
            changed.notify_all();
        }
        next = start_at + 1;
        say("kafka: cluster " + cluster_id + ", topic " + options.topic +
            ", publishing from sequence " + std::to_string(next));
        auto backoff = kFirstBackoff;
        events::Sequence went_back_at = 0;
        std::unique_lock lock(mutex);
        while (!stopping) {
            if (backoff > kFirstBackoff && published > went_back_at) {
                backoff = kFirstBackoff;  // past the failure: the next one starts short again
            }
            if (failed && in_flight == 0) {
                // Back to the contiguous position: what follows it may be sent twice, never
                // skipped. Wait first, so that a refusing cluster is not hammered.
                ++republished_runs;
                changed.wait_for(lock, backoff, [this] { return stopping; });
                backoff = std::min(backoff * 2, kMaxBackoff);
                lock.unlock();
                replace_producer_if_fatal();
                lock.lock();
                failed = false;
                acknowledged_ahead.clear();
                next = published + 1;
                went_back_at = published;
                continue;
            }
            const bool can_produce = !failed && next <= head && in_flight < options.max_in_flight;
            if (can_produce) {
                const auto upto = head;
                lock.unlock();
                const bool room_left = produce_available(upto);
                keep_position(false);
                lock.lock();
                if (!room_left) {
                    // librdkafka's queue is full: an acknowledgement makes room.
                    changed.wait_for(lock, std::chrono::milliseconds(10));
                }
                continue;
            }
            changed.wait_for(lock, options.position_interval);
            probe_if_unreachable(lock);
            lock.unlock();
            keep_position(false);
            // The observer tells of every commit; reading the head too costs little and
            // covers any notification that went astray.
            const auto log_head = store.log().head_sequence();
            lock.lock();
            head = std::max(head, log_head);
        }
    }
};

Result<std::unique_ptr<KafkaRelay>> KafkaRelay::start(Store& store, RelayOptions options) {
    if (!options.clock) {
        options.clock = events::Timestamp::system_now;
    }
    auto impl = std::make_unique<Impl>(store, std::move(options));
    const auto& o = impl->options;
    char error[512];
    const KafkaConfig defaults = {
        {"bootstrap.servers", o.brokers},
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
        // and sends the failed ones again (replace_producer_if_fatal). Without it, the mock
        // cluster stored the next batch, and a stream's version 2 could come before its
        // version 1 (seen under the sanitizers, about 1 run in 40 with the CPU busy). A real
        // broker would refuse that batch (out of order sequence) and fail it too.
        {"enable.gapless.guarantee", "true"},
        {"partitioner", "murmur2_random"},  // the Java client's key -> partition mapping
        {"reconnect.backoff.max.ms", "1000"},
        {"log_level", "3"},
    };
    auto made = make_kafka_conf(defaults, o.config);
    if (!made) {
        return made.error();
    }
    rd_kafka_conf_t* conf = *made;
    rd_kafka_conf_set_dr_msg_cb(conf, &Impl::on_delivery);
    rd_kafka_conf_set_error_cb(conf, &Impl::on_error_cb);
    rd_kafka_conf_set_log_cb(conf, &Impl::on_log);
    rd_kafka_conf_set(conf, "log.queue", "true", error, sizeof error);
    for (const auto& [key, value] : o.config) {
        impl->verbose = impl->verbose || key == "debug";
    }
    rd_kafka_conf_set_opaque(conf, impl.get());
    impl->conf_template = conf;
    if (const auto why = impl->create_producer(); !why.empty()) {
        return bad_request("Kafka producer: " + why);
    }
    impl->head = store.log().head_sequence();
    impl->start_poller();
    Impl* raw = impl.get();
    impl->observer = store.add_commit_observer([raw](events::Sequence head) {
        std::lock_guard lock(raw->mutex);
        raw->head = std::max(raw->head, head);
        raw->changed.notify_all();
    });
    impl->thread = std::thread([raw] { raw->run(); });
    return std::unique_ptr<KafkaRelay>(new KafkaRelay(std::move(impl)));
}

KafkaRelay::KafkaRelay(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KafkaRelay::~KafkaRelay() { stop(); }

void KafkaRelay::stop(std::chrono::milliseconds grace) {
    Impl& i = *impl_;
    {
        std::lock_guard lock(i.mutex);
        if (i.stopped) {
            return;
        }
        i.stopped = true;
        i.stopping = true;
        i.changed.notify_all();
    }
    i.store.remove_commit_observer(i.observer);
    if (i.thread.joinable()) {
        i.thread.join();
    }
    if (i.producer) {
        rd_kafka_flush(i.producer, static_cast<int>(grace.count()));
        if (!i.cluster_id.empty()) {
            i.keep_position(true);
        }
        rd_kafka_purge(i.producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(i.producer, 1000);  // delivers the purge reports
        if (!i.cluster_id.empty()) {
            i.keep_position(true);  // acknowledgements that came with the last flush
        }
    }
    i.stop_poller();
    const auto s = stats();
    i.say("kafka: stopped with sequence " + std::to_string(s.published) + " of " +
          std::to_string(s.head) + " published");
}

RelayStats KafkaRelay::stats() const {
    const Impl& i = *impl_;
    RelayStats s;
    {
        std::lock_guard lock(i.mutex);
        s.topic = i.options.topic;
        s.cluster_id = i.cluster_id;
        s.reachable = i.reachable;
        s.published = i.published;
        s.head = i.head;
        s.in_flight = i.in_flight;
        s.delivered = i.delivered;
        s.delivery_errors = i.delivery_errors;
        s.republished_runs = i.republished_runs;
        s.last_error = i.last_error;
        s.state = i.stopped                                     ? "stopped"
                  : i.stalled                                   ? "stalled"
                  : i.cluster_id.empty() && !i.said_unreachable ? "connecting"
                  : !i.reachable                                ? "unreachable"
                                                                : "publishing";
    }
    s.lag_events = s.head > s.published ? s.head - s.published : 0;
    if (s.lag_events > 0) {
        const auto record = i.store.log().read_record(s.published + 1);
        try {
            if (!record.empty()) {
                const auto oldest = to_kafka_message(record).occurred_at;
                s.lag_seconds = std::max(
                    0.0, static_cast<double>(i.options.clock().micros - oldest.micros) / 1e6);
            }
        } catch (const std::exception&) {
            // A corrupt record: the relay reports it (stalled); the age is unknown.
        }
    }
    return s;
}

bool KafkaRelay::wait_published(events::Sequence sequence,
                                std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] { return impl_->published >= sequence; });
}

}  // namespace deals::store
