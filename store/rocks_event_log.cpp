#include "store/rocks_event_log.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <memory>
#include <random>

#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/sha256.hpp"

namespace deals::store {

const std::string kGenesisHash(64, '0');

namespace {

/// A random (version 4) UUID for an event id.
std::string new_uuid() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const std::uint64_t hi = rng();
    const std::uint64_t lo = rng();
    unsigned char b[16];
    for (int i = 0; i < 8; ++i) {
        b[i] = static_cast<unsigned char>(hi >> (56 - 8 * i));
        b[8 + i] = static_cast<unsigned char>(lo >> (56 - 8 * i));
    }
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        out.push_back(kHex[b[i] >> 4]);
        out.push_back(kHex[b[i] & 0xF]);
    }
    return out;
}

}  // namespace

/// An append waiting for the writer, with its event data already encoded on the caller's
/// thread so that the writer does as little as possible.
struct RocksEventLog::Pending {
    events::AppendRequest request;
    std::vector<std::string> data_json;
    std::vector<std::string> ids;
    events::AppendCallback done;
    events::AppendOutcome outcome;
};

RocksEventLog::RocksEventLog(rocksdb::DB* db, CommitListener on_commit, Clock clock,
                             std::size_t max_batch_appends)
    : db_(db),
      on_commit_(std::move(on_commit)),
      clock_(std::move(clock)),
      max_batch_(max_batch_appends),
      head_hash_(kGenesisHash) {
    // The head is the last event record; its hash continues the chain.
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions{}));
    it->SeekForPrev(keys::event(~0ULL));
    if (it->Valid() && it->key().size() == 9 && it->key()[0] == keys::kEvent) {
        head_sequence_ = keys::get_be64(it->key().ToStringView().substr(1));
        const auto record = it->value().ToStringView();
        const auto parts = split_record(record);
        head_hash_ = std::string(parts.hash);
        last_time_ = decode_record(record).occurred_at;
    }
    writer_ = std::thread([this] { run(); });
}

RocksEventLog::~RocksEventLog() { stop(); }

void RocksEventLog::stop() {
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_ && !writer_.joinable()) {
            return;
        }
        stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable()) {
        writer_.join();
    }
}

void RocksEventLog::append(events::AppendRequest request, events::AppendCallback done) {
    Pending p;
    p.data_json.reserve(request.events.size());
    for (const auto& e : request.events) {
        p.data_json.push_back(encode_data(e));
        p.ids.push_back(new_uuid());
    }
    p.request = std::move(request);
    p.done = std::move(done);
    {
        std::unique_lock lock(queue_mutex_);
        if (!stopping_) {
            queue_.push_back(std::move(p));
            lock.unlock();
            queue_cv_.notify_one();
            return;
        }
    }
    p.done(events::AppendOutcome{events::AppendStatus::kUnavailable, 0, {}, "log is closed"});
}

void RocksEventLog::run() {
    std::vector<Pending> batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;  // stopping, and everything queued has been written
            }
            // Group commit: everything that queued up while the last fsync ran goes together.
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        write_batch(batch);
        batch.clear();
    }
}

events::StreamVersion RocksEventLog::cached_version(const std::string& stream) {
    auto it = versions_.find(stream);
    if (it != versions_.end()) {
        return it->second;
    }
    const auto v = stream_version(stream);
    versions_.emplace(stream, v);
    return v;
}

