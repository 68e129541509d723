#pragma once

// Private to store/: files copied with their CRC-32C, for backups and restores.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "events/error.hpp"
#include "store/backup.hpp"

namespace rocksdb {
class DB;
}

namespace deals::store {
class RocksEventLog;
}

namespace deals::store::backup_files {

/// The data directory a backup is taken of.
struct Source {
    std::string data_dir;
    std::uint64_t reserve_bytes = 0;  ///< the free space it keeps (DiskReserve)
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

/// Takes a backup of the database `db`, whose log `log` is, into `backup_dir` (store/backup.hpp):
/// holds the log's writer for as long as it takes to list the live files at a durable head
/// (RocksEventLog::hold), then copies them (the WAL up to that head) with file deletions
/// disabled. Refuses a backup directory in the data directory, and one whose file system has no
/// room for the files to copy (past the data directory's reserve, when they share it). Serves
/// `dealsctl backup` through Store::backup.
Result<BackupInfo> take(rocksdb::DB& db, RocksEventLog& log, const Source& source,
                        const std::string& backup_dir, const CopyProgressFn& progress);

/// Bytes copied so far of a known total; calls the progress function now and then.
class Meter {
public:
    Meter(std::uint64_t total, CopyProgressFn progress)
        : total_(total), progress_(std::move(progress)) {}
    void add(std::uint64_t bytes) {
        done_ += bytes;
        if (progress_ && done_ - shown_ >= (8U << 20)) {
            shown_ = done_;
            progress_({done_, total_});
        }
    }
    void finish() const {
        if (progress_) {
            progress_({done_, total_});
        }
    }

private:
    std::uint64_t total_;
    std::uint64_t done_ = 0;
    std::uint64_t shown_ = 0;
    CopyProgressFn progress_;
};

/// Copies the first `size` bytes of `from` into the new file `to` (refused when it exists), and
/// syncs it; returns their CRC-32C (8 hex digits). `from` shorter than `size` is an error.
Result<std::string> copy(const std::string& from, const std::string& to, std::uint64_t size,
                         Meter& meter);
/// Writes `contents` into the new file `to` and syncs it; returns its CRC-32C.
Result<std::string> write(const std::string& to, std::string_view contents);
/// The CRC-32C of the whole file `path`, which must be `size` bytes long.
Result<std::string> checksum(const std::string& path, std::uint64_t size, Meter& meter);
/// Makes a directory's entries (created, renamed or linked files) durable.
Result<void> sync_directory(const std::string& dir);

}  // namespace deals::store::backup_files
