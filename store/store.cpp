#include "store/store.hpp"

#include <pthread.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "events/default_pipeline.hpp"
#include "store/backup_files.hpp"
#include "store/codec.hpp"
#include "store/database.hpp"
#include "store/disk_reserve.hpp"
#include "store/idempotency_codec.hpp"
#include "store/keys.hpp"
#include "store/published_position.hpp"
#include "store/view_io.hpp"
#include "support/json.hpp"
#include "support/log.hpp"

namespace deals::store {

struct Store::Impl {
    StoreOptions options;
    Database db;
    std::unique_ptr<DiskReserve> reserve;
    std::unique_ptr<RocksEventLog> log;
    OpenReport report;
    std::mutex checkpoint_mutex;  // one checkpoint at a time
    // Views written outside the WAL that may not be flushed yet (under checkpoint_mutex).
    bool views_outside_wal = false;
    std::mutex timer_mutex;
    std::condition_variable timer_cv;
    bool closing = false;
    std::thread checkpointer;
    std::mutex observer_mutex;
    std::map<std::uint64_t, std::function<void(events::Sequence)>> observers;
    std::uint64_t last_observer = 0;
};

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Error open_error(const std::string& dir, const rocksdb::Status& s) {
    const std::string text = s.ToString();
    if (s.IsIOError() && text.find("lock") != std::string::npos) {
        return unavailable("the data directory " + dir +
                           " is in use by another process (is dealsd running?)");
    }
    return unavailable("cannot open the data directory " + dir + ": " + text);
}

/// A data directory's database, opened for reading only when its file system is read-only.
struct OpenedDatabase {
    Database db;
    bool read_only = false;
};

Result<OpenedDatabase> open_database(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return unavailable("cannot create the data directory " + dir + ": " + ec.message());
    }
    rocksdb::Options db_options;
    db_options.create_if_missing = true;
    db_options.IncreaseParallelism(2);
    db_options.max_background_jobs = 2;
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // A bloom filter over the memtable's whole keys too: the log writer's check that a new
    // stream has no first entry then rarely walks the skip list.
    db_options.memtable_whole_key_filtering = true;
    db_options.memtable_prefix_bloom_size_ratio = 0.02;
    // Memtable inserts start from where the last key of the same 2-byte prefix went: the log's
    // event keys ("e" + sequence) and a checkpoint's views ("v" + kind + id, sorted) arrive in
    // order, and then skip the search down the skip list.
    db_options.memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewFixedPrefixTransform(2));
    // With two column families, RocksDB keeps a WAL file until both have flushed past it; the
    // default family (views, stream entries) can fill slowly. Past this, the one holding the
    // oldest WAL is flushed, so that a restart's replay and a backup's WAL copy stay bounded
    // as they were with one family (two memtables of 64 MiB).
    db_options.max_total_wal_size = std::uint64_t{128} << 20;
    // No compaction while the views load: it would take a core from decoding and indexing them.
    // Turned on once the store is loaded (Store::load).
    db_options.disable_auto_compactions = true;
    OpenedDatabase opened;
    auto status = Database::open(dir, db_options, Database::Access::kWrite, opened.db);
    if (!status.ok() && status.ToString().find("Read-only file system") != std::string::npos) {
        // A read-only data directory (a file system remounted read-only, say): serve what it
        // holds, and refuse writes (RocksDB itself refuses them on a read-only instance).
        status = Database::open(dir, db_options, Database::Access::kReadOnly, opened.db);
        opened.read_only = status.ok();
    }
    if (!status.ok()) {
        return open_error(dir, status);
    }
    return opened;
}

/// Views as a checkpoint found them; an empty one was purged.
template <class Id, class View>
using ViewCopies = std::vector<std::pair<Id, std::optional<View>>>;

/// What a checkpoint writes: copied under the views' lock, encoded after it.
struct CheckpointCopies {
    ViewCopies<projections::DealId, projections::Deal> deals;
    ViewCopies<projections::PipelineId, projections::Pipeline> pipelines;
    ViewCopies<projections::StageId, projections::Stage> stages;
    ViewCopies<projections::UserId, projections::User> users;
    ViewCopies<projections::TokenId, projections::Token> tokens;
    ViewCopies<projections::CustomFieldId, projections::CustomField> custom_fields;
    ViewCopies<projections::ProductId, projections::Product> products;
};

