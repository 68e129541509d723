#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "events/error.hpp"
#include "events/event_log.hpp"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatch;
}

namespace deals::store {

class DiskReserve;
struct RecordParts;

/// Streams per generation of the log writer's version cache (RocksEventLog), by default.
inline constexpr std::size_t kCachedStreams = 65536;

using events::LogStats;

/// The event log on RocksDB. Appends are queued to one writer thread, which checks expected
/// versions, assigns gapless sequence numbers and the hash chain, and writes every append it
/// has gathered as one WriteBatch: group commit. Three threads form a pipeline:
/// - the writer puts each batch into the WAL (and memtable) without waiting for the disk;
/// - the syncer makes everything written so far durable with one fsync (SyncWAL), then moves
///   the durable head;
/// - the applier calls `on_commit` with the new events (in sequence order), then each append's
///   callback.
/// So the fsync of one batch overlaps with writing the next and applying the last. Nothing is
/// acknowledged, applied or readable through this class before its fsync. If a sync fails, every
/// append not yet durable fails and later appends fail too, until a restart recovers the log.
/// Reads are thread-safe and see durable events only. Does not own the DB.
class RocksEventLog final : public events::EventLog {
public:
    using CommitListener = std::function<void(const std::vector<events::RecordedEvent>&)>;
    using Clock = std::function<events::Timestamp()>;

    /// Every batch is first checked against `reserve` (when given): past it, the batch's
    /// appends answer unavailable and nothing reaches RocksDB.
    /// The writer remembers the version of up to 2 × `cached_streams` streams it wrote lately;
    /// any other stream's is read from RocksDB when it is next appended to.
    /// `records` is the column family of the event records (store/database.hpp).
    RocksEventLog(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* records, CommitListener on_commit,
                  Clock clock, std::size_t max_batch_appends, DiskReserve* reserve = nullptr,
                  std::size_t cached_streams = kCachedStreams);
    ~RocksEventLog() override;

    void append(events::AppendRequest request, events::AppendCallback done) override;
    /// Appends stored records made by another log (a leader's, from the Kafka topic) as they are,
    /// through the same writer, syncer and applier as `append`: each must be the next sequence,
    /// link by its prev_hash, have the hash of its bytes and be its stream's next version. All of
    /// them go in, or none: a refusal answers kUnavailable naming the sequence. The callback
    /// gets the events decoded as the views need them: sequence, stream, version, time and data
    /// (no id, actor, request ids or hashes); current_version is 0.
    void append_copies(std::vector<std::string> records, events::AppendCallback done);
    /// From now on every append of new events is refused (kUnavailable, `reason`): another
    /// leader took over the topic (the relay was fenced). Copies (a follower's) still go in.
    void fence(std::string reason);
    std::vector<events::RecordedEvent> read_stream(const std::string& stream,
                                                   events::StreamVersion from_version,
                                                   std::size_t limit) const override;
    std::vector<events::RecordedEvent> read_range(events::Sequence from, events::Sequence to,
                                                  std::size_t limit) const override;
    events::Sequence head_sequence() const override;
    std::string head_hash() const override;

    events::StreamVersion stream_version(const std::string& stream) const override;
    std::string envelope_json(events::Sequence sequence) const override;
    /// The raw stored record at `sequence`, or empty when there is none.
    std::string read_record(events::Sequence sequence) const;
    /// Up to `limit` raw records from `from` on, in sequence order (one iterator scan).
    std::vector<std::string> read_records(events::Sequence from, std::size_t limit) const;
    /// The column family the records are in.
    rocksdb::ColumnFamilyHandle* records_family() const { return records_; }

    /// Runs `f` with the durable head while no batch is written: the writer is held between two
    /// batches, and `f` runs once the syncer has made everything written durable (one fsync), so
    /// the database holds exactly the events up to the head it is given. For a consistent copy of
    /// the database (store/backup.hpp); `f` must be quick, since appends wait meanwhile. An error
    /// when the log is broken (a failed sync).
    Result<void> hold(const std::function<void(events::Sequence, const std::string&)>& f);

