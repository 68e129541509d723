#include "store/follower.hpp"

#include <pthread.h>

#include <future>
#include <map>

#include "store/cloud_event.hpp"
#include "store/codec.hpp"
#include "store/kafka_consumer.hpp"
#include "store/log_reader.hpp"
#include "store/store.hpp"
#include "support/log.hpp"

namespace deals::store {

namespace {

using events::Sequence;

/// At most this many events per append: a run of consecutive ones, in one batch.
constexpr std::size_t kRun = 1000;
/// Appends handed to the log and not answered yet, at most: reading the topic goes on while
/// the log writes and applies the runs before.
constexpr std::size_t kInFlight = 4;
/// An empty replica that has read nothing for this long serves what it has staged.
constexpr auto kStagingIdle = std::chrono::seconds(5);
/// Held events past the first one missing: at most this many bytes of them.
constexpr std::size_t kPendingLimit = std::size_t{1} << 30;

}  // namespace

Follower::Follower(Store& store, Options options) : store_(store), options_(std::move(options)) {
    // Empty: the topic's events are folded as start-up folds a log (no index kept up event by
    // event, no view written twice), and served once read to the end the topic had. Begun
    // here, so that reads answer "catching up" while the consumer is being opened too.
    staging_ = store_.begin_staging();
    if (staging_) {
        logging::info(
            "follow: an empty replica: the views are built while the topic is read, and served "
            "once it is read to its end");
    }
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "follower");
        run();
    });
}

Follower::~Follower() {
    stopping_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
}

events::ReplicaStats Follower::replica_stats() const {
    // Applied means what reads see: the views', which follow the log's durable head (a read
    // with Deals-Min-Sequence waits for this).
    const auto [applied, catching_up] = store_.shown();
    std::lock_guard lock(mutex_);
    const double lag = oldest_unapplied_
                           ? static_cast<double>(events::Timestamp::system_now().micros -
                                                 oldest_unapplied_->micros) /
                                 1e6
                           : 0;
    std::uint64_t behind = newest_ > applied ? newest_ - applied : 0;
    for (std::size_t p = 0; p < ends_.size(); ++p) {
        const std::int64_t from = std::max(p < next_.size() ? next_[p] : 0, ends_[p].low);
        behind += static_cast<std::uint64_t>(std::max<std::int64_t>(0, ends_[p].high - from));
    }
    return {applied,  newest_,        behind,         waiting_for_, std::max(0.0, lag),
            stopped_, messages_read_, started_after_, catching_up};
}