template <class Id, class View>
void copy_views(const projections::Views& views, const std::unordered_set<Id>& ids,
                const View* (projections::Views::*lookup)(Id) const, ViewCopies<Id, View>& out) {
    out.reserve(ids.size());
    for (const Id id : ids) {
        const View* view = (views.*lookup)(id);
        out.emplace_back(id, view != nullptr ? std::optional<View>(*view) : std::nullopt);
    }
}

/// In key order, which memtable inserts are quickest in (the insert hint, Store::open).
template <class Id, class View>
void put_views(rocksdb::WriteBatch& wb, ViewCopies<Id, View>& copies) {
    std::sort(copies.begin(), copies.end(),
              [](const auto& a, const auto& b) { return a.first.value < b.first.value; });
    for (const auto& [id, view] : copies) {
        const auto key = keys::view(view_kind(static_cast<const View*>(nullptr)), id.value);
        if (view) {
            wb.Put(key, encode_view(*view));
        } else {
            wb.Delete(key);  // purged
        }
    }
}

/// Every view of `views` in batches of about 16 MiB (in the WAL, not synced), then its
/// checkpoint record, synced. The record there before goes first, synced: a crash half-way
/// leaves views without a record, which start-up drops before it folds the whole log, never
/// views newer than their record. False when storage refused a write. For a store that held no
/// views on disk and none waiting outside the WAL (as Store::begin_staging makes sure): no
/// stored view needs deleting, and no earlier unsynced record can come back after the Delete.
bool write_every_view(rocksdb::DB& db, DiskReserve& reserve, const projections::Views& views) {
    rocksdb::WriteOptions synced;
    synced.sync = true;
    if (!db.Delete(synced, keys::kCheckpoint).ok()) {
        return false;
    }
    rocksdb::WriteBatch wb;
    bool written = true;
    views.each_view([&](const auto& view) {
        if (!written) {
            return;
        }
        wb.Put(keys::view(view_kind(&view), view.id.value), encode_view(view));
        if (wb.GetDataSize() >= (std::size_t{16} << 20)) {
            written = reserve.allows(wb.GetDataSize()) && db.Write({}, &wb).ok();
            wb.Clear();
        }
    });
    wb.Put(keys::kCheckpoint, encode_checkpoint(views));
    return written && reserve.allows(wb.GetDataSize()) && db.Write(synced, &wb).ok();
}

}  // namespace

Store::Store() : impl_(std::make_unique<Impl>()) {}

Store::~Store() { close(); }

Result<std::unique_ptr<Store>> Store::open(StoreOptions options) {
    if (!options.clock) {
        options.clock = events::Timestamp::system_now;
    }
    const auto start = std::chrono::steady_clock::now();
    auto opened = open_database(options.data_dir);
    if (!opened) {
        return opened.error();
    }
    const double open_seconds = seconds_since(start);
    const bool read_only = opened->read_only;
    std::unique_ptr<Store> store(new Store());
    Impl& impl = *store->impl_;
    impl.db = std::move(opened->db);
    impl.reserve = std::make_unique<DiskReserve>(options.data_dir, options.min_free_bytes);
    impl.options = options;
    impl.report.read_only = read_only;
    impl.report.open_seconds = open_seconds;
    if (auto loaded = store->load(); !loaded) {
        return loaded.error();
    }
    const auto& marks = store->views_.watermarks();
    store->next_deal_ = marks.deal;
    store->next_user_ = marks.user;
    store->next_token_ = marks.token;
    store->next_product_ = marks.product.value_or(0);
    store->next_line_ = marks.billable_product.value_or(0);
    store->next_custom_field_ = marks.custom_field.value_or(0);
    store->next_option_ = marks.custom_field_option.value_or(0);
    if (options.seed_defaults && !read_only && store->views_.pipelines().empty()) {
        if (auto seeded = store->seed_default_pipeline(); !seeded) {
            return seeded.error();
        }
    }
    // After the seed: its ids are taken.
    store->next_pipeline_ = store->views_.watermarks().pipeline;
    store->next_stage_ = store->views_.watermarks().stage;
    if (!read_only) {  // read-only: no checkpoints, nothing can be written
        store->checkpoint(true);
        impl.checkpointer = std::thread([s = store.get()] { s->run_checkpointer(); });
    }
    impl.report.seconds = seconds_since(start);
    return store;
}