    /// Finishes every queued append, then stops the writer; later appends fail (kUnavailable).
    void stop();
    LogStats stats() const override;

private:
    struct Pending;
    struct Batch;
    struct Touched;
    struct Chain;
    void run();
    void run_syncer();
    void run_applier();
    void hand_to_syncer(Batch batch);
    void enqueue(Pending p);
    /// Adds the copies of `p` (append_copies) to the batch being built, or sets why not.
    void record_copies(Pending& p, Touched& touched, Chain& chain, Batch& out);
    /// Why a copy cannot follow `head` (empty when it can): the next sequence, linked by its
    /// prev_hash, and its hash that of its bytes (its stream's next version is checked after).
    static std::string chain_refusal(const events::RecordedEvent& r, const RecordParts& parts,
                                     events::Sequence head, const std::string& head_hash);
    /// The syncer's: a sync failed (every later append fails), or a batch is durable.
    void mark_broken(std::string reason);
    void move_durable_head(const Batch& b);
    void write_batch(std::vector<Pending>& batch);
    /// Whether every stream of `p` is at the version it expects (after the appends of the
    /// batch before it); otherwise sets its outcome. Fills `slots` (each part's stream).
    bool check_expected(Pending& p, Touched& touched, std::vector<std::size_t>& slots);
    /// Adds `p`'s events (and its idempotency marker) to the batch being built.
    void record(Pending& p, Touched& touched, const std::vector<std::size_t>& slots, Chain& chain,
                Batch& out);
    /// Writes the batch to the WAL (unsynced); the failure's text, or empty.
    std::string write_to_wal(rocksdb::WriteBatch& wb);
    /// What the caller of cached_version knows of a stream's stored entries.
    enum class Known {
        kLikely,   ///< nothing sure: `likely` is the version it expects (0 if none)
        kAtLeast,  ///< entries 1 to `likely` are stored: a version the views showed
        kNone,     ///< the stream has no entry yet
    };
    /// The version of `stream` as the writer knows it, read from RocksDB when not cached: not
    /// read with Known::kNone, one point lookup with kAtLeast (is entry `likely` + 1 absent?),
    /// two with kLikely and a `likely`, a seek if those do not settle it.
    events::StreamVersion& cached_version(const std::string& stream, events::StreamVersion likely,
                                          Known known);
    /// The version of `stream` in RocksDB (see cached_version).
    events::StreamVersion stored_version(const std::string& stream, events::StreamVersion likely,
                                         Known known) const;
    void new_generation();

    rocksdb::DB* db_;
    rocksdb::ColumnFamilyHandle* records_;  ///< the event records' column family
    DiskReserve* reserve_;
    CommitListener on_commit_;
    Clock clock_;
    std::size_t max_batch_;

    mutable std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<Pending> queue_;
    bool stopping_ = false;

    // Owned by the writer thread; head_* are also read by others under head_mutex_.
    // Stream versions in two generations: streams are looked up in the new one, then the old;
    // when the new one is full, it becomes the old one and the old one is dropped. Bounded, and
    // never rehashed: one map of every stream written since start grew to a million entries in
    // a benchmark, and each doubling stalled the writer while it rehashed.
    using Versions = std::unordered_map<std::string, events::StreamVersion>;
    std::size_t cached_streams_;
    Versions versions_;
    Versions old_versions_;
    mutable std::mutex head_mutex_;
    std::condition_variable durable_cv_;  ///< the durable head moved, or the log broke
    events::Sequence head_sequence_ = 0;
    std::string head_hash_;
    events::Timestamp last_time_;
    LogStats stats_;
    std::thread writer_;

    // Held by the writer while it writes a batch, and by `hold` to keep it between two.
    std::mutex write_gate_;
    // Owned by the writer: the end of what it has written, durable or not yet.
    events::Sequence tail_sequence_ = 0;
    std::string tail_hash_;
    events::Timestamp tail_time_;
    // Set while writes fail (a full disk, say), to log the change both ways.
    bool write_failed_ = false;
    std::string fenced_;  // why appends of new events are refused; guarded by queue_mutex_
    // Set (once, by the syncer) when a sync fails; the reason is written before the flag.
    std::atomic<bool> broken_{false};
    std::string broken_reason_;

    // Batches written (without sync) or failed, waiting for the syncer, in order.
    std::mutex sync_mutex_;
    std::condition_variable sync_cv_;
    std::deque<Batch> sync_queue_;
    bool syncer_stopping_ = false;
    std::thread syncer_;

    // Batches written (or failed) that the applier thread has yet to apply and answer, in order.
    std::mutex applied_mutex_;
    std::condition_variable applied_cv_;
    std::deque<Batch> applied_queue_;
    bool applier_stopping_ = false;
    std::thread applier_;
};

using events::kGenesisHash;

}  // namespace deals::store
