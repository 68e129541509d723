#include "store/rebuild.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "projections/views.hpp"
#include "store/codec.hpp"
#include "store/database.hpp"
#include "store/keys.hpp"
#include "store/view_io.hpp"

namespace deals::store {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunk = 8192;          ///< records decoded by one task
constexpr std::size_t kViewsPerFile = 65536;  ///< views written into one table file

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/// Where the rebuild stands, and the caller's callback to tell it to.
struct Progress {
    const std::function<void(const RebuildProgress&)>& callback;
    RebuildProgress state;

    void tell() const {
        if (callback) {
            callback(state);
        }
    }
};

rocksdb::Options rebuild_db_options() {
    rocksdb::Options db_options;
    db_options.create_if_missing = false;
    db_options.IncreaseParallelism(2);
    // Both cores go to folding and encoding; the server compacts the new table files later.
    db_options.disable_auto_compactions = true;
    return db_options;
}

/// Opens the data directory, which RocksDB's lock refuses while a server has it.
Result<Database> open_alone(const std::string& data_dir, const rocksdb::Options& db_options) {
    Database db;
    const auto status = Database::open(data_dir, db_options, Database::Access::kWrite, db);
    if (!status.ok()) {
        const std::string text = status.ToString();
        if (status.IsIOError() && text.find("lock") != std::string::npos) {
            return unavailable("the data directory " + data_dir +
                                         " is in use (stop dealsd first): " + text);
        }
        return unavailable("cannot open " + data_dir + ": " + text);
    }
    return db;
}

/// The head, to size the progress: the sequence of the last `e` record (0 for an empty log).
events::Sequence log_head(const Database& db) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions{}, db.log()));
    it->SeekForPrev(keys::event(std::numeric_limits<std::uint64_t>::max()));
    if (it->Valid() && it->key().starts_with(std::string(1, keys::kEvent))) {
        return decode_record(it->value().ToStringView()).sequence;
    }
    return 0;
}

/// Stored records read in a row, back to back in one buffer (no allocation per record). Big
/// enough for a chunk of typical records (a few hundred bytes each) without growing; reused
/// once decoded (DecodePipeline's pool), so its pages are not faulted in again.
struct Chunk {
    std::string bytes;
    std::vector<std::pair<std::size_t, std::size_t>> spans;  ///< offset, size

    Chunk() {
        bytes.reserve(8 * 1024 * 1024);
        spans.reserve(kChunk);
    }
};

std::vector<events::RecordedEvent> decode_all(Chunk& chunk) {
    std::vector<events::RecordedEvent> out;
    out.reserve(chunk.spans.size());
    for (const auto& [offset, size] : chunk.spans) {
        out.push_back(decode_record_for_fold(chunk.bytes.data() + offset, size));
    }
    return out;
}

/// The fold's pipeline: a reader thread scans the log and hands out chunks to decode on other
/// threads; the folding thread takes the decoded chunks in order. At most `ahead` + 2 chunks
/// are in flight.
class DecodePipeline {
public:
    using Decoded = std::future<std::vector<events::RecordedEvent>>;

    DecodePipeline(const Database& db, std::size_t ahead) : db_(db), ahead_(ahead) {
        reader_ = std::thread([this] { read(); });
    }
    DecodePipeline(const DecodePipeline&) = delete;
    DecodePipeline& operator=(const DecodePipeline&) = delete;
    ~DecodePipeline() {
        if (reader_.joinable()) {
            stop();
        }
    }

    /// The next chunk being decoded, in log order; nothing once the whole log is handed out.
    std::optional<Decoded> next() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !pending_.empty() || read_all_; });
        if (pending_.empty()) {
            return std::nullopt;
        }
        auto front = std::move(pending_.front());
        pending_.pop_front();
        changed_.notify_all();
        return front;
    }

    /// Stops the reader and waits for it and for every decoding task still running; returns
    /// the reader's error, if it had one.
    std::string stop() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
            changed_.notify_all();
        }
        reader_.join();
        for (auto& d : pending_) {
            if (d.valid()) {
                d.wait();
            }
        }
        return read_error_;
    }

