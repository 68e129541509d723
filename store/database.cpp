#include "store/database.hpp"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "store/keys.hpp"
#include "support/log.hpp"

namespace deals::store {

namespace {

const std::string kRecordsFrom(1, keys::kEvent);
const std::string kRecordsTo(1, keys::kEvent + 1);

/// Whether any record is in `family` (a directory written before the log had its own family,
/// or one whose move was cut short).
bool holds_records(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family, rocksdb::Status& status) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions{}, family));
    it->Seek(kRecordsFrom);
    const bool found = it->Valid() && it->key().starts_with(kRecordsFrom);
    status = it->status();
    return found;
}

/// Refused unless the disk has room for a second copy of the records and for the compaction
/// after: twice their size, plus 256 MiB (RocksDB itself must never meet a full disk,
/// store/README.md, "Storage faults").
rocksdb::Status room_for_move(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* from,
                              const std::string& dir) {
    const rocksdb::Range range(kRecordsFrom, kRecordsTo);
    std::uint64_t size = 0;
    if (auto s =
            db.GetApproximateSizes(rocksdb::SizeApproximationOptions{}, from, &range, 1, &size);
        !s.ok()) {
        return s;
    }
    const std::uint64_t needed = 2 * size + (std::uint64_t{256} << 20);
    std::error_code ec;
    const auto space = std::filesystem::space(dir, ec);
    if (ec) {
        return rocksdb::Status::IOError("cannot read the free space of " + dir, ec.message());
    }
    if (space.available < needed) {
        return rocksdb::Status::NoSpace(
            "moving the log's records into their column family needs about " +
            std::to_string(needed >> 20) + " MiB free on " + dir + ", and " +
            std::to_string(space.available >> 20) + " MiB are: free some and start again");
    }
    return rocksdb::Status::OK();
}

/// Copies every record of `from` into `to` (outside the WAL, then flushed), then deletes them
/// from `from` in one synced batch and compacts that range away. Copying again what is already
/// there writes the same bytes, so a crash at any point leaves a directory this can finish.
rocksdb::Status move_records(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* from,
                             rocksdb::ColumnFamilyHandle* to, const std::string& dir) {
    if (auto s = room_for_move(db, from, dir); !s.ok()) {
        return s;
    }
    logging::info(
        "store: moving the log's records into a column family of their own (once, "
        "for a directory written before it had one)");
    rocksdb::ReadOptions read;
    read.fill_cache = false;
    read.readahead_size = 8 << 20;
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(read, from));
    rocksdb::WriteOptions unlogged;
    unlogged.disableWAL = true;
    rocksdb::WriteBatch wb;
    std::uint64_t moved = 0;
    for (it->Seek(kRecordsFrom); it->Valid() && it->key().starts_with(kRecordsFrom); it->Next()) {
        if (auto s = wb.Put(to, it->key(), it->value()); !s.ok()) {
            return s;
        }
        if (++moved % 1'000'000 == 0) {
            logging::info("store: moved " + std::to_string(moved) + " records");
        }
        if (wb.GetDataSize() >= (std::size_t{16} << 20)) {
            if (auto s = db.Write(unlogged, &wb); !s.ok()) {
                return s;
            }
            wb.Clear();
        }
    }
    if (!it->status().ok()) {
        return it->status();
    }
    it.reset();
    if (auto s = db.Write(unlogged, &wb); !s.ok()) {
        return s;
    }
    // The copies are in table files before their originals go.
    if (auto s = db.Flush(rocksdb::FlushOptions{}, to); !s.ok()) {
        return s;
    }
    rocksdb::WriteOptions synced;
    synced.sync = true;
    if (auto s = db.DeleteRange(synced, from, kRecordsFrom, kRecordsTo); !s.ok()) {
        return s;
    }
    const rocksdb::Slice begin(kRecordsFrom);
    const rocksdb::Slice end(kRecordsTo);
    if (auto s = db.CompactRange(rocksdb::CompactRangeOptions{}, from, &begin, &end); !s.ok()) {
        return s;
    }
    logging::info("store: moved the log's " + std::to_string(moved) +
                  " records into their column family");
    return rocksdb::Status::OK();
}

}  // namespace

Database::Database(Database&& other) noexcept
    : db_(std::move(other.db_)),
      handles_(std::move(other.handles_)),
      log_(std::exchange(other.log_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        (void)close();
        db_ = std::move(other.db_);
        handles_ = std::move(other.handles_);
        log_ = std::exchange(other.log_, nullptr);
    }
    return *this;
}

Database::~Database() { (void)close(); }

rocksdb::Status Database::open(const std::string& dir, const rocksdb::Options& options,
                               Access access, Database& out, const std::string& secondary_dir) {
    std::vector<std::string> names{rocksdb::kDefaultColumnFamilyName};  // a new directory
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
        if (auto s = rocksdb::DB::ListColumnFamilies(options, dir, &names); !s.ok()) {
            return s;
        }
    }
    const bool has_log = std::find(names.begin(), names.end(), kLogFamily) != names.end();
    std::vector<rocksdb::ColumnFamilyDescriptor> families{
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(options)}};
    if (has_log || access == Access::kWrite) {
        families.emplace_back(kLogFamily, rocksdb::ColumnFamilyOptions(options));
    }
    rocksdb::DBOptions db_options(options);
    db_options.create_missing_column_families = access == Access::kWrite;
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::Status status;
    switch (access) {
        case Access::kWrite:
            status = rocksdb::DB::Open(db_options, dir, families, &handles, &raw);
            break;
        case Access::kReadOnly:
            status = rocksdb::DB::OpenForReadOnly(db_options, dir, families, &handles, &raw);
            break;
        case Access::kSecondary:
            status = rocksdb::DB::OpenAsSecondary(db_options, dir, secondary_dir, families,
                                                  &handles, &raw);
            break;
    }
    if (!status.ok()) {
        return status;
    }
    Database db;
    db.db_.reset(raw);
    db.handles_ = std::move(handles);
    if (access == Access::kWrite) {
        db.log_ = db.handles_[1];
        const bool in_default = holds_records(*db.db_, db.handles_[0], status);
        if (status.ok() && in_default) {
            status = move_records(*db.db_, db.handles_[0], db.log_, dir);
        }
    } else {
        status = db.locate_records();
    }
    if (!status.ok()) {
        return status;
    }
    out = std::move(db);
    return rocksdb::Status::OK();
}

rocksdb::Status Database::locate_records() {
    rocksdb::Status status;
    const bool in_default = holds_records(*db_, handles_[0], status);
    // Not moved yet, or the move was cut short: they are all still in the default family. An
    // instance opened without the log's family (a directory of the old layout) reads them
    // there; RocksDB refuses its catch-up once a first start has added the family.
    log_ = in_default || handles_.size() == 1 ? handles_[0] : handles_[1];
    return status;
}

rocksdb::Status Database::flush() const { return db_->Flush(rocksdb::FlushOptions{}, handles_); }

rocksdb::Status Database::close() {
    if (!db_) {
        return rocksdb::Status::OK();
    }
    for (auto* handle : handles_) {
        (void)db_->DestroyColumnFamilyHandle(handle);
    }
    handles_.clear();
    log_ = nullptr;
    const auto status = db_->Close();
    db_.reset();
    return status;
}

}  // namespace deals::store