Result<void> Store::load() {
    Impl& impl = *impl_;
    auto& db = *impl.db;
    const bool read_only = impl.report.read_only;
    const auto failed = [&](const std::string& why) {
        return unavailable("cannot load " + impl.options.data_dir + ": " + why);
    };
    // The last checkpoint of the views, then the events after it. The decoders throw on a
    // corrupt record (store/codec.hpp), a start-up failure answered here like the others.
    try {
        std::string checkpoint;
        const bool has_checkpoint =
            db.Get(rocksdb::ReadOptions{}, keys::kCheckpoint, &checkpoint).ok();
        views_.begin_bulk();  // indexed once, on every core, by finish_load
        if (has_checkpoint) {
            const auto stored = decode_checkpoint(checkpoint);
            views_.load_position(stored.sequence, stored.watermarks);
            impl.report.checkpoint = stored.sequence;
        }
        // Views are only read with the checkpoint that says which events they reflect: a
        // directory without one (new, or a rebuild interrupted half-way) drops any it holds
        // and replays the whole log.
        if (!has_checkpoint && !read_only) {
            const auto dropped = db.DeleteRange(rocksdb::WriteOptions{}, db.DefaultColumnFamily(),
                                                std::string(1, keys::kView),
                                                std::string(1, keys::kView + 1));
            if (!dropped.ok()) {
                return failed("cannot drop views without a checkpoint: " + dropped.ToString());
            }
        }
        // Read-only without a checkpoint: any views stored are ignored, and the whole log replays.
        auto phase = std::chrono::steady_clock::now();
        impl.report.views_loaded = has_checkpoint ? load_all_views(db, views_) : 0;
        impl.report.load_seconds = seconds_since(phase);
        phase = std::chrono::steady_clock::now();
        views_.finish_load();
        impl.report.index_seconds = seconds_since(phase);
        phase = std::chrono::steady_clock::now();
        impl.log = std::make_unique<RocksEventLog>(
            impl.db.get(), impl.db.log(), [this](const auto& events) { on_commit(events); },
            impl.options.clock, impl.options.max_batch_appends, impl.reserve.get(),
            impl.options.cached_streams);
        const events::Sequence head = impl.log->head_sequence();
        if (views_.applied_sequence() > head) {
            // Files copied in by hand, say. The log writer trusts a version read in the views
            // to be stored (ExpectedVersion::seen_at), so it must not start on such views.
            return failed("its views are at sequence " + std::to_string(views_.applied_sequence()) +
                          ", past the end of its log at sequence " + std::to_string(head) +
                          "; `dealsctl rebuild` folds the views from the log again");
        }
        for (events::Sequence from = views_.applied_sequence() + 1; from <= head;) {
            auto batch = impl.log->read_range(from, head, 4096);
            if (batch.empty()) {
                return failed("the log has a gap after sequence " + std::to_string(from - 1));
            }
            for (const auto& e : batch) {
                views_.apply(e);
            }
            impl.report.events_replayed += batch.size();
            from = batch.back().sequence + 1;
        }
        impl.report.replay_seconds = seconds_since(phase);
    } catch (const std::exception& e) {
        return failed(e.what());
    }
    // No compaction while the views loaded (Store::open): turned back on now.
    for (auto* family : {db.DefaultColumnFamily(), impl.db.log()}) {
        if (const auto s = read_only
                               ? rocksdb::Status::OK()
                               : db.SetOptions(family, {{"disable_auto_compactions", "false"}});
            !s.ok()) {
            return failed("cannot turn compaction back on: " + s.ToString());
        }
    }
    return {};
}

