#include "store/kafka_relay.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "store/cloud_event.hpp"
#include "store/kafka_producer.hpp"
#include "store/published_position.hpp"
#include "store/store.hpp"
#include "support/log.hpp"

namespace deals::store {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadChunk = 1000;
constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::milliseconds kMaxBackoff{30'000};

std::string format_seconds(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", seconds);
    return text;
}

}  // namespace

/// The relay's loop: the relay thread reads the log and produces; the producer's poller thread
/// reports acknowledgements and errors (the ProducerListener side).
struct KafkaRelay::Impl final : ProducerListener {
    Store& store;
    RelayOptions options;
    std::thread thread;

    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    // Guarded by `mutex`.
    bool stopping = false;
    bool stopped = false;
    events::Sequence head = 0;
    PublishedPosition published;
    std::uint64_t in_flight = 0;
    bool failed = false;  // a delivery failed: go back to `published` once in_flight drains
    bool reachable = false;
    bool said_unreachable = false;
    Clock::time_point unreachable_since{};
    std::string cluster_id;
    std::uint64_t delivered_count = 0;
    std::uint64_t delivery_errors = 0;
    std::uint64_t republished_runs = 0;
    std::string last_error;
    int last_said_error = 0;
    Clock::time_point last_said_at{};
    bool stalled = false;  // follow() failed; retried every 30 s
    Clock::time_point last_probe{};
    std::uint64_t observer = 0;  // the Store's token for our commit observer
    bool fenced = false;         // a newer leader took the transactional.id: nothing more
    /// Where Kafka stored a message.
    struct Placed {
        events::Sequence sequence;
        int partition;
        std::int64_t offset;
    };
    /// Delivered in the open transaction: published once it commits.
    std::vector<Placed> uncommitted;
    /// Committed past the published position (held until it gets there).
    std::map<events::Sequence, Placed> placed;
    /// Per partition, the offset after the last message at or below the published position:
    /// every later event can be read from there (a later copy stands for any one before it).
    /// Kept with the position, so a follower started on a backup does not read from offset 0.
    std::vector<std::int64_t> readable_from;
    /// Each partition's end as this relay's own deliveries explain it (watch_foreign).
    std::vector<std::int64_t> expected_ends;
    bool watch_foreign = false;
    Clock::time_point last_look{};  // the relay thread's: when it last looked while idle

    // Owned by the relay thread (and by `stop` once that thread has ended).
    events::Sequence next = 1;
    PositionKeeper keeper;
    // Last, so that its poller thread ends before the state it reports to goes.
    std::unique_ptr<KafkaProducer> producer;

    Impl(Store& s, RelayOptions o)
        : store(s),
          options(std::move(o)),
          keeper(store, options.topic, options.position_interval, options.fresh_broker) {}

    bool stop_requested() const {
        std::lock_guard lock(mutex);
        return stopping;
    }

    void note_error(const std::string& error) {
        {
            std::lock_guard lock(mutex);
            last_error = error;
        }
        if (options.log) {
            options.log("kafka: " + error);
        } else {
            logging::error("kafka: " + error, {{"published_sequence", published.value()}});
        }
    }

    void say(const std::string& line) const override {
        if (options.log) {
            options.log(line);
        } else {
            logging::info(line);
        }
    }

    // --- the producer's reports (its poller thread) ----------------------------------------------

    void delivered(events::Sequence sequence, int partition, std::int64_t offset) override {
        std::unique_lock lock(mutex);
        --in_flight;
        ++delivered_count;
        uncommitted.push_back({sequence, partition, offset});  // published once committed
        if (partition >= 0 && static_cast<std::size_t>(partition) < expected_ends.size()) {
            auto& end = expected_ends[static_cast<std::size_t>(partition)];
            end = std::max(end, offset + 1);
        }
        if (!reachable) {
            reachable = true;
            announce_recovery(lock);
        }
        changed.notify_all();
    }

    void not_delivered(events::Sequence sequence, const std::string& error) override {
        std::lock_guard lock(mutex);
        --in_flight;
        ++delivery_errors;
        last_error = "delivery of sequence " + std::to_string(sequence) + " failed: " + error;
        failed = true;
        changed.notify_all();
    }

    void client_error(const ProducerError& error) override {
        using Kind = ProducerError::Kind;
        std::unique_lock lock(mutex);
        last_error = error.name + ": " + error.reason;
        const bool fatal = error.kind == Kind::kFatal;
        if (fatal) {
            failed = true;
            ++delivery_errors;
        }
        if (error.kind == Kind::kAllBrokersDown) {
            mark_unreachable(lock, error.reason);
        } else if (error.kind == Kind::kBrokerConnection) {
            // One broker's connection: librdkafka reconnects; all of them down is reported
            // separately (kAllBrokersDown).
        } else if (fatal || error.code != last_said_error ||
                   Clock::now() - last_said_at > std::chrono::seconds(30)) {
            // Anything else (authentication, TLS, authorization) once, then every 30 s.
            last_said_error = error.code;
            last_said_at = Clock::now();
            const auto line = "kafka: " + last_error;
            lock.unlock();
            say(line);
            lock.lock();
        }
        changed.notify_all();
    }

