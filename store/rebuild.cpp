#include "store/rebuild.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <condition_variable>
#include <mutex>
#include <deque>
#include <future>
#include <limits>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

#include "projections/views.hpp"
#include "store/codec.hpp"
#include "store/keys.hpp"
#include "store/view_io.hpp"

namespace deals::store {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunk = 8192;                  ///< records decoded by one task

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/// Stored records read in a row, back to back in one buffer (no allocation per record).
struct Chunk {
    std::string bytes;
    std::vector<std::pair<std::size_t, std::size_t>> spans;  ///< offset, size
};

std::vector<events::RecordedEvent> decode_all(Chunk chunk) {
    std::vector<events::RecordedEvent> out;
    out.reserve(chunk.spans.size());
    for (const auto& [offset, size] : chunk.spans) {
        out.push_back(decode_record_for_fold(chunk.bytes.data() + offset, size));
    }
    return out;
}


}  // namespace

Result<RebuildReport> rebuild_views(const RebuildOptions& options) {
    rocksdb::Options db_options;
    db_options.create_if_missing = false;
    db_options.IncreaseParallelism(2);
    // Both cores go to folding and encoding; the server compacts the new table files later.
    db_options.disable_auto_compactions = true;
    rocksdb::DB* raw = nullptr;
    const auto status = rocksdb::DB::Open(db_options, options.data_dir, &raw);
    if (!status.ok()) {
        const std::string text = status.ToString();
        if (status.IsIOError() && text.find("lock") != std::string::npos) {
            return unavailable("the data directory " + options.data_dir +
                               " is in use (stop dealsd first): " + text);
        }
        return unavailable("cannot open " + options.data_dir + ": " + text);
    }
    std::unique_ptr<rocksdb::DB> db(raw);
    RebuildReport report;
    RebuildProgress progress;
    const auto tell = [&] {
        if (options.progress) {
            options.progress(progress);
        }
    };

    // The head, to size the progress: the last `e` record.
    {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions{}));
        it->SeekForPrev(keys::event(std::numeric_limits<std::uint64_t>::max()));
        if (it->Valid() && it->key().starts_with(std::string(1, keys::kEvent))) {
            progress.total_events = decode_record(it->value().ToStringView()).sequence;
        }
    }

    // 1. Fold: one thread reads records in order and applies them; decoding, the costly part,
    //    runs on the other cores a chunk at a time, a few chunks ahead.
    const auto started = Clock::now();
    projections::Views views;
    views.begin_bulk();
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t ahead = options.decode_threads > 0
                                  ? static_cast<std::size_t>(options.decode_threads)
                                  : static_cast<std::size_t>(cores);
    // A reader thread scans the log and hands out chunks to decode; this thread applies the
    // decoded chunks in order. At most `ahead` + 2 chunks are in flight.
    using Decoded = std::future<std::vector<events::RecordedEvent>>;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Decoded> pending;
    bool read_all = false;
    std::string read_error;
    bool stop = false;
    std::thread reader([&] {
        try {
            rocksdb::ReadOptions read;
            read.readahead_size = 8 * 1024 * 1024;
            read.fill_cache = false;
            std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read));
            const std::string prefix(1, keys::kEvent);
            Chunk chunk;
            const auto hand_out = [&] {
                auto decoded = std::async(std::launch::async, decode_all, std::move(chunk));
                chunk = {};
                chunk.bytes.reserve(4 * 1024 * 1024);
                chunk.spans.reserve(kChunk);
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return pending.size() <= ahead + 1 || stop; });
                pending.push_back(std::move(decoded));
                changed.notify_all();
                return !stop;
            };
            chunk.bytes.reserve(4 * 1024 * 1024);
            chunk.spans.reserve(kChunk);
            for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
                const auto value = it->value();
                chunk.spans.emplace_back(chunk.bytes.size(), value.size());
                chunk.bytes.append(value.data(), value.size());
                if (chunk.spans.size() == kChunk && !hand_out()) {
                    return;
                }
            }
            if (!it->status().ok()) {
                std::lock_guard lock(mutex);
                read_error = "cannot read the log: " + it->status().ToString();
            } else if (!chunk.spans.empty()) {
                hand_out();
            }
        } catch (const std::exception& e) {  // a thread std::async could not start
            std::lock_guard lock(mutex);
            read_error = e.what();
        }
        std::lock_guard lock(mutex);
        read_all = true;
        changed.notify_all();
    });
    events::Sequence expected = 1;
    std::string fold_error;
    try {
        while (true) {
            Decoded next;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return !pending.empty() || read_all; });
                if (pending.empty()) {
                    break;
                }
                next = std::move(pending.front());
                pending.pop_front();
                changed.notify_all();
            }
            const auto decoded = next.get();  // throws what decoding threw: a corrupt record
            for (const auto& e : decoded) {
                if (e.sequence != expected) {
                    fold_error = "the log has a gap: sequence " + std::to_string(e.sequence) +
                                 " follows " + std::to_string(expected - 1);
                    break;
                }
                ++expected;
                views.apply(e);
            }
            if (!fold_error.empty()) {
                break;
            }
            progress.events += decoded.size();
            tell();
        }
    } catch (const std::exception& e) {
        fold_error = e.what();
    }
    {
        std::lock_guard lock(mutex);
        stop = true;
        changed.notify_all();
    }
    reader.join();
    for (auto& d : pending) {
        if (d.valid()) {
            d.wait();
        }
    }
    if (fold_error.empty() && !read_error.empty()) {
        fold_error = read_error;
    }
    if (!fold_error.empty()) {
        return unavailable("cannot fold the log: " + fold_error);
    }
    report.events = progress.events;
    report.head = views.applied_sequence();
    report.fold_seconds = since(started);

    // 2. Replace every stored view and the checkpoint. The old views and checkpoint go first
    //    in one synced batch: from then until the new checkpoint is written, a start-up
    //    replays the whole log (views are only read with a checkpoint).
    const auto writing = Clock::now();
    progress.phase = RebuildProgress::Phase::kWriting;
    views.each_view([&](const auto&) { ++progress.total_views; });
    rocksdb::WriteOptions synced;
    synced.sync = true;
    {
        rocksdb::WriteBatch clear;
        clear.Delete(keys::kCheckpoint);
        clear.DeleteRange(std::string(1, keys::kView), std::string(1, keys::kView + 1));
        if (auto s = db->Write(synced, &clear); !s.ok()) {
            return unavailable("cannot clear the old views: " + s.ToString());
        }
    }
    // Encoding the views is most of this phase. They are sorted by key and cut into ranges;
    // each range is encoded and written straight into a table file on its own thread (no
    // memtable, no WAL), and the files are then ingested at once: RocksDB syncs them and
    // their entry in the manifest before the synced checkpoint names them.
    struct ViewRef {
        std::string key;
        const void* view;
        std::string (*encode)(const void*);
    };
    std::vector<ViewRef> refs;
    refs.reserve(progress.total_views);
    views.each_view([&](const auto& view) {
        using V = std::decay_t<decltype(view)>;
        refs.push_back({keys::view(view_kind(&view), view.id.value), &view,
                        +[](const void* p) -> std::string {
                            return encode_view(*static_cast<const V*>(p));
                        }});
    });
    std::sort(refs.begin(), refs.end(),
              [](const ViewRef& a, const ViewRef& b) { return a.key < b.key; });
    const std::filesystem::path staging =
        std::filesystem::path(options.data_dir) / "rebuild-staging";
    std::error_code ec;
    std::filesystem::remove_all(staging, ec);
    std::filesystem::create_directories(staging, ec);
    if (ec) {
        return unavailable("cannot create " + staging.string() + ": " + ec.message());
    }
    constexpr std::size_t kViewsPerFile = 65536;
    std::atomic<std::uint64_t> written{0};
    const auto write_file = [&](std::size_t from, std::size_t to,
                                std::string path) -> std::string {
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
    };
    std::vector<std::string> files;
    std::deque<std::future<std::string>> writing_files;
    std::string write_error;
    const auto finish_front = [&] {
        auto error = writing_files.front().get();
        writing_files.pop_front();
        if (!error.empty() && write_error.empty()) {
            write_error = error;
        }
        progress.views = written.load(std::memory_order_relaxed);
        tell();
    };
    for (std::size_t from = 0; from < refs.size(); from += kViewsPerFile) {
        files.push_back((staging / ("views-" + std::to_string(files.size()) + ".sst")).string());
        writing_files.push_back(std::async(std::launch::async, write_file, from,
                                           std::min(refs.size(), from + kViewsPerFile),
                                           files.back()));
        if (writing_files.size() >= ahead) {
            finish_front();
        }
    }
    while (!writing_files.empty()) {
        finish_front();
    }
    rocksdb::Status failed;
    if (!write_error.empty()) {
        failed = rocksdb::Status::IOError(write_error);
    } else if (!files.empty()) {
        rocksdb::IngestExternalFileOptions ingest;
        ingest.move_files = true;
        failed = db->IngestExternalFile(files, ingest);
    }
    std::filesystem::remove_all(staging, ec);
    if (failed.ok()) {
        rocksdb::WriteBatch checkpoint;
        checkpoint.Put(keys::kCheckpoint, encode_checkpoint(views));
        failed = db->Write(synced, &checkpoint);
    }
    if (!failed.ok()) {
        return unavailable("cannot write the views: " + failed.ToString());
    }
    report.views = progress.views;
    report.write_seconds = since(writing);
    progress.phase = RebuildProgress::Phase::kDone;
    tell();
    if (auto s = db->Close(); !s.ok()) {
        return unavailable("cannot close " + options.data_dir + ": " + s.ToString());
    }
    return report;
}

}  // namespace deals::store
