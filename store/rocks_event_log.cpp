#include "store/rocks_event_log.hpp"

#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>

#include "store/codec.hpp"
#include "store/disk_reserve.hpp"
#include "store/idempotency_codec.hpp"
#include "store/keys.hpp"
#include "support/log.hpp"
#include "support/sha256.hpp"

namespace deals::store {

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

/// How an append ends, as the writer, syncer and applier track it; handed to the caller as an
/// events::AppendResult.
enum class Status { kOk, kConflict, kUnavailable };
struct Outcome {
    Status status = Status::kOk;
    events::StreamVersion current_version = 0;
    std::vector<events::RecordedEvent> recorded;
    std::string detail;  ///< why, when not kOk
    std::string stream;  ///< the stream that moved on, with kConflict
    /// With kOk, where its events are in its batch's: moved into `recorded` once the views have
    /// applied them (a copy of each cost as much as decoding it, issue 23).
    std::size_t first_event = 0;
    std::size_t events = 0;
};

events::AppendResult result_of(Outcome outcome) {
    switch (outcome.status) {
        case Status::kOk:
            return events::Appended{outcome.current_version, std::move(outcome.recorded)};
        case Status::kConflict:
            return conflict("the stream " + outcome.stream + " is at version " +
                            std::to_string(outcome.current_version));
        case Status::kUnavailable:
            break;
    }
    return unavailable(outcome.detail);
}

}  // namespace

/// An append waiting for the writer, with its event data already encoded on the caller's
/// thread so that the writer does as little as possible (`data_json` and `ids` hold every event
/// of the request, its streams one after the other).
struct RocksEventLog::Pending {
    events::AppendRequest request;
    std::vector<std::string> data_json;
    std::vector<std::string> ids;
    /// Or, for `append_copies`: stored records made by another log, appended as they are.
    std::vector<std::string> copies;
    events::AppendCallback done;
    Outcome outcome;
};

/// A batch the writer has written (without sync), or failed, on its way to the syncer and then
/// to the applier.
struct RocksEventLog::Batch {
    std::vector<events::RecordedEvent> events;  ///< the batch's events, in sequence order
    std::vector<Pending> appends;
    bool written = false;  ///< events are in the WAL and wait for a sync
    events::Sequence sequence = 0;  ///< the tail after this batch (when written)
    std::string hash;
    events::Timestamp time;
};

RocksEventLog::RocksEventLog(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* records,
                             CommitListener on_commit, Clock clock, std::size_t max_batch_appends,
                             DiskReserve* reserve, std::size_t cached_streams)
    : db_(db),
      records_(records),
      reserve_(reserve),
      on_commit_(std::move(on_commit)),
      clock_(std::move(clock)),
      max_batch_(max_batch_appends),
      cached_streams_(std::max<std::size_t>(1, cached_streams)),
      head_hash_(kGenesisHash) {
    new_generation();
    // The head is the last event record; its hash continues the chain.
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions{}, records_));
    it->SeekForPrev(keys::event(~0ULL));
    if (it->Valid() && it->key().size() == 9 && it->key()[0] == keys::kEvent) {
        head_sequence_ = keys::get_be64(it->key().ToStringView().substr(1));
        const auto record = it->value().ToStringView();
        const auto parts = split_record(record);
        head_hash_ = std::string(parts.hash);
        last_time_ = decode_record(record).occurred_at;
    }
    tail_sequence_ = head_sequence_;
    tail_hash_ = head_hash_;
    tail_time_ = last_time_;
    applier_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "log-applier");
        run_applier();
    });
    syncer_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "log-syncer");
        run_syncer();
    });
    writer_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "log-writer");
        run();
    });
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
    // Each stage hands its last batch on before it stops; the next one finishes it, then stops.
    {
        std::lock_guard lock(sync_mutex_);
        syncer_stopping_ = true;
    }
    sync_cv_.notify_all();
    if (syncer_.joinable()) {
        syncer_.join();
    }
    {
        std::lock_guard lock(applied_mutex_);
        applier_stopping_ = true;
    }
    applied_cv_.notify_all();
    if (applier_.joinable()) {
        applier_.join();
    }
}

void RocksEventLog::append(events::AppendRequest request, events::AppendCallback done) {
    Pending p;
    for (const auto& part : request.streams) {
        for (const auto& e : part.events) {
            p.data_json.push_back(encode_data(e));
            p.ids.push_back(new_uuid());
        }
    }
    p.request = std::move(request);
    p.done = std::move(done);
    enqueue(std::move(p));
}