private:
    void read() {
        std::string error;
        try {
            error = scan();
        } catch (const std::exception& e) {  // a thread std::async could not start
            error = e.what();
        }
        if (!error.empty()) {
            std::lock_guard lock(mutex_);
            read_error_ = error;
        }
        std::lock_guard lock(mutex_);
        read_all_ = true;
        changed_.notify_all();
    }

    /// Reads the log and hands it out in chunks; what failed, or empty.
    std::string scan() {
        rocksdb::ReadOptions read;
        read.readahead_size = 8 * 1024 * 1024;
        read.fill_cache = false;
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, db_.log()));
        const std::string prefix(1, keys::kEvent);
        Chunk chunk;
        for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
            const auto value = it->value();
            chunk.spans.emplace_back(chunk.bytes.size(), value.size());
            chunk.bytes.append(value.data(), value.size());
            if (chunk.spans.size() == kChunk && !hand_out(std::exchange(chunk, take_chunk()))) {
                return {};
            }
        }
        if (!it->status().ok()) {
            return "cannot read the log: " + it->status().ToString();
        }
        if (!chunk.spans.empty()) {
            hand_out(std::move(chunk));
        }
        return {};
    }

    /// An empty chunk: a decoded one again, or a new one.
    Chunk take_chunk() {
        std::lock_guard lock(mutex_);
        if (free_chunks_.empty()) {
            return Chunk{};
        }
        Chunk chunk = std::move(free_chunks_.back());
        free_chunks_.pop_back();
        chunk.bytes.clear();
        chunk.spans.clear();
        return chunk;
    }

    /// Starts decoding `chunk` and queues it once there is room; false when told to stop.
    bool hand_out(Chunk chunk) {
        auto decoded = std::async(std::launch::async, [this, c = std::move(chunk)]() mutable {
            auto events = decode_all(c);
            std::lock_guard lock(mutex_);
            free_chunks_.push_back(std::move(c));
            return events;
        });
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return pending_.size() <= ahead_ + 1 || stop_; });
        pending_.push_back(std::move(decoded));
        changed_.notify_all();
        return !stop_;
    }

    const Database& db_;
    const std::size_t ahead_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Decoded> pending_;  ///< guarded by mutex_, as are the four below
    std::vector<Chunk> free_chunks_;
    bool read_all_ = false;
    std::string read_error_;
    bool stop_ = false;
    std::thread reader_;  ///< last: it starts once the members above exist
};

/// Applies decoded events to the views, checking that sequences follow one another; the gap
/// found, or empty.
std::string apply_in_order(const std::vector<events::RecordedEvent>& decoded,
                           events::Sequence& expected, projections::Views& views) {
    for (const auto& e : decoded) {
        if (e.sequence != expected) {
            return "the log has a gap: sequence " + std::to_string(e.sequence) + " follows " +
                   std::to_string(expected - 1);
        }
        ++expected;
        views.apply(e);
    }
    return {};
}

/// Folds every event of the log into `views`: this thread applies, `ahead` threads decode.
Result<void> fold_log(const Database& db, std::size_t ahead, projections::Views& views,
                      Progress& progress) {
    DecodePipeline pipeline(db, ahead);
    events::Sequence expected = 1;
    std::string fold_error;
    try {
        while (auto next = pipeline.next()) {
            const auto decoded = next->get();  // throws what decoding threw: a corrupt record
            fold_error = apply_in_order(decoded, expected, views);
            if (!fold_error.empty()) {
                break;
            }
            progress.state.events += decoded.size();
            progress.tell();
        }
    } catch (const std::exception& e) {
        fold_error = e.what();
    }
    const std::string read_error = pipeline.stop();
    if (fold_error.empty() && !read_error.empty()) {
        fold_error = read_error;
    }
    if (!fold_error.empty()) {
        return unavailable("cannot fold the log: " + fold_error);
    }
    return {};
}

/// Deletes the old views and the checkpoint in one synced batch.
Result<void> clear_stored_views(rocksdb::DB& db, const rocksdb::WriteOptions& synced) {
    rocksdb::WriteBatch clear;
    clear.Delete(keys::kCheckpoint);
    clear.DeleteRange(std::string(1, keys::kView), std::string(1, keys::kView + 1));
    if (auto s = db.Write(synced, &clear); !s.ok()) {
        return unavailable("cannot clear the old views: " + s.ToString());
    }
    return {};
}

/// A view to write: its key, and how to encode it.
struct ViewRef {
    std::string key;
    const void* view;
    std::string (*encode)(const void*);
};

/// Every view, sorted by key: the order a table file is written in.
std::vector<ViewRef> sorted_views(const projections::Views& views, std::size_t count) {
    std::vector<ViewRef> refs;
    refs.reserve(count);
    views.each_view([&](const auto& view) {
        using V = std::decay_t<decltype(view)>;
        refs.push_back(
            {keys::view(view_kind(&view), view.id.value), &view,
             +[](const void* p) -> std::string { return encode_view(*static_cast<const V*>(p)); }});
    });
    std::sort(refs.begin(), refs.end(),
              [](const ViewRef& a, const ViewRef& b) { return a.key < b.key; });
    return refs;
}

/// Encodes refs[from, to) into a new table file at `path`; the error's text, or empty.
std::string write_table_file(const std::vector<ViewRef>& refs, std::size_t from, std::size_t to,
                             const std::string& path, const rocksdb::Options& db_options,
                             std::atomic<std::uint64_t>& written) {
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions{}, db_options);
    if (auto s = writer.Open(path); !s.ok()) {
        return s.ToString();
    }
    for (std::size_t i = from; i < to; ++i) {
        if (auto s = writer.Put(refs[i].key, refs[i].encode(refs[i].view)); !s.ok()) {
            return s.ToString();
        }
        written.fetch_add(1, std::memory_order_relaxed);
    }
    if (auto s = writer.Finish(); !s.ok()) {
        return s.ToString();
    }
    return {};
}

/// The table files written, and the first error's text (empty when all went well).
struct TableFiles {
    std::vector<std::string> paths;
    std::string error;
};