void RocksEventLog::write_batch(std::vector<Pending>& batch) {
    rocksdb::WriteBatch wb;
    std::vector<events::RecordedEvent> committed;
    std::unordered_map<std::string, events::StreamVersion> touched;
    events::Sequence sequence = head_sequence_;
    std::string hash = head_hash_;
    // occurred_at never goes backwards along the sequence, even if the wall clock does.
    const events::Timestamp now = std::max(clock_(), last_time_);

    for (Pending& p : batch) {
        const auto& stream = p.request.stream;
        auto found = touched.find(stream);
        events::StreamVersion version =
            found != touched.end() ? found->second : cached_version(stream);
        if (!p.request.expected.matches(version)) {
            p.outcome = {events::AppendStatus::kWrongExpectedVersion, version, {}, {}};
            continue;
        }
        p.outcome.status = events::AppendStatus::kOk;
        for (std::size_t i = 0; i < p.request.events.size(); ++i) {
            events::RecordedEvent r;
            r.id = std::move(p.ids[i]);
            r.sequence = ++sequence;
            r.stream = stream;
            r.stream_version = ++version;
            r.occurred_at = now;
            r.meta = p.request.meta;
            r.data = std::move(p.request.events[i]);
            const std::string body = encode_body(r, p.data_json[i]);
            r.prev_hash = hash;
            hash = sha256_hex(r.prev_hash, body);
            r.hash = hash;
            std::string seq_value;
            keys::put_be64(seq_value, r.sequence);
            wb.Put(keys::event(r.sequence), make_record(body, r.prev_hash, r.hash));
            wb.Put(keys::stream_entry(stream, r.stream_version), seq_value);
            p.outcome.recorded.push_back(r);
            committed.push_back(std::move(r));
        }
        p.outcome.current_version = version;
        touched[stream] = version;
    }

    std::size_t committed_appends = 0;
    std::uint64_t sync_micros = 0;
    std::uint64_t failures = 0;
    std::uint64_t conflicts = 0;
    bool written = false;
    if (wb.Count() > 0) {
        rocksdb::WriteOptions options;
        options.sync = true;
        const auto start = std::chrono::steady_clock::now();
        const rocksdb::Status status = db_->Write(options, &wb);
        sync_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
        if (!status.ok()) {
            // Nothing of this batch is acknowledged; the head stays where it was.
            for (Pending& p : batch) {
                if (p.outcome.status == events::AppendStatus::kOk) {
                    p.outcome = {events::AppendStatus::kUnavailable, 0, {}, status.ToString()};
                    ++failures;
                }
            }
            committed.clear();
        } else {
            for (auto& [stream, version] : touched) {
                versions_[stream] = version;
            }
            {
                std::lock_guard lock(head_mutex_);
                head_sequence_ = sequence;
                head_hash_ = hash;
                last_time_ = now;
            }
            written = true;
            if (on_commit_) {
                on_commit_(committed);
            }
        }
    }
    for (Pending& p : batch) {
        if (p.outcome.status == events::AppendStatus::kOk) {
            ++committed_appends;
        } else if (p.outcome.status == events::AppendStatus::kWrongExpectedVersion) {
            ++conflicts;
        }
    }
    {
        std::lock_guard lock(head_mutex_);
        stats_.batches += written ? 1 : 0;
        stats_.events += committed.size();
        stats_.sync_micros += sync_micros;
        stats_.failures += failures;
        stats_.conflicts += conflicts;
        stats_.appends += committed_appends;
        stats_.max_batch_appends =
            std::max<std::uint64_t>(stats_.max_batch_appends, committed_appends);
    }
    for (Pending& p : batch) {
        p.done(std::move(p.outcome));
    }
}

events::StreamVersion RocksEventLog::stream_version(const std::string& stream) const {
    const std::string prefix = keys::stream_prefix(stream);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions{}));
    it->SeekForPrev(keys::stream_entry(stream, ~0ULL));
    if (it->Valid() && it->key().starts_with(prefix)) {
        return keys::get_be64(it->key().ToStringView().substr(prefix.size()));
    }
    return 0;
}

std::string RocksEventLog::read_record(events::Sequence sequence) const {
    std::string value;
    const auto status = db_->Get(rocksdb::ReadOptions{}, keys::event(sequence), &value);
    return status.ok() ? value : std::string{};
}

std::vector<events::RecordedEvent> RocksEventLog::read_stream(const std::string& stream,
                                                              events::StreamVersion from_version,
                                                              std::size_t limit) const {
    std::vector<events::RecordedEvent> out;
    const std::string prefix = keys::stream_prefix(stream);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions{}));
    for (it->Seek(keys::stream_entry(stream, from_version));
         it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
        const std::string record = read_record(keys::get_be64(it->value().ToStringView()));
        if (!record.empty()) {
            out.push_back(decode_record(record));
        }
    }
    return out;
}

std::vector<events::RecordedEvent> RocksEventLog::read_range(events::Sequence from,
                                                             events::Sequence to,
                                                             std::size_t limit) const {
    std::vector<events::RecordedEvent> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions{}));
    for (it->Seek(keys::event(from)); it->Valid() && out.size() < limit; it->Next()) {
        const auto key = it->key();
        if (key.size() != 9 || key[0] != keys::kEvent ||
            keys::get_be64(key.ToStringView().substr(1)) > to) {
            break;
        }
        out.push_back(decode_record(it->value().ToStringView()));
    }
    return out;
}

std::vector<std::string> RocksEventLog::read_records(events::Sequence from,
                                                    std::size_t limit) const {
    std::vector<std::string> out;
    out.reserve(std::min<std::size_t>(limit, 4096));
    rocksdb::ReadOptions options;
    options.fill_cache = false;  // a long replay must not push the views' blocks out
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
    for (it->Seek(keys::event(from)); it->Valid() && out.size() < limit; it->Next()) {
        const auto key = it->key();
        if (key.size() != 9 || key[0] != keys::kEvent) {
            break;
        }
        out.emplace_back(it->value().ToStringView());
    }
    return out;
}

events::Sequence RocksEventLog::head_sequence() const {
    std::lock_guard lock(head_mutex_);
    return head_sequence_;
}

std::string RocksEventLog::head_hash() const {
    std::lock_guard lock(head_mutex_);
    return head_hash_;
}

LogStats RocksEventLog::stats() const {
    std::lock_guard lock(head_mutex_);
    return stats_;
}

}  // namespace deals::store