void RocksEventLog::append_copies(std::vector<std::string> records, events::AppendCallback done) {
    Pending p;
    p.copies = std::move(records);
    p.done = std::move(done);
    enqueue(std::move(p));
}

void RocksEventLog::fence(std::string reason) {
    std::lock_guard lock(queue_mutex_);
    fenced_ = std::move(reason);
}

void RocksEventLog::enqueue(Pending p) {
    {
        std::unique_lock lock(queue_mutex_);
        if (!fenced_.empty() && p.copies.empty()) {
            const auto why = fenced_;
            lock.unlock();
            p.done(unavailable(why));
            return;
        }
        if (!stopping_) {
            queue_.push_back(std::move(p));
            lock.unlock();
            queue_cv_.notify_one();
            return;
        }
    }
    p.done(unavailable("log is closed"));
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
            // Group commit: everything that queued up while the last batch was written goes
            // together.
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        {
            std::lock_guard gate(write_gate_);
            write_batch(batch);
        }
        batch.clear();
    }
}

Result<void> RocksEventLog::hold(
    const std::function<void(events::Sequence, const std::string&)>& f) {
    std::lock_guard gate(write_gate_);
    const events::Sequence written = tail_sequence_;  // the writer is out of write_batch
    events::Sequence head = 0;
    std::string hash;
    {
        std::unique_lock lock(head_mutex_);
        durable_cv_.wait(lock, [&] { return head_sequence_ >= written || broken_.load(); });
        if (broken_.load()) {
            return unavailable(broken_reason_);
        }
        head = head_sequence_;
        hash = head_hash_;
    }
    f(head, hash);  // still between two batches: the gate is held
    return {};
}

void RocksEventLog::new_generation() {
    old_versions_ = std::move(versions_);  // drops the generation before it
    versions_ = Versions{};
    versions_.reserve(cached_streams_ + max_batch_);  // a whole generation and a batch: no rehash
}

events::StreamVersion& RocksEventLog::cached_version(const std::string& stream,
                                                     events::StreamVersion likely, Known known) {
    // One hash lookup per append for a stream written lately.
    auto [it, inserted] = versions_.try_emplace(stream, 0);
    if (!inserted) {
        return it->second;
    }
    if (const auto old = old_versions_.find(stream); old != old_versions_.end()) {
        it->second = old->second;  // the old entry stays, unread, until it is dropped
    } else if (known != Known::kNone) {
        it->second = stored_version(stream, likely, known);
    }
    return it->second;
}

events::StreamVersion RocksEventLog::stored_version(const std::string& stream,
                                                    events::StreamVersion likely,
                                                    Known known) const {
    // A stream's entries are versions 1 to its version, none ever removed. So entry `likely`
    // present and the next absent (the bloom filters answer that, mostly) mean `likely`: point
    // lookups instead of an iterator's seek through every level, which took 8 % of the CPU of
    // billables on deals not written lately (perf, a million deals). Entry `likely` is known
    // present with kAtLeast; its lookup read a data block (7.7 % of a billable's CPU, issue 23).
    std::string value;
    const rocksdb::ReadOptions read;
    if (likely > 0 && (known == Known::kAtLeast ||
                       db_->Get(read, keys::stream_entry(stream, likely), &value).ok())) {
        const bool next_absent =
            db_->Get(read, keys::stream_entry(stream, likely + 1), &value).IsNotFound();
        return next_absent ? likely : stream_version(stream);
    }
    // A stream without a first entry does not exist: a point lookup, which the bloom filters
    // answer for a new stream, instead of the seek. (Any other outcome, even an error, seeks.)
    const bool absent = db_->Get(read, keys::stream_entry(stream, 1), &value).IsNotFound();
    return absent ? 0 : stream_version(stream);
}

/// The streams a batch appends to: each one's entry in versions_ (left as it is until the batch
/// is written) and its version after the appends taken so far. Found through a hash map: a
/// follower's batch of copies touches thousands, and a search of the vector made it quadratic.
struct RocksEventLog::Touched {
    std::vector<std::pair<events::StreamVersion*, events::StreamVersion>> streams;
    std::unordered_map<const events::StreamVersion*, std::size_t> index;