/// Cuts the sorted views into ranges and writes each into its own table file under `staging`,
/// each on its own thread, `ahead` at a time.
TableFiles write_table_files(const std::vector<ViewRef>& refs, const std::filesystem::path& staging,
                             std::size_t ahead, const rocksdb::Options& db_options,
                             Progress& progress) {
    TableFiles files;
    std::atomic<std::uint64_t> written{0};
    std::deque<std::future<std::string>> writing;
    const auto finish_front = [&] {
        auto error = writing.front().get();
        writing.pop_front();
        if (!error.empty() && files.error.empty()) {
            files.error = error;
        }
        progress.state.views = written.load(std::memory_order_relaxed);
        progress.tell();
    };
    for (std::size_t from = 0; from < refs.size(); from += kViewsPerFile) {
        files.paths.push_back(
            (staging / ("views-" + std::to_string(files.paths.size()) + ".sst")).string());
        writing.push_back(std::async(std::launch::async, write_table_file, std::cref(refs), from,
                                     std::min(refs.size(), from + kViewsPerFile),
                                     files.paths.back(), std::cref(db_options), std::ref(written)));
        if (writing.size() >= ahead) {
            finish_front();
        }
    }
    while (!writing.empty()) {
        finish_front();
    }
    return files;
}

/// Replaces every stored view and the checkpoint with `views`. The old ones go first, in one
/// synced batch: from then until the new checkpoint is written, a start-up replays the whole
/// log (views are only read with a checkpoint).
Result<void> replace_views(rocksdb::DB& db, const std::string& data_dir,
                                     const projections::Views& views,
                                     const rocksdb::Options& db_options, std::size_t ahead,
                                     Progress& progress) {
    rocksdb::WriteOptions synced;
    synced.sync = true;
    if (auto cleared = clear_stored_views(db, synced); !cleared) {
        return cleared.error();
    }
    // Encoding the views is most of this phase. They are sorted by key and cut into ranges;
    // each range is encoded and written straight into a table file on its own thread (no
    // memtable, no WAL), and the files are then ingested at once: RocksDB syncs them and
    // their entry in the manifest before the synced checkpoint names them.
    const auto refs = sorted_views(views, progress.state.total_views);
    const std::filesystem::path staging = std::filesystem::path(data_dir) / "rebuild-staging";
    std::error_code ec;
    std::filesystem::remove_all(staging, ec);
    std::filesystem::create_directories(staging, ec);
    if (ec) {
        return unavailable("cannot create " + staging.string() + ": " + ec.message());
    }
    const auto files = write_table_files(refs, staging, ahead, db_options, progress);
    rocksdb::Status failed;
    if (!files.error.empty()) {
        failed = rocksdb::Status::IOError(files.error);
    } else if (!files.paths.empty()) {
        rocksdb::IngestExternalFileOptions ingest;
        ingest.move_files = true;
        failed = db.IngestExternalFile(files.paths, ingest);
    }
    std::filesystem::remove_all(staging, ec);
    if (failed.ok()) {
        rocksdb::WriteBatch checkpoint;
        checkpoint.Put(keys::kCheckpoint, encode_checkpoint(views));
        failed = db.Write(synced, &checkpoint);
    }
    if (!failed.ok()) {
        return unavailable("cannot write the views: " + failed.ToString());
    }
    return {};
}

}  // namespace

Result<RebuildReport> rebuild_views(const RebuildOptions& options) {
    const auto db_options = rebuild_db_options();
    auto opened = open_alone(options.data_dir, db_options);
    if (!opened) {
        return opened.error();
    }
    Database& db = *opened;
    RebuildReport report;
    Progress progress{options.progress, {}};
    progress.state.total_events = log_head(db);

    // 1. Fold: one thread reads records in order and applies them; decoding, the costly part,
    //    runs on the other cores a chunk at a time, a few chunks ahead.
    const auto started = Clock::now();
    projections::Views views;
    views.begin_bulk();
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t ahead = options.decode_threads > 0
                                  ? static_cast<std::size_t>(options.decode_threads)
                                  : static_cast<std::size_t>(cores);
    if (auto folded = fold_log(db, ahead, views, progress); !folded) {
        return folded.error();
    }
    report.events = progress.state.events;
    report.head = views.applied_sequence();
    report.fold_seconds = since(started);

    // 2. Replace every stored view and the checkpoint.
    const auto writing = Clock::now();
    progress.state.phase = RebuildProgress::Phase::kWriting;
    views.each_view([&](const auto&) { ++progress.state.total_views; });
    if (auto replaced = replace_views(*db, options.data_dir, views, db_options, ahead, progress);
        !replaced) {
        return replaced.error();
    }
    report.views = progress.state.views;
    report.write_seconds = since(writing);
    progress.state.phase = RebuildProgress::Phase::kDone;
    progress.tell();
    if (auto s = db.close(); !s.ok()) {
        return unavailable("cannot close " + options.data_dir + ": " + s.ToString());
    }
    return report;
}

}  // namespace deals::store
