#include "store/published_position.hpp"

#include <rocksdb/db.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "store/keys.hpp"
#include "store/store.hpp"
#include "support/json.hpp"

namespace deals::store {

std::optional<TopicPosition> kept_topic_position(rocksdb::DB& db, std::string_view cluster_id,
                                                 std::string_view topic) {
    std::string value;
    if (!db.Get(rocksdb::ReadOptions{}, keys::relay_position(cluster_id, topic), &value).ok()) {
        return std::nullopt;
    }
    json::Document doc;
    doc.Parse(value.data(), value.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("sequence") ||
        !doc["sequence"].IsUint64()) {
        throw std::runtime_error("corrupt Kafka relay position for cluster " +
                                 std::string(cluster_id));
    }
    TopicPosition out{doc["sequence"].GetUint64(), {}};
    if (doc.HasMember("offsets") && doc["offsets"].IsArray()) {
        for (const auto& o : doc["offsets"].GetArray()) {
            if (!o.IsInt64()) {
                return TopicPosition{out.sequence, {}};
            }
            out.offsets.push_back(o.GetInt64());
        }
    }
    return out;
}

void PublishedPosition::start_at(events::Sequence position) {
    value_ = position;
    ahead_.clear();
}

void PublishedPosition::acknowledge(events::Sequence sequence) {
    if (sequence == value_ + 1) {
        ++value_;
        while (!ahead_.empty() && *ahead_.begin() <= value_ + 1) {
            value_ = std::max(value_, *ahead_.begin());
            ahead_.erase(ahead_.begin());
        }
    } else if (sequence > value_ + 1) {
        ahead_.insert(sequence);
    }  // else: a repeat after going back; already counted
}

PositionKeeper::PositionKeeper(Store& store, std::string topic, std::chrono::milliseconds interval,
                               bool fresh_broker)
    : store_(store), topic_(std::move(topic)), interval_(interval), fresh_broker_(fresh_broker) {}

events::Sequence PositionKeeper::open(const std::string& cluster_id) {
    cluster_id_ = cluster_id;
    kept_ = fresh_broker_ ? 0 : store_.relay_position(cluster_id_, topic_);
    return kept_;
}

Result<void> PositionKeeper::keep(events::Sequence position, bool force,
                                  const std::vector<std::int64_t>& offsets) {
    if (fresh_broker_ || cluster_id_.empty()) {
        return {};
    }
    const auto now = Clock::now();
    if (position == kept_ || (!force && now - kept_at_ < interval_)) {
        return {};
    }
    auto kept = store_.put_relay_position(cluster_id_, topic_, position, offsets);
    if (kept) {
        kept_ = position;
        kept_at_ = now;
    }
    return kept;
}

}  // namespace deals::store