    /// The index of `known`'s entry, added at its cached version when new.
    std::size_t slot(events::StreamVersion* known) {
        const auto [it, added] = index.try_emplace(known, streams.size());
        if (added) {
            streams.emplace_back(known, *known);
        }
        return it->second;
    }
};

/// What the writer is building: the WriteBatch, and the tail of the chain through it.
struct RocksEventLog::Chain {
    /// `reserve`: bytes the batch is known to take at least (no growth while it is built).
    explicit Chain(std::size_t reserve) : wb(reserve) {}
    rocksdb::WriteBatch wb;
    events::Sequence sequence = 0;
    std::string hash;
    events::Timestamp now;
};

bool RocksEventLog::check_expected(Pending& p, Touched& touched, std::vector<std::size_t>& slots) {
    // A request may name a stream twice: each part expects the version the parts before it
    // leave, so versions are counted locally until every part has matched.
    std::vector<std::pair<std::size_t, events::StreamVersion>> local;
    for (std::size_t i = 0; i < p.request.streams.size(); ++i) {
        const auto& part = p.request.streams[i];
        const bool exact = part.expected.kind == events::ExpectedVersion::Kind::kExact;
        const auto likely = exact ? part.expected.version : 0;
        const Known known = exact && part.expected.seen ? Known::kAtLeast : Known::kLikely;
        const std::size_t slot = touched.slot(&cached_version(part.stream, likely, known));
        auto it = std::find_if(local.begin(), local.end(),
                               [slot](const auto& l) { return l.first == slot; });
        if (it == local.end()) {
            it = local.insert(local.end(), {slot, touched.streams[slot].second});
        }
        if (!part.expected.matches(it->second)) {
            p.outcome = {Status::kConflict, it->second, {}, {}, part.stream};
            return false;
        }
        it->second += part.events.size();
        slots.push_back(slot);
    }
    return true;
}

void RocksEventLog::record(Pending& p, Touched& touched, const std::vector<std::size_t>& slots,
                           Chain& chain, Batch& out) {
    p.outcome.status = Status::kOk;
    p.outcome.first_event = out.events.size();
    std::size_t n = 0;  // index into the request's encoded events
    for (std::size_t i = 0; i < p.request.streams.size(); ++i) {
        auto& part = p.request.streams[i];
        events::StreamVersion& version = touched.streams[slots[i]].second;
        for (auto& event : part.events) {
            events::RecordedEvent r;
            r.id = std::move(p.ids[n]);
            r.sequence = ++chain.sequence;
            r.stream = part.stream;
            r.stream_version = ++version;
            r.occurred_at = chain.now;
            r.meta.actor = p.request.meta.actor;
            r.meta.request_id = p.request.meta.request_id;
            r.meta.correlation_id = p.request.meta.correlation_id;
            r.data = std::move(event);
            const std::string body = encode_body(r, p.data_json[n]);
            r.prev_hash = chain.hash;
            chain.hash = support::sha256_hex(r.prev_hash, body);
            r.hash = chain.hash;
            std::string seq_value;
            keys::put_be64(seq_value, r.sequence);
            chain.wb.Put(records_, keys::event(r.sequence), make_record(body, r.prev_hash, r.hash));
            chain.wb.Put(keys::stream_entry(part.stream, r.stream_version), seq_value);
            out.events.push_back(std::move(r));
            ++n;
        }
    }
    p.outcome.events = out.events.size() - p.outcome.first_event;
    const std::size_t subject = std::min(p.request.subject, p.request.streams.size() - 1);
    const std::string& stream = p.request.streams[subject].stream;
    p.outcome.current_version = touched.streams[slots[subject]].second;
    if (const auto& mark = p.request.meta.idempotency; !mark.key.empty()) {
        // Beside the events, in their batch: durable exactly when they are.
        events::IdempotencyRecord marker{mark.fingerprint, chain.now.micros / 1000000, {}, {}};
        marker.written = {stream, p.outcome.current_version, chain.sequence};
        chain.wb.Put(keys::idempotency(mark.key), encode_idempotency(marker));
    }
}