    void mark_unreachable(std::unique_lock<std::mutex>& lock, const std::string& reason) {
        if (!reachable && said_unreachable) {
            return;
        }
        reachable = false;
        said_unreachable = true;
        unreachable_since = Clock::now();
        const auto waiting = head - published.value();
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
        const auto from = published.value() + 1;
        lock.unlock();
        say("kafka: reachable again after " + format_seconds(down) +
            " s; publishing from sequence " + std::to_string(from));
        lock.lock();
    }

    // --- the relay thread ----------------------------------------------------------------------

    /// A newer producer registered the transactional.id: another leader publishes to the topic
    /// now. This one appends and acknowledges nothing more (README, Failover).
    void become_fenced(const std::string& why) {
        {
            std::lock_guard lock(mutex);
            if (fenced) {
                return;
            }
            fenced = true;
            last_error = "fenced: " + why;
            changed.notify_all();
        }
        say("kafka: fenced (" + why + "): another leader publishes to topic " + options.topic +
            "; writes answer 503 from now on");
        store.log().fence(
            "This server is no longer the leader: another dealsd publishes to "
            "topic " +
            options.topic + " (" + why + "). Send writes to the new leader.");
    }

    /// Waits `wait` unless stopping; false when stopping.
    bool back_off(std::chrono::milliseconds wait) {
        std::unique_lock lock(mutex);
        return !changed.wait_for(lock, wait, [this] { return stopping; });
    }

    /// Registers the transactional.id, fencing the leader before (on a real cluster), retrying
    /// while Kafka does not answer. False when stopping or fenced.
    bool init_producer() {
        using Status = KafkaProducer::Txn::Status;
        for (auto wait = kFirstBackoff; !stop_requested(); wait = std::min(wait * 2, kMaxBackoff)) {
            const auto r = producer->init_transactions(std::chrono::seconds(10));
            if (r.status == Status::kOk) {
                return true;
            }
            if (r.status == Status::kFenced) {
                become_fenced(r.error);
                return false;
            }
            note_error("cannot register the transactional producer: " + r.error);
            if (r.status == Status::kFatal) {
                if (const auto error = producer->renew(); !error.empty()) {
                    note_error("cannot start a new Kafka producer: " + error);
                }
            }
            if (!back_off(wait)) {
                return false;
            }
        }
        return false;
    }

    /// A producer that hit a fatal error (e.g. the broker lost its producer state) refuses
    /// every later message; only a new one can go on. False when stopping or fenced.
    bool replace_producer_if_fatal() {
        const auto reason = producer->fatal_error();
        if (!reason) {
            return true;
        }
        say("kafka: producer failed (" + *reason + "); starting a new one");
        for (auto wait = kFirstBackoff; !stop_requested(); wait = std::min(wait * 2, kMaxBackoff)) {
            if (const auto error = producer->renew(); error.empty()) {
                return init_producer();
            } else {
                note_error("cannot start a new Kafka producer: " + error);
            }
            if (!back_off(wait)) {
                return false;
            }
        }
        return false;
    }

    /// librdkafka's mock cluster (the development broker) does not fence an older producer of
    /// the same transactional.id (README, Failover). There, the relay stands in for it: before
    /// each transaction, messages past the ends its own deliveries explain were written by
    /// another leader, and this one stops.
    void start_watching_foreign() {
        if (options.fresh_broker || cluster_id.rfind("mockCluster", 0) != 0) {
            return;  // a real cluster fences; an embedded broker has no other leader
        }
        auto ends = producer->end_offsets(std::chrono::seconds(5));
        std::lock_guard lock(mutex);
        if (ends) {
            expected_ends = std::move(*ends);
            watch_foreign = true;
        }
    }

    /// True (and fenced) when another producer wrote to the topic (watch_foreign only).
    bool written_by_another() {
        std::vector<std::int64_t> expected;
        {
            std::lock_guard lock(mutex);
            if (!watch_foreign) {
                return false;
            }
            expected = expected_ends;
        }
        const auto ends = producer->end_offsets(std::chrono::seconds(5));
        if (!ends) {
            return false;  // asked again before the next transaction
        }
        for (std::size_t p = 0; p < ends->size() && p < expected.size(); ++p) {
            if ((*ends)[p] > expected[p]) {
                become_fenced("partition " + std::to_string(p) + " has messages up to offset " +
                              std::to_string((*ends)[p] - 1) + " that this server did not write");
                return true;
            }
        }
        return false;
    }