Result<void> Store::seed_default_pipeline() {
    const auto& marks = views_.watermarks();
    const events::PipelineId pipeline{marks.pipeline + 1};
    auto outcome =
        append_and_wait({events::pipeline_stream(pipeline),
                         events::ExpectedVersion::no_stream(),
                         events::default_pipeline(pipeline, events::StageId{marks.stage + 1}),
                         {}});
    if (!outcome) {
        return unavailable("cannot create the default pipeline: " + outcome.error().message);
    }
    return {};
}

void Store::run_checkpointer() {
    pthread_setname_np(pthread_self(), "checkpointer");
    Impl& i = *impl_;
    std::unique_lock lock(i.timer_mutex);
    while (!i.closing) {
        i.timer_cv.wait_for(lock, i.options.checkpoint_interval);
        if (!i.closing) {
            lock.unlock();
            checkpoint(false);
            lock.lock();
        }
    }
}

RocksEventLog& Store::log() { return *impl_->log; }

Result<BackupInfo> Store::backup(const std::string& backup_dir, const CopyProgressFn& progress) {
    return backup_files::take(
        *impl_->db, *impl_->log,
        {.data_dir = impl_->options.data_dir, .reserve_bytes = reserved_bytes()}, backup_dir,
        progress);
}

const OpenReport& Store::open_report() const { return impl_->report; }

void Store::on_commit(const std::vector<events::RecordedEvent>& events) {
    {
        std::lock_guard staging(staging_mutex_);
        if (staged_) {
            for (const auto& e : events) {
                staged_->apply(e);
            }
            return;  // nobody reads them, or waits for them, until finish_staging
        }
    }
    {
        std::unique_lock lock(views_mutex_);
        views_.apply_all(events);
    }
    if (!events.empty()) {
        tell_observers(events.back().sequence);
    }
}

void Store::tell_observers(events::Sequence head) {
    std::lock_guard guard(impl_->observer_mutex);
    for (const auto& [token, observer] : impl_->observers) {
        observer(head);
    }
}

bool Store::begin_staging() {
    std::lock_guard staging(staging_mutex_);  // then the views': as finish_staging does
    std::unique_lock views(views_mutex_);
    if (staged_ || views_.applied_sequence() != 0 || impl_->log->head_sequence() != 0) {
        return false;
    }
    staged_ = std::make_unique<projections::Views>();
    staged_->begin_bulk();
    staging_shown_ = true;
    return true;
}

void Store::finish_staging() {
    // No checkpoint, and no commit (they wait for the staging lock), until the views are kept.
    std::unique_lock checkpoints(impl_->checkpoint_mutex);
    std::unique_lock staging(staging_mutex_);
    if (!staged_ || !impl_->db) {
        return;
    }
    staged_->finish_load();  // the deal index, built at once (projections::DealIndex::build)
    const events::Sequence applied = staged_->applied_sequence();
    {
        std::unique_lock lock(views_mutex_);
        views_ = std::move(*staged_);
        staging_shown_ = false;
    }
    staged_.reset();
    // Written from the views now shown, without copying them (at a million deals the copies, the
    // batch and the memtable would all be in memory at once), while reads go on.
    std::shared_lock shown(views_mutex_);
    const bool kept = write_every_view(*impl_->db, *impl_->reserve, views_);
    shown.unlock();
    if (kept) {
        std::unique_lock lock(views_mutex_);
        (void)views_.take_dirty();  // the other views, marked as they were folded: all written
    } else {
        logging::warn(
            "store: the views caught up were not written (storage refused it); the "
            "next checkpoints write them",
            {{"sequence", applied}});
        // Bulk folding marked no deal dirty; the other views were marked as they were folded.
        projections::DirtySet deals;
        std::unique_lock lock(views_mutex_);
        views_.each_view([&deals](const auto& view) {
            if constexpr (std::is_same_v<std::decay_t<decltype(view)>, projections::Deal>) {
                deals.deals.insert(view.id);
            }
        });
        views_.mark_dirty(deals);
    }
    staging.unlock();
    checkpoints.unlock();
    if (applied != 0) {
        tell_observers(applied);
    }
}