std::string RocksEventLog::chain_refusal(const events::RecordedEvent& r, const RecordParts& parts,
                                         events::Sequence head, const std::string& head_hash) {
    const auto at = [head] { return "sequence " + std::to_string(head + 1); };
    if (r.sequence != head + 1) {
        return at() + " is next, not sequence " + std::to_string(r.sequence);
    }
    if (parts.prev_hash != head_hash) {
        return at() + " does not link: its prev_hash is " + std::string(parts.prev_hash) +
               ", the head's hash is " + head_hash;
    }
    char hash[64];
    support::sha256_hex(parts.prev_hash, parts.body, hash);
    if (std::string_view(hash, sizeof hash) != parts.hash) {
        return at() + ": its hash is not that of its bytes";
    }
    return {};
}

void RocksEventLog::record_copies(Pending& p, Touched& touched, Chain& chain, Batch& out) {
    // Checked against a copy of the chain first: all of the copies go in, or none.
    struct {
        events::Sequence sequence;
        std::string hash;
        events::Timestamp now;
    } next{chain.sequence, chain.hash, chain.now};
    std::unordered_map<std::size_t, events::StreamVersion> versions;  // by slot in `touched`
    versions.reserve(p.copies.size());
    std::vector<events::RecordedEvent> recorded;
    recorded.reserve(p.copies.size());
    std::string body;  // the body being decoded, parsed in place
    for (const std::string& record : p.copies) {
        events::RecordedEvent r;
        RecordParts parts;
        try {
            r = decode_record_for_copy(record, body);
            parts = split_record(record);
        } catch (const std::exception& e) {
            p.outcome = {Status::kUnavailable,
                         0,
                         {},
                         "sequence " + std::to_string(next.sequence + 1) + ": " + e.what()};
            return;
        }
        if (auto why = chain_refusal(r, parts, next.sequence, next.hash); !why.empty()) {
            p.outcome = {Status::kUnavailable, 0, {}, std::move(why)};
            return;
        }
        // It links, so it is the leader's event, after the leader's events this log holds: the
        // first of its stream there (version 1) is the first here too, without a lookup. Later
        // versions are looked up in full (kLikely), not trusted: the check below then refuses a
        // leader's stream with a gap.
        const std::size_t slot = touched.slot(&cached_version(
            r.stream, r.stream_version - 1, r.stream_version == 1 ? Known::kNone : Known::kLikely));
        const auto it = versions.try_emplace(slot, touched.streams[slot].second).first;
        if (r.stream_version != it->second + 1) {
            p.outcome = {Status::kUnavailable,
                         0,
                         {},
                         "sequence " + std::to_string(r.sequence) + ": version " +
                             std::to_string(r.stream_version) + " of " + r.stream +
                             ", which is at version " + std::to_string(it->second)};
            return;
        }
        it->second = r.stream_version;
        next.sequence = r.sequence;
        next.hash.assign(parts.hash);
        next.now = std::max(next.now, r.occurred_at);
        recorded.push_back(std::move(r));
    }
    for (const auto& [slot, version] : versions) {
        touched.streams[slot].second = version;
    }
    // Every copy links: into the batch, the records as they are (no copy of them before).
    std::string seq_value;
    for (std::size_t i = 0; i < recorded.size(); ++i) {
        const auto& r = recorded[i];
        seq_value.clear();
        keys::put_be64(seq_value, r.sequence);
        chain.wb.Put(records_, keys::event(r.sequence), p.copies[i]);
        chain.wb.Put(keys::stream_entry(r.stream, r.stream_version), seq_value);
    }
    chain.sequence = next.sequence;
    chain.hash = std::move(next.hash);
    chain.now = next.now;
    p.outcome = {Status::kOk, 0, {}, {}, {}, out.events.size(), recorded.size()};
    for (auto& r : recorded) {
        out.events.push_back(std::move(r));
    }
}

std::string RocksEventLog::write_to_wal(rocksdb::WriteBatch& wb) {
    // Into the WAL without waiting for the disk: the syncer makes it durable, and while it
    // waits on fsync this thread is already writing the next batch.
    // Not past the disk's reserve: RocksDB itself never meets a full disk (DiskReserve,
    // which logs the change each way).
    if (reserve_ != nullptr && !reserve_->allows(wb.GetDataSize())) {
        return reserve_->refusal();
    }
    const rocksdb::Status status = db_->Write(rocksdb::WriteOptions{}, &wb);
    // A failed write leaves nothing in the memtable, and RocksDB refuses writes until it
    // has recovered by itself (store/README.md). Meanwhile appends answer 503.
    if (status.ok() == write_failed_) {
        if (status.ok()) {
            logging::info("store: writes work again");
        } else {
            logging::error("store: a write failed, appends answer 503 until writes work again: " +
                               status.ToString(),
                           {{"head_sequence", head_sequence()}});
        }
    }
    write_failed_ = !status.ok();
    return status.ok() ? std::string{} : status.ToString();
}