    /// Waits for the cluster id (the position is kept per cluster). False when stopping.
    bool await_cluster() {
        const auto started = Clock::now();
        while (!stop_requested()) {
            if (auto id = producer->cluster_id(std::chrono::milliseconds(500))) {
                std::unique_lock lock(mutex);
                cluster_id = std::move(*id);
                reachable = true;
                announce_recovery(lock);
                return true;
            }
            std::unique_lock lock(mutex);
            if (!said_unreachable && Clock::now() - started > std::chrono::seconds(5)) {
                mark_unreachable(lock, "no answer from " + options.brokers);
            }
        }
        return false;
    }

    void keep_position(bool force) {
        events::Sequence position;
        std::vector<std::int64_t> offsets;
        {
            std::lock_guard lock(mutex);
            position = published.value();
            offsets = readable_from;
        }
        if (auto kept = keeper.keep(position, force, offsets); !kept) {
            std::lock_guard lock(mutex);
            last_error = kept.error().message;
        }
    }

    /// Hands `message` to the producer. False when its queue is full (try again later).
    bool produce(const KafkaMessage& message) {
        {
            std::lock_guard lock(mutex);
            ++in_flight;  // before producing: the acknowledgement may come first
        }
        const auto produced = producer->produce(message);
        if (produced.status == KafkaProducer::Produced::Status::kQueued) {
            return true;
        }
        std::lock_guard lock(mutex);
        --in_flight;
        if (produced.status == KafkaProducer::Produced::Status::kQueueFull) {
            return false;
        }
        ++delivery_errors;
        last_error =
            "cannot produce sequence " + std::to_string(message.sequence) + ": " + produced.error;
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
                (void)producer->abort_transaction(std::chrono::seconds(5));  // if one is open
                lock.lock();
                uncommitted.clear();
                changed.wait_for(lock, kMaxBackoff, [this] { return stopping; });
                // Start over from the kept position once what is in flight has come back.
                changed.wait_for(lock, kMaxBackoff, [this] { return stopping || in_flight == 0; });
                published.start_at(published.value());
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
        const bool answered = producer->answers(std::chrono::milliseconds(1000));
        lock.lock();
        if (answered && !reachable) {
            reachable = true;
            announce_recovery(lock);
        }
    }

    /// Starts from the position kept for the cluster: what follows it is produced (again).
    void start_publishing() {
        const auto start_at = keeper.open(cluster_id);
        const auto log_head = store.log().head_sequence();
        auto offsets = options.fresh_broker ? std::vector<std::int64_t>{}
                                            : store.topic_offsets(cluster_id, options.topic);
        if (const auto ends = producer->end_offsets(std::chrono::seconds(5));
            ends && offsets.size() < ends->size()) {
            offsets.resize(ends->size(), 0);  // a partition not written yet: from its start
        }
        {
            std::lock_guard lock(mutex);
            readable_from = std::move(offsets);
            placed.clear();
            published.start_at(start_at);
            head = std::max(head, log_head);
            stalled = false;
            changed.notify_all();
        }
        next = start_at + 1;
        say("kafka: cluster " + cluster_id + ", topic " + options.topic +
            ", publishing from sequence " + std::to_string(next));
    }

    /// Once everything in flight has come back after a failure: back to the published position,
    /// so what follows it may be sent twice, never skipped. Waits `backoff` first, so that a
    /// refusing cluster is not hammered.
    void go_back(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds backoff) {
        ++republished_runs;
        changed.wait_for(lock, backoff, [this] { return stopping; });
        lock.unlock();
        replace_producer_if_fatal();
        lock.lock();
        failed = false;
        uncommitted.clear();
        published.start_at(published.value());
        next = published.value() + 1;
    }

    /// Commits the open transaction, retrying while Kafka does not answer; aborts it when
    /// stopping meanwhile.
    KafkaProducer::Txn commit() {
        using Status = KafkaProducer::Txn::Status;
        auto r = producer->commit_transaction(std::chrono::seconds(5));
        while (r.status == Status::kRetry && !stop_requested()) {
            note_error("the transaction is not committed yet: " + r.error);
            r = producer->commit_transaction(std::chrono::seconds(5));
        }
        if (r.status == Status::kRetry) {
            r.status = Status::kAbort;
        }
        return r;
    }