std::uint64_t Store::add_commit_observer(std::function<void(events::Sequence)> observer) {
    std::lock_guard guard(impl_->observer_mutex);
    const auto token = ++impl_->last_observer;
    impl_->observers.emplace(token, std::move(observer));
    return token;
}

void Store::remove_commit_observer(std::uint64_t token) {
    std::lock_guard guard(impl_->observer_mutex);
    impl_->observers.erase(token);
}

std::uint64_t Store::background_jobs() const {
    if (!impl_->db) {
        return 0;
    }
    std::uint64_t total = 0;
    // The first two count the whole database's jobs, the others each column family's.
    for (const auto* name : {"rocksdb.num-running-compactions", "rocksdb.num-running-flushes"}) {
        std::uint64_t value = 0;
        if (impl_->db->GetIntProperty(name, &value)) {
            total += value;
        }
    }
    for (const auto* name : {"rocksdb.compaction-pending", "rocksdb.mem-table-flush-pending"}) {
        std::uint64_t value = 0;
        if (impl_->db->GetAggregatedIntProperty(name, &value)) {
            total += value;
        }
    }
    return total;
}

events::Sequence Store::relay_position(std::string_view cluster_id, std::string_view topic) const {
    const auto position =
        impl_->db ? kept_topic_position(*impl_->db, cluster_id, topic) : std::nullopt;
    return position ? position->sequence : 0;
}

std::vector<std::int64_t> Store::topic_offsets(std::string_view cluster_id,
                                               std::string_view topic) const {
    const auto position =
        impl_->db ? kept_topic_position(*impl_->db, cluster_id, topic) : std::nullopt;
    return position ? position->offsets : std::vector<std::int64_t>{};
}

Result<void> Store::put_relay_position(std::string_view cluster_id, std::string_view topic,
                                       events::Sequence sequence,
                                       const std::vector<std::int64_t>& offsets) {
    if (!impl_->db) {
        return unavailable("the data directory is closed");
    }
    const std::string value = keys::topic_position_json(sequence, offsets);
    if (!impl_->reserve->allows(value.size())) {
        return unavailable("cannot keep the Kafka relay position: " + impl_->reserve->refusal());
    }
    const auto status =
        impl_->db->Put(rocksdb::WriteOptions{}, keys::relay_position(cluster_id, topic), value);
    if (!status.ok()) {
        return unavailable("cannot keep the Kafka relay position: " + status.ToString());
    }
    return {};
}

std::uint64_t Store::free_bytes() const {
    return impl_->reserve->free_bytes();
}

std::uint64_t Store::reserved_bytes() const {
    return impl_->reserve->reserve_bytes();
}

Result<std::optional<events::IdempotencyRecord>> Store::idempotency(
    std::string_view scoped_key) const {
    std::string value;
    if (!impl_->db) {
        return unavailable("the data directory is closed");
    }
    const auto status =
        impl_->db->Get(rocksdb::ReadOptions{}, keys::idempotency(scoped_key), &value);
    if (status.IsNotFound()) {
        return std::optional<events::IdempotencyRecord>{};
    }
    if (!status.ok()) {
        return unavailable("cannot read an idempotency record: " + status.ToString());
    }
    auto record = decode_idempotency(value);
    if (!record) {
        return record.error();
    }
    return std::optional(std::move(*record));
}

Result<void> Store::keep_response(std::string_view scoped_key,
                                  const events::IdempotencyRecord& record) {
    if (!impl_->db) {
        return unavailable("the data directory is closed");
    }
    const std::string value = encode_idempotency(record);
    if (!impl_->reserve->allows(value.size())) {
        return unavailable("cannot keep an idempotent response: " + impl_->reserve->refusal());
    }
    const auto status = impl_->db->Put(rocksdb::WriteOptions{}, keys::idempotency(scoped_key),
                                       rocksdb::Slice(value.data(), value.size()));
    if (!status.ok()) {
        return unavailable("cannot keep an idempotent response: " + status.ToString());
    }
    return {};
}