void RocksEventLog::write_batch(std::vector<Pending>& batch) {
    Batch out;
    if (broken_.load()) {
        // A sync failed: what the WAL holds past the durable head is in doubt, so nothing more is
        // written until a restart recovers the log.
        for (Pending& p : batch) {
            p.outcome = {Status::kUnavailable, 0, {}, broken_reason_};
        }
        out.appends = std::move(batch);
        hand_to_syncer(std::move(out));
        return;
    }
    if (versions_.size() >= cached_streams_) {
        new_generation();  // between batches: `touched` below points into versions_
    }
    Touched touched;
    std::size_t copies = 0;
    std::size_t copied_bytes = 0;
    for (const Pending& p : batch) {
        copies += p.copies.size();
        for (const auto& c : p.copies) {
            copied_bytes += c.size() + 64;  // the record, its keys and the stream index entry
        }
    }
    out.events.reserve(copies);
    // occurred_at never goes backwards along the sequence, even if the wall clock does.
    Chain chain(copied_bytes);
    chain.sequence = tail_sequence_;
    chain.hash = tail_hash_;
    chain.now = std::max(clock_(), tail_time_);
    std::vector<std::size_t> slots;
    for (Pending& p : batch) {
        slots.clear();
        if (!p.copies.empty()) {
            record_copies(p, touched, chain, out);
        } else if (p.request.streams.empty()) {
            p.outcome = {Status::kUnavailable, 0, {}, "an append of no stream"};
        } else if (check_expected(p, touched, slots)) {
            record(p, touched, slots, chain, out);
        }
    }
    if (chain.wb.Count() > 0) {
        if (const std::string failure = write_to_wal(chain.wb); !failure.empty()) {
            // Nothing of this batch is acknowledged; the tail stays where it was.
            for (Pending& p : batch) {
                if (p.outcome.status == Status::kOk) {
                    p.outcome = {Status::kUnavailable, 0, {}, failure};
                }
            }
            out.events.clear();
        } else {
            for (auto& [known, version] : touched.streams) {
                *known = version;
            }
            tail_sequence_ = chain.sequence;
            tail_hash_ = chain.hash;
            tail_time_ = chain.now;
            out.written = true;
            out.sequence = chain.sequence;
            out.hash = chain.hash;
            out.time = chain.now;
        }
    }
    out.appends = std::move(batch);
    hand_to_syncer(std::move(out));
}

void RocksEventLog::hand_to_syncer(Batch batch) {
    {
        std::lock_guard lock(sync_mutex_);
        sync_queue_.push_back(std::move(batch));
    }
    sync_cv_.notify_one();
}

void RocksEventLog::mark_broken(std::string reason) {
    logging::error("store: " + reason + "; appends answer 503 until dealsd restarts",
                   {{"head_sequence", head_sequence()}});
    broken_reason_ = std::move(reason);
    {
        std::lock_guard lock(head_mutex_);
        broken_.store(true);
    }
    durable_cv_.notify_all();
}

void RocksEventLog::move_durable_head(const Batch& b) {
    {
        std::lock_guard lock(head_mutex_);
        head_sequence_ = b.sequence;
        head_hash_ = b.hash;
        last_time_ = b.time;
    }
    durable_cv_.notify_all();
}

