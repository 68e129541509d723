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
    return {store_.log().head_sequence(), newest_, waiting_for_, std::max(0.0, lag), stopped_};
}

void Follower::run() {
    std::unique_ptr<KafkaConsumer> consumer;
    while (!stopping_ && !consumer) {
        auto opened = KafkaConsumer::open({.brokers = options_.brokers,
                                           .topic = options_.topic,
                                           .from_beginning = true,
                                           .config = options_.config,
                                           .topic_timeout = std::chrono::milliseconds(1000)});
        if (opened) {
            consumer = std::move(*opened);
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a retry's backoff
        }
    }
    std::map<Sequence, std::string> pending;
    auto stop_applying = [this](std::string why) {
        std::cerr << "follower: stopped applying: " << why << std::endl;
        std::lock_guard lock(mutex_);
        stopped_ = std::move(why);
    };
    while (!stopping_ && consumer) {
        auto polled = consumer->poll(std::chrono::milliseconds(200));
        if (!polled || !*polled) {
            continue;  // nothing yet, or a consumer error librdkafka retries
        }
        std::string record;
        std::optional<Sequence> seq;
        try {
            record = record_from_kafka_value((*polled)->value);
            seq = body_sequence(split_record(record).body);
        } catch (const std::exception& e) {
            stop_applying("partition " + std::to_string((*polled)->partition) + " offset " +
                          std::to_string((*polled)->offset) + " is not an event: " + e.what());
            return;
        }
        {
            std::lock_guard lock(mutex_);
            newest_ = std::max(newest_, seq.value_or(0));
        }
        const Sequence head = store_.log().head_sequence();
        if (!seq || *seq <= head) {
            continue;  // held already: a resend, or from before a restart
        }
        pending.emplace(*seq, std::move(record));
        while (!pending.empty() && pending.begin()->first == store_.log().head_sequence() + 1) {
            std::vector<std::string> run;
            Sequence next = pending.begin()->first;
            for (auto it = pending.begin();
                 it != pending.end() && it->first == next && run.size() < kRun; ++next) {
                run.push_back(std::move(it->second));
                it = pending.erase(it);
            }
            std::promise<events::AppendResult> done;
            store_.log().append_copies(
                std::move(run), [&done](events::AppendResult r) { done.set_value(std::move(r)); });
            if (auto appended = done.get_future().get(); !appended) {
                stop_applying(appended.error().message);
                return;
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
    }
}

}  // namespace deals::store
