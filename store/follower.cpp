#include "store/follower.hpp"

#include <pthread.h>

#include <future>
#include <iostream>
#include <map>

#include "store/cloud_event.hpp"
#include "store/codec.hpp"
#include "store/kafka_consumer.hpp"
#include "store/log_reader.hpp"
#include "store/store.hpp"

namespace deals::store {

namespace {

using events::Sequence;

/// At most this many events per append: a run of consecutive ones, in one batch.
constexpr std::size_t kRun = 1000;
/// Held events past the first one missing: at most this many bytes of them.
constexpr std::size_t kPendingLimit = std::size_t{1} << 30;

}  // namespace

Follower::Follower(Store& store, Options options) : store_(store), options_(std::move(options)) {
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
    std::lock_guard lock(mutex_);
    const double lag = oldest_unapplied_
                           ? static_cast<double>(events::Timestamp::system_now().micros -
                                                 oldest_unapplied_->micros) /
                                 1e6
                           : 0;
    const Sequence applied = store_.log().head_sequence();
    std::uint64_t behind = newest_ > applied ? newest_ - applied : 0;
    for (std::size_t p = 0; p < ends_.size(); ++p) {
        const auto read = next_.find(static_cast<int>(p));
        const std::int64_t from =
            std::max(read == next_.end() ? std::int64_t{0} : read->second, ends_[p].low);
        behind += static_cast<std::uint64_t>(std::max<std::int64_t>(0, ends_[p].high - from));
    }
    return {applied, newest_, behind, waiting_for_, std::max(0.0, lag), stopped_};
}

std::unique_ptr<KafkaConsumer> Follower::open_consumer() {
    while (!stopping_) {
        auto opened = KafkaConsumer::open({.brokers = options_.brokers,
                                           .topic = options_.topic,
                                           .from_beginning = true,
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
    std::cerr << "follower: stopped applying: " << why << std::endl;
    std::lock_guard lock(mutex_);
    stopped_ = std::move(why);
}

/// Each partition's end offset, asked of the brokers about once a second: with the offsets read
/// so far, the messages not read yet.
void Follower::measure_ends(KafkaConsumer& consumer) {
    auto marks = consumer.watermarks(std::chrono::milliseconds(1000));
    if (!marks) {
        return;  // asked again next time
    }
    std::lock_guard lock(mutex_);
    ends_ = std::move(*marks);
}

bool Follower::apply_ready(std::map<Sequence, std::string>& pending) {
    while (!pending.empty() && pending.begin()->first == store_.log().head_sequence() + 1) {
        std::vector<std::string> run;
        Sequence next = pending.begin()->first;
        for (auto it = pending.begin();
             it != pending.end() && it->first == next && run.size() < kRun; ++next) {
            pending_bytes_ -= it->second.size();
            run.push_back(std::move(it->second));
            it = pending.erase(it);
        }
        std::promise<events::AppendResult> done;
        store_.log().append_copies(
            std::move(run), [&done](events::AppendResult r) { done.set_value(std::move(r)); });
        if (auto appended = done.get_future().get(); !appended) {
            stop_applying(appended.error().message);
            return false;
        }
    }
    std::lock_guard lock(mutex_);
    waiting_for_ = pending.empty() ? 0 : store_.log().head_sequence() + 1;
    oldest_unapplied_.reset();
    if (!pending.empty()) {
        const auto body = split_record(pending.begin()->second).body;
        if (const auto time = body_string(body, "occurred_at")) {
            oldest_unapplied_ = events::Timestamp::parse(*time);
        }
    }
    return true;
}

void Follower::run() {
    auto consumer = open_consumer();
    if (!consumer) {
        return;
    }
    std::map<Sequence, std::string> pending;
    auto measured = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    while (!stopping_) {
        if (std::chrono::steady_clock::now() - measured >= std::chrono::seconds(1)) {
            measure_ends(*consumer);
            measured = std::chrono::steady_clock::now();
        }
        auto polled = consumer->poll(std::chrono::milliseconds(200));
        if (!polled || !*polled) {
            continue;  // nothing yet, or a consumer error librdkafka retries
        }
        const auto& m = **polled;
        {
            std::lock_guard lock(mutex_);
            next_[m.partition] = m.offset + 1;
        }
        auto event = topic_event(m.partition, m.offset, m.value);
        if (!event) {
            stop_applying(event.error().message);
            return;
        }
        {
            std::lock_guard lock(mutex_);
            newest_ = std::max(newest_, event->sequence);
        }
        if (event->sequence <= store_.log().head_sequence()) {
            continue;  // held already: a resend, or from before a restart
        }
        const auto size = event->record.size();
        if (pending.emplace(event->sequence, std::move(event->record)).second) {
            pending_bytes_ += size;
        }
        if (pending_bytes_ > kPendingLimit) {  // held in memory: the wait cannot go on
            stop_applying("gap: sequence " + std::to_string(store_.log().head_sequence() + 1) +
                          " has not come while " + std::to_string(pending_bytes_ >> 20) +
                          " MiB of events after it did");
            return;
        }
        if (!apply_ready(pending)) {
            return;
        }
    }
}

}  // namespace deals::store