void RocksEventLog::run_syncer() {
    std::deque<Batch> batches;
    for (;;) {
        {
            std::unique_lock lock(sync_mutex_);
            sync_cv_.wait(lock, [this] { return syncer_stopping_ || !sync_queue_.empty(); });
            if (sync_queue_.empty()) {
                return;  // stopping, and every batch written has been synced and handed on
            }
            batches.swap(sync_queue_);
        }
        // One fsync makes every batch written so far durable, however many queued meanwhile.
        const bool to_sync = std::any_of(batches.begin(), batches.end(),
                                         [](const Batch& b) { return b.written; });
        std::uint64_t sync_micros = 0;
        if (to_sync && !broken_.load()) {
            const auto start = std::chrono::steady_clock::now();
            const rocksdb::Status status = db_->SyncWAL();
            sync_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
            if (!status.ok()) {
                mark_broken("the log could not be synced: " + status.ToString());
            }
        }
        std::uint64_t committed_appends = 0;
        std::uint64_t committed_events = 0;
        std::uint64_t failures = 0;
        std::uint64_t conflicts = 0;
        for (Batch& b : batches) {
            if (b.written && broken_.load()) {
                // Written but never durable: none of it is acknowledged.
                for (Pending& p : b.appends) {
                    if (p.outcome.status == Status::kOk) {
                        p.outcome = {Status::kUnavailable, 0, {}, broken_reason_};
                    }
                }
                b.events.clear();
                b.written = false;
            }
            if (b.written) {
                move_durable_head(b);
            }
            committed_events += b.events.size();
            for (Pending& p : b.appends) {
                if (p.outcome.status == Status::kOk) {
                    ++committed_appends;
                } else if (p.outcome.status == Status::kConflict) {
                    ++conflicts;
                } else {
                    ++failures;
                }
            }
        }
        {
            std::lock_guard lock(head_mutex_);
            stats_.batches += (to_sync && committed_events > 0) ? 1 : 0;
            stats_.events += committed_events;
            stats_.sync_micros += sync_micros;
            stats_.failures += failures;
            stats_.conflicts += conflicts;
            stats_.appends += committed_appends;
            stats_.max_batch_appends =
                std::max<std::uint64_t>(stats_.max_batch_appends, committed_appends);
            if (to_sync && committed_events > 0) {
                stats_.sync_seconds.observe(static_cast<double>(sync_micros) / 1e6);
                stats_.batch_appends.observe(static_cast<double>(committed_appends));
            }
        }
        {
            std::lock_guard lock(applied_mutex_);
            for (Batch& b : batches) {
                applied_queue_.push_back(std::move(b));
            }
        }
        batches.clear();
        applied_cv_.notify_one();
    }
}

void RocksEventLog::run_applier() {
    for (;;) {
        Batch item;
        {
            std::unique_lock lock(applied_mutex_);
            applied_cv_.wait(lock, [this] { return applier_stopping_ || !applied_queue_.empty(); });
            if (applied_queue_.empty()) {
                return;  // stopping, and every batch handed over has been applied
            }
            item = std::move(applied_queue_.front());
            applied_queue_.pop_front();
        }
        // Views first, then the callbacks: a client acknowledged can read its write.
        if (on_commit_ && !item.events.empty()) {
            on_commit_(item.events);
        }
        for (Pending& p : item.appends) {
            auto& o = p.outcome;
            if (o.status == Status::kOk && o.first_event + o.events <= item.events.size()) {
                const auto from = item.events.begin() + static_cast<std::ptrdiff_t>(o.first_event);
                o.recorded.assign(
                    std::make_move_iterator(from),
                    std::make_move_iterator(from + static_cast<std::ptrdiff_t>(o.events)));
            }
            p.done(result_of(std::move(o)));
        }
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

std::string RocksEventLog::envelope_json(events::Sequence sequence) const {
    const std::string record = read_record(sequence);
    return record.empty() ? std::string{} : store::envelope_json(record);
}

std::string RocksEventLog::read_record(events::Sequence sequence) const {
    std::string value;
    const auto status = db_->Get(rocksdb::ReadOptions{}, records_, keys::event(sequence), &value);
    return status.ok() ? value : std::string{};
}

std::vector<events::RecordedEvent> RocksEventLog::read_stream(const std::string& stream,
                                                              events::StreamVersion from_version,
                                                              std::size_t limit) const {
    std::vector<events::RecordedEvent> out;
    const std::string prefix = keys::stream_prefix(stream);
    const events::Sequence durable = head_sequence();  // nothing the WAL holds unsynced
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions{}));
    for (it->Seek(keys::stream_entry(stream, from_version));
         it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
        const events::Sequence sequence = keys::get_be64(it->value().ToStringView());
        if (sequence > durable) {
            break;
        }
        const std::string record = read_record(sequence);
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
    to = std::min(to, head_sequence());  // nothing the WAL holds unsynced
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions{}, records_));
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
    const events::Sequence durable = head_sequence();  // nothing the WAL holds unsynced
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, records_));
    for (it->Seek(keys::event(from)); it->Valid() && out.size() < limit; it->Next()) {
        const auto key = it->key();
        if (key.size() != 9 || key[0] != keys::kEvent ||
            keys::get_be64(key.ToStringView().substr(1)) > durable) {
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