events::AppendResult Store::append_and_wait(events::AppendRequest request) {
    std::promise<events::AppendResult> promise;
    auto future = promise.get_future();
    log().append(std::move(request), [&promise](events::AppendResult outcome) {
        promise.set_value(std::move(outcome));
    });
    return future.get();
}

void Store::checkpoint(bool sync) {
    std::lock_guard guard(impl_->checkpoint_mutex);
    if (!impl_->db) {
        return;
    }
    projections::DirtySet dirty;
    CheckpointCopies copies;
    std::string record;
    events::Sequence applied = 0;
    {
        // Taking the dirty set and copying its views must see one consistent state of the
        // views. A shared lock is enough for that: only the log's applier changes the views (and
        // finish_staging replaces them), and both need the lock exclusively, so they wait while
        // this holds it; requests go on
        // reading. Copies, encoded after the lock: encoding under it held every acknowledgement
        // back (the create p99 went from 40-46 ms to 15-18 ms). The dirty set is touched only by
        // the applier and by checkpoints, which take turns on checkpoint_mutex.
        std::shared_lock lock(views_mutex_);
        dirty = views_.take_dirty();
        if (dirty.empty() && !sync) {
            return;
        }
        using projections::Views;
        copy_views(views_, dirty.deals, &Views::deal, copies.deals);
        copy_views(views_, dirty.pipelines, &Views::pipeline, copies.pipelines);
        copy_views(views_, dirty.stages, &Views::stage, copies.stages);
        copy_views(views_, dirty.users, &Views::user, copies.users);
        copy_views(views_, dirty.tokens, &Views::token, copies.tokens);
        copy_views(views_, dirty.custom_fields, &Views::custom_field, copies.custom_fields);
        copy_views(views_, dirty.products, &Views::product, copies.products);
        record = encode_checkpoint(views_);
        applied = views_.applied_sequence();
    }
    rocksdb::WriteBatch wb;
    put_views(wb, copies.deals);
    put_views(wb, copies.pipelines);
    put_views(wb, copies.stages);
    put_views(wb, copies.users);
    put_views(wb, copies.tokens);
    put_views(wb, copies.custom_fields);
    put_views(wb, copies.products);
    wb.Put(keys::kCheckpoint, record);
    rocksdb::WriteOptions options;
    options.sync = sync;
    // The periodic checkpoint stays out of the WAL, so that the log's fsyncs carry only events:
    // a crash takes it whole or not at all (store/README.md, "Views and checkpoints"). A synced
    // one (open, close) is in the WAL, after a flush of any before it that are not: its record
    // must never stand on views a crash can take.
    options.disableWAL = !sync;
    // Past the disk's reserve the views wait for the next checkpoint (a restart replays more).
    const bool written =
        impl_->reserve->allows(wb.GetDataSize()) &&
        (!sync || !impl_->views_outside_wal || impl_->db->Flush(rocksdb::FlushOptions{}).ok()) &&
        impl_->db->Write(options, &wb).ok();
    if (!written) {
        logging::warn(
            "store: the checkpoint was not written (storage refused it); the views "
            "wait for the next one",
            {{"sequence", applied}});
        // Keep them dirty so that a later checkpoint never skips them.
        std::unique_lock lock(views_mutex_);
        views_.mark_dirty(dirty);
        return;
    }
    impl_->views_outside_wal = !sync;
}

void Store::close() {
    if (!impl_ || !impl_->db) {
        return;
    }
    {
        std::lock_guard lock(impl_->timer_mutex);
        impl_->closing = true;
    }
    impl_->timer_cv.notify_all();
    if (impl_->checkpointer.joinable()) {
        impl_->checkpointer.join();
    }
    if (impl_->log) {
        impl_->log->stop();
    }
    checkpoint(true);
    std::lock_guard guard(impl_->checkpoint_mutex);
    impl_->log.reset();
    // Everything into table files, so that the next start-up has no WAL to replay (the last
    // checkpoint's views made it half a second at a million deals). The data is durable
    // without it: if the flush fails, the next start-up replays the WAL.
    if (!impl_->report.read_only) {
        (void)impl_->db.flush();
    }
    (void)impl_->db.close();
}

}  // namespace deals::store