std::unique_ptr<KafkaConsumer> Follower::open_consumer(
    const std::vector<std::int64_t>& start_offsets) {
    while (!stopping_) {
        auto opened = KafkaConsumer::open({.brokers = options_.brokers,
                                           .topic = options_.topic,
                                           .from_beginning = true,
                                           .start_offsets = start_offsets,
                                           .config = options_.config,
                                           .topic_timeout = std::chrono::milliseconds(1000)});
        if (opened) {
            return std::move(*opened);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a retry's backoff
    }
    return nullptr;
}

void Follower::stop_applying(std::string why) {
    logging::error("follower: stopped applying: " + why, {{"submitted_sequence", submitted()}});
    std::lock_guard lock(mutex_);
    stopped_ = std::move(why);
}

/// Each partition's end offset, about once a second: with the offsets read so far, the messages
/// not read yet. As the last fetch brought it back: a request per partition (the first time)
/// made the broker busy answering them while the topic was read.
void Follower::measure_ends(KafkaConsumer& consumer) {
    auto marks = consumer.fetched_watermarks(std::chrono::milliseconds(1000));
    if (!marks) {
        return;  // asked again next time
    }
    std::lock_guard lock(mutex_);
    ends_ = std::move(*marks);
}

void Follower::measure_ends_until_done(KafkaConsumer& consumer) {
    std::unique_lock lock(mutex_);
    while (!reading_done_) {
        lock.unlock();
        measure_ends(consumer);
        lock.lock();
        ends_asked_.wait_for(lock, std::chrono::seconds(1), [this] { return reading_done_; });
    }
}

bool Follower::submit(std::vector<std::string> run, Sequence last) {
    std::unique_lock lock(mutex_);
    appended_.wait(lock, [this] { return in_flight_ < kInFlight || !refused_.empty(); });
    if (!refused_.empty()) {
        return false;
    }
    ++in_flight_;
    submitted_ = last;
    lock.unlock();
    store_.log().append_copies(std::move(run), [this](events::AppendResult r) {
        // On the log's applier thread: notes the outcome, never waits.
        std::lock_guard done(mutex_);
        --in_flight_;
        if (!r && refused_.empty()) {
            refused_ = r.error().message;
        }
        appended_.notify_all();
    });
    return true;
}

void Follower::drain() {
    std::unique_lock lock(mutex_);
    appended_.wait(lock, [this] { return in_flight_ == 0; });
}

bool Follower::apply_ready(std::map<Sequence, std::string>& pending) {
    while (!pending.empty() && pending.begin()->first == submitted() + 1) {
        std::vector<std::string> run;
        Sequence next = pending.begin()->first;
        for (auto it = pending.begin();
             it != pending.end() && it->first == next && run.size() < kRun; ++next) {
            // A copy is appended all or none: one that does not link goes alone, so the ones
            // before it are applied and the log refuses it, naming it.
            const auto parts = split_record(it->second);
            if (parts.prev_hash != chain_hash_ && !run.empty()) {
                break;
            }
            chain_hash_ = std::string(parts.hash);
            pending_bytes_ -= it->second.size();
            run.push_back(std::move(it->second));
            it = pending.erase(it);
        }
        if (!submit(std::move(run), next - 1)) {
            break;
        }
    }
    std::lock_guard lock(mutex_);
    if (!refused_.empty()) {
        return false;  // run() stops applying, once the appends in flight are done
    }
    waiting_for_ = pending.empty() ? 0 : submitted_ + 1;
    oldest_unapplied_.reset();
    if (!pending.empty()) {
        const auto body = split_record(pending.begin()->second).body;
        if (const auto time = body_string(body, "occurred_at")) {
            oldest_unapplied_ = events::Timestamp::parse(*time);
        }
    }
    return true;
}

std::unique_ptr<KafkaConsumer> Follower::start_reading() {
    std::vector<std::int64_t> offsets;
    std::string cluster;
    Sequence kept = 0;
    std::size_t partitions = 0;
    {
        // Asked of a consumer of its own, closed before the one that reads.
        auto probe = open_consumer({});
        if (!probe) {
            return nullptr;
        }
        cluster = probe->cluster_id(std::chrono::milliseconds(10'000));
        partitions = static_cast<std::size_t>(probe->partitions());
    }
    const Sequence head = store_.log().head_sequence();
    if (!cluster.empty()) {
        offsets = store_.topic_offsets(cluster, options_.topic);
        kept = store_.relay_position(cluster, options_.topic);
    }
    const bool usable = offsets.size() == partitions && kept <= head;
    if (!usable) {
        offsets.assign(partitions, 0);
        kept = 0;
    }
    std::string at;
    for (const auto o : offsets) {
        at += (at.empty() ? "" : ",") + std::to_string(o);
    }
    logging::info("follow: reading topic " + options_.topic + " from offsets " + at +
                  (usable ? ", kept with sequence " + std::to_string(kept) : " (its beginning)") +
                  ", head " + std::to_string(head));
    {
        std::lock_guard lock(mutex_);
        cluster_id_ = cluster;
        next_ = offsets;
        started_after_ = kept;
    }
    return open_consumer(offsets);
}

bool Follower::take(KafkaConsumer& consumer, std::map<Sequence, std::string>& pending) {
    const Sequence held = submitted();  // moved on by this thread only
    std::vector<std::int64_t> last_offsets;
    {
        std::lock_guard lock(mutex_);
        last_offsets.assign(next_.size(), -1);
    }
    std::uint64_t read = 0;
    Sequence newest = 0;
    std::string failure;
    const auto handle = [&](const KafkaConsumer::MessageView& m) {
        if (!failure.empty()) {
            return;  // the rest is never applied: the follower stops
        }
        ++read;
        if (m.partition >= 0 && static_cast<std::size_t>(m.partition) < last_offsets.size()) {
            last_offsets[static_cast<std::size_t>(m.partition)] = m.offset;
        }
        auto event = topic_event(m.partition, m.offset, m.value);
        if (!event) {
            failure = event.error().message;
            return;
        }
        newest = std::max(newest, event->sequence);
        if (event->sequence <= held) {
            return;  // held already: a resend, or from before a restart
        }
        const auto size = event->record.size();
        if (pending.emplace(event->sequence, std::move(event->record)).second) {
            pending_bytes_ += size;
        }
        if (pending_bytes_ > kPendingLimit) {  // held in memory: the wait cannot go on
            failure = "gap: sequence " + std::to_string(held + 1) + " has not come while " +
                      std::to_string(pending_bytes_ >> 20) + " MiB of events after it did";
        }
    };
    // What has come, up to a run's worth, in one call; else a wait for the next message (a wait
    // for a whole run would hold a lone event back for the whole timeout).
    if (consumer.consume(std::chrono::milliseconds(0), kRun, handle) == 0 && !stopping_ &&
        consumer.consume(std::chrono::milliseconds(200), 1, handle) == 1) {
        consumer.consume(std::chrono::milliseconds(0), kRun - 1, handle);
    }
    // A partition whose last records are a transaction's markers (the relay's commits) ends
    // past its last message, and the consumer's position says so: the offset after the last
    // message or marker handed over (never one still to come).
    const auto positions = consumer.positions();
    {
        std::lock_guard lock(mutex_);
        messages_read_ += read;
        for (std::size_t p = 0; p < last_offsets.size() && p < next_.size(); ++p) {
            if (last_offsets[p] >= 0) {
                next_[p] = last_offsets[p] + 1;
            }
        }
        for (std::size_t p = 0; p < positions.size() && p < next_.size(); ++p) {
            next_[p] = std::max(next_[p], positions[p]);
        }
        newest_ = std::max(newest_, newest);
    }
    if (!failure.empty()) {
        stop_applying(std::move(failure));
        return false;
    }
    return true;
}

void Follower::keep_position() {
    std::vector<std::int64_t> offsets;
    std::string cluster;
    {
        std::lock_guard lock(mutex_);
        if (waiting_for_ != 0 || cluster_id_.empty()) {
            // Events past a gap were read: the offsets are past what is missing. Asked before
            // draining: while it catches up on many partitions a follower nearly always holds
            // some, and a drain every 100 ms for nothing stalled the reading.
            return;
        }
        offsets = next_;
        cluster = cluster_id_;
    }
    drain();  // the head kept must be durable: every message before the offsets is in
    // The head is durable (append_copies answers once it is), and every message before the
    // offsets is applied or held already.
    (void)store_.put_relay_position(cluster, options_.topic, store_.log().head_sequence(), offsets);
}

bool Follower::read_to_ends() const {
    std::lock_guard lock(mutex_);
    if (ends_.empty() || ends_.size() != next_.size()) {
        return false;
    }
    for (std::size_t p = 0; p < ends_.size(); ++p) {
        if (std::max(next_[p], ends_[p].low) < ends_[p].high) {
            return false;
        }
    }
    return true;
}

void Follower::finish_staging() {
    drain();  // every run appended is folded into the staged views
    const auto start = std::chrono::steady_clock::now();
    store_.finish_staging();
    staging_ = false;
    logging::info(
        "follow: caught up from empty to sequence " + std::to_string(store_.shown().applied) +
            "; the views are indexed and served",
        {{"index_seconds",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}});
}

void Follower::run() {
    auto consumer = start_reading();
    if (!consumer) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        submitted_ = store_.log().head_sequence();
    }
    chain_hash_ = store_.log().head_hash();
    std::map<Sequence, std::string> pending;
    // The ends are asked on a thread of their own: a query per partition, each waiting for the
    // fetch in progress, held the reading back for most of a second, every second.
    std::thread ends([this, &consumer] {
        pthread_setname_np(pthread_self(), "follower-ends");
        measure_ends_until_done(*consumer);
    });
    auto kept = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> last_read;  // none before the first
    while (!stopping_) {
        const std::uint64_t before = messages_read();
        if (!take(*consumer, pending) || !apply_ready(pending)) {
            break;
        }
        const auto now = std::chrono::steady_clock::now();
        if (messages_read() != before) {
            last_read = now;
        }
        // Read to the ends, or nothing more for a while after the first message (a partition
        // without a leader, a transaction left open): the views staged so far are served, and
        // the rest is applied as it comes.
        if (staging_ && (read_to_ends() || (last_read && now - *last_read >= kStagingIdle))) {
            finish_staging();
        }
        if (std::chrono::steady_clock::now() - kept >= std::chrono::milliseconds(100)) {
            keep_position();
            kept = std::chrono::steady_clock::now();
        }
    }
    {
        std::lock_guard lock(mutex_);
        reading_done_ = true;
    }
    ends_asked_.notify_all();
    ends.join();
    drain();  // the appends' callbacks use this follower
    if (staging_ && !stopping_) {
        finish_staging();  // applying stopped: what was applied is served
    }
    std::string refused;
    {
        std::lock_guard lock(mutex_);
        refused = refused_;
    }
    if (!refused.empty()) {
        stop_applying(refused);  // a copy that does not follow the head: never skipped
    } else if (stopped().empty()) {
        keep_position();
    }
}

}  // namespace deals::store