    /// Moves `readable_from` over the messages the published position has passed.
    void advance_offsets() {
        while (!placed.empty() && placed.begin()->first <= published.value()) {
            const Placed d = placed.begin()->second;
            placed.erase(placed.begin());
            if (d.partition < 0) {
                continue;
            }
            const auto p = static_cast<std::size_t>(d.partition);
            if (p >= readable_from.size()) {
                readable_from.resize(p + 1, 0);
            }
            readable_from[p] = std::max(readable_from[p], d.offset + 1);
        }
    }

    /// After the transaction: what it delivered is published, or sent again.
    void settle(std::unique_lock<std::mutex>& lock, const KafkaProducer::Txn& r) {
        using Status = KafkaProducer::Txn::Status;
        if (r.status == Status::kOk) {
            for (const auto& d : uncommitted) {
                published.acknowledge(d.sequence);
                placed.insert_or_assign(d.sequence, d);
            }
            uncommitted.clear();
            advance_offsets();
            changed.notify_all();
            return;
        }
        uncommitted.clear();
        if (r.status == Status::kFenced) {
            lock.unlock();
            become_fenced(r.error);
            lock.lock();
            return;
        }
        ++delivery_errors;
        last_error = "the transaction failed: " + r.error;
        failed = true;
        if (r.status == Status::kAbort) {
            lock.unlock();
            (void)producer->abort_transaction(std::chrono::seconds(5));
            lock.lock();
        }
    }

    /// Produces what the log holds up to the head the relay knows, in one transaction.
    void produce_head(std::unique_lock<std::mutex>& lock) {
        using Status = KafkaProducer::Txn::Status;
        const auto upto = head;
        lock.unlock();
        if (written_by_another()) {
            lock.lock();
            return;
        }
        auto r = producer->begin_transaction();
        if (r.status == Status::kOk) {
            (void)produce_available(upto);
            r = commit();
        }
        lock.lock();
        settle(lock, r);
        lock.unlock();
        keep_position(false);
        lock.lock();
    }

    /// Nothing to produce: waits for news, keeps the position, and reads the log's head.
    void idle(std::unique_lock<std::mutex>& lock) {
        changed.wait_for(lock, options.position_interval);
        probe_if_unreachable(lock);
        const bool look = watch_foreign && Clock::now() - last_look >= std::chrono::seconds(1);
        lock.unlock();
        if (look) {  // also while idle, so that writes are refused before one is accepted
            last_look = Clock::now();
            (void)written_by_another();
        }
        keep_position(false);
        // The observer tells of every commit; reading the head too costs little and covers any
        // notification that went astray.
        const auto log_head = store.log().head_sequence();
        lock.lock();
        head = std::max(head, log_head);
    }

    void follow() {
        if (!await_cluster() || !init_producer()) {
            return;
        }
        start_publishing();
        start_watching_foreign();
        auto backoff = kFirstBackoff;
        events::Sequence went_back_at = 0;
        std::unique_lock lock(mutex);
        while (!stopping && !fenced) {
            if (backoff > kFirstBackoff && published.value() > went_back_at) {
                backoff = kFirstBackoff;  // past the failure: the next one starts short again
            }
            if (failed && in_flight == 0) {
                go_back(lock, backoff);
                backoff = std::min(backoff * 2, kMaxBackoff);
                went_back_at = published.value();
            } else if (!failed && next <= head && in_flight < options.max_in_flight) {
                produce_head(lock);
            } else {
                idle(lock);
            }
        }
    }
};

Result<std::unique_ptr<KafkaRelay>> KafkaRelay::start(Store& store,
                                                                RelayOptions options) {
    if (!options.clock) {
        options.clock = events::Timestamp::system_now;
    }
    auto impl = std::make_unique<Impl>(store, std::move(options));
    auto producer = KafkaProducer::start(impl->options, *impl);
    if (!producer) {
        return producer.error();
    }
    impl->producer = std::move(*producer);
    impl->head = store.log().head_sequence();
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

void KafkaRelay::stop() {
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
    // The relay thread ends between transactions: what it produced is committed or aborted.
    if (i.producer->alive()) {
        i.keep_position(true);
    }
    i.producer.reset();
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
        s.published = i.published.value();
        s.head = i.head;
        s.in_flight = i.in_flight;
        s.delivered = i.delivered_count;
        s.delivery_errors = i.delivery_errors;
        s.republished_runs = i.republished_runs;
        s.last_error = i.last_error;
        s.state = i.fenced                                      ? "fenced"
                  : i.stopped                                   ? "stopped"
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

bool KafkaRelay::fenced() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->fenced;
}

events::Sequence KafkaRelay::published() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->published.value();
}

bool KafkaRelay::wait_published(events::Sequence sequence,
                                std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout,
                                   [&] { return impl_->published.value() >= sequence; });
}

}  // namespace deals::store
