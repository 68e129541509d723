#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "events/error.hpp"
#include "events/event_log.hpp"
#include "events/id_source.hpp"
#include "events/idempotency.hpp"
#include "events/status.hpp"
#include "projections/view_reader.hpp"
#include "projections/views.hpp"
#include "store/backup.hpp"
#include "store/rocks_event_log.hpp"

namespace deals::store {

/// How to open a data directory.
struct StoreOptions {
    std::string data_dir;
    std::size_t max_batch_appends = 1024;
    /// Streams whose version the log's writer keeps in memory, per generation (RocksEventLog).
    std::size_t cached_streams = kCachedStreams;
    /// How often changed views are written back (a checkpoint); a crash replays at most the
    /// events since the last one.
    std::chrono::milliseconds checkpoint_interval{1000};
    /// Free space kept on the data directory's file system for RocksDB's flushes and
    /// compactions: writes that would leave less answer 503 (DiskReserve). 0 turns it off.
    std::uint64_t min_free_bytes = 256ULL << 20;
    bool seed_defaults = true;                 ///< create the default pipeline on first start
    std::function<events::Timestamp()> clock;  ///< defaults to the system clock
};

/// What opening found, for the start-up log line.
struct OpenReport {
    std::size_t views_loaded = 0;
    events::Sequence checkpoint = 0;
    std::size_t events_replayed = 0;
    double seconds = 0;
    /// Where most of the seconds went: opening RocksDB, reading and decoding the views, indexing
    /// them, and replaying the events after the checkpoint (the rest: the first checkpoint,
    /// which after a replay writes the views it changed, and seeding the default pipeline).
    double open_seconds = 0;
    double load_seconds = 0;
    double index_seconds = 0;
    double replay_seconds = 0;
    /// The directory could only be opened for reading (a read-only file system): every append
    /// answers unavailable (503) until dealsd is restarted on a writable directory.
    bool read_only = false;
};

/// A data directory: the RocksDB event log (the source of truth) and the views folded from it,
/// kept in memory and checkpointed to the same database. Opening loads the last checkpoint and
/// replays only the events after it, so start-up does not grow with the log.
///
/// Thread-safety: `read` may be called from any thread; the views are changed only by the log's
/// writer thread (through the one `Views::apply` path) under the exclusive lock. One process at
/// a time holds a data directory (RocksDB's LOCK file).
class Store final : public projections::ViewReader,
                    public events::IdSource,
                    public events::IdempotencyStore,
                    public events::StorageStatus {
public:
    static Result<std::unique_ptr<Store>> open(StoreOptions options);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    RocksEventLog& log();
    const OpenReport& open_report() const;

    /// Takes a backup into `backup_dir` while appends go on (store/backup.hpp); they wait only
    /// while the live files are listed, at a durable head. One backup at a time per directory.
    Result<BackupInfo> backup(const std::string& backup_dir, const CopyProgressFn& progress);

    /// Runs `f(const Views&)` under the shared lock and returns what it returns.
    template <class F>
    decltype(auto) read(F&& f) const {
        std::shared_lock lock(views_mutex_);
        return f(static_cast<const projections::Views&>(views_));
    }
    void with_views(const std::function<void(const projections::Views&)>& f) const override {
        read(f);
    }

    /// Appends and waits until the batch is durable. For tools and tests, never socket threads.
    events::AppendResult append_and_wait(events::AppendRequest request);

    events::DealId next_deal() override { return events::DealId{++next_deal_}; }
    events::UserId next_user() override { return events::UserId{++next_user_}; }
    events::TokenId next_token() override { return events::TokenId{++next_token_}; }
    events::ProductId next_product() override { return events::ProductId{++next_product_}; }
    events::BillableProductId next_line() override {
        return events::BillableProductId{++next_line_};
    }
    events::PipelineId next_pipeline() override { return events::PipelineId{++next_pipeline_}; }
    events::StageId next_stages(std::int64_t count) override {
        return events::StageId{next_stage_.fetch_add(count) + 1};
    }
    events::CustomFieldId next_custom_field() override {
        return events::CustomFieldId{++next_custom_field_};
    }
    std::int64_t next_options(std::int64_t count) override {
        return next_option_.fetch_add(count) + 1;
    }
    bool claim(const std::string& name) override {
        std::lock_guard lock(claims_mutex_);
        return claims_.insert(name).second;
    }
    void release(const std::string& name) override {
        std::lock_guard lock(claims_mutex_);
        claims_.erase(name);
    }

    /// Adds `observer`, called on the writer thread after each durable batch is applied, with
    /// the new head sequence. It must be quick and must not append. Returns a token for
    /// `remove_commit_observer`.
    std::uint64_t add_commit_observer(std::function<void(events::Sequence head)> observer);
    /// Removes one observer; once this returns it is no longer running.
    void remove_commit_observer(std::uint64_t token);

    /// The position the Kafka relay reached on one cluster and topic (0 when none is kept).
    events::Sequence relay_position(std::string_view cluster_id, std::string_view topic) const;
    /// Kept with that position when known: per partition, the offset from which every event
    /// after it can be read (a follower starts there rather than at the topic's beginning).
    std::vector<std::int64_t> topic_offsets(std::string_view cluster_id,
                                            std::string_view topic) const;

    /// RocksDB's background work now: flushes and compactions running, plus one when a
    /// compaction or flush is due and not yet started (0 when the store is settled).
    std::uint64_t background_jobs() const;
    /// Free bytes on the data directory's file system now, and the reserve kept for RocksDB.
    std::uint64_t free_bytes() const;
    std::uint64_t reserved_bytes() const;
    /// Keeps that position (not synced: losing it in a machine crash only repeats events).
    Result<void> put_relay_position(std::string_view cluster_id, std::string_view topic,
                                    events::Sequence sequence,
                                    const std::vector<std::int64_t>& offsets = {});

    /// What is kept under one scoped `Idempotency-Key` (contract §13): the marker the log wrote
    /// with the events, or the whole response kept by `keep_response`.
    Result<std::optional<events::IdempotencyRecord>> idempotency(
        std::string_view scoped_key) const override;
    Result<void> keep_response(std::string_view scoped_key,
                               const events::IdempotencyRecord& record) override;

    events::StorageStats storage_stats() const override {
        return {background_jobs(), free_bytes(), reserved_bytes()};
    }

    /// An empty replica's catch-up (store::Follower): from now until `finish_staging`, the
    /// events committed are folded into views of their own, with no deal index and no dirty
    /// deals, as start-up folds a log. Reads go on seeing the views as they were (empty).
    /// False, and nothing changes, unless nothing was ever applied or appended.
    bool begin_staging();
    /// Indexes the staged views on every core, puts them in place of the empty ones (reads see
    /// them all at once), and writes every one of them with their checkpoint (reads go on; a
    /// commit and a checkpoint wait). To be called when no append is in flight. Nothing when
    /// not staging.
    void finish_staging();
    /// What reads see, in one look: the views' sequence, and whether they are the empty ones
    /// a staging hides its views behind (false again from the moment the staged ones show).
    struct Shown {
        events::Sequence applied = 0;
        bool staging = false;
    };
    Shown shown() const {
        std::shared_lock lock(views_mutex_);
        return {views_.applied_sequence(), staging_shown_};
    }

    /// Writes the views changed since the last checkpoint (synced when `sync`).
    void checkpoint(bool sync);
    /// Finishes queued appends, writes a final checkpoint and closes the database. Idempotent.
    void close();

private:
    struct Impl;
    Store();
    // The steps of `open` after RocksDB is: the views of the last checkpoint and the events after
    // it; the default pipeline on a first start; the checkpointer thread's loop.
    Result<void> load();
    Result<void> seed_default_pipeline();
    void run_checkpointer();
    void on_commit(const std::vector<events::RecordedEvent>& events);
    /// Calls every commit observer with the new head.
    void tell_observers(events::Sequence head);

    mutable std::shared_mutex views_mutex_;
    projections::Views views_;
    /// begin_staging to finish_staging: the views the commits go to (the applier's and the
    /// finishing thread's, taking turns on the mutex; never read by requests).
    std::mutex staging_mutex_;
    std::unique_ptr<projections::Views> staged_;
    bool staging_shown_ = false;  ///< staged_ is set and not shown yet (under views_mutex_)
    std::atomic<std::int64_t> next_deal_{0};
    std::atomic<std::int64_t> next_user_{0};
    std::atomic<std::int64_t> next_token_{0};
    std::atomic<std::int64_t> next_product_{0};
    std::atomic<std::int64_t> next_line_{0};
    std::atomic<std::int64_t> next_pipeline_{0};
    std::atomic<std::int64_t> next_stage_{0};
    std::atomic<std::int64_t> next_custom_field_{0};
    std::atomic<std::int64_t> next_option_{0};
    std::mutex claims_mutex_;
    std::set<std::string> claims_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace deals::store
