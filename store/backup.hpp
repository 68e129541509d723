#pragma once

// Backups of a data directory, and restoring one (`dealsctl backup`, `dealsctl restore`).
//
// A backup directory holds any number of backups of one or more data directories:
//
//   shared/<session>-<orig number>-<number>-<size>.sst
//                                             table files, shared by every backup that has them
//   private/<id>/                             backup <id>: a RocksDB directory (its table files
//                                             hard links into shared/, its MANIFEST, CURRENT,
//                                             OPTIONS and WAL copies of its own)
//   meta/<id>.json                            what backup <id> holds: its head, time and files
//                                             with their sizes and CRC-32C; written last, so a
//                                             backup without one is unfinished and ignored
//   LOCK                                      taken (flock) by whoever writes backups here
//
// Table files are immutable, and the session of the database that wrote one with the number it
// had there name it uniquely (TableProperties), so a backup copies only the ones no earlier
// backup copied: backups are incremental.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"
#include "events/ids.hpp"

namespace deals::store {

/// One file of a backup.
struct BackupFile {
    std::string name;  ///< in the backup's RocksDB directory, e.g. `000012.sst`, `MANIFEST-000005`
    std::string shared;  ///< its name in shared/ (table files), or empty for a private copy
    std::uint64_t size = 0;
    std::string crc32c;  ///< 8 hex digits

    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("name", s.name);
        f("shared", s.shared);
        f("size", s.size);
        f("crc32c", s.crc32c);
    }
};

/// What one backup holds.
struct BackupInfo {
    std::uint64_t id = 0;
    std::string time;  ///< when it was taken (ISO-8601, UTC)
    events::Sequence sequence = 0;
    std::string hash;             ///< the hash of event `sequence` (64 zeros for an empty log)
    std::uint64_t size = 0;       ///< the bytes of its files
    std::uint64_t new_bytes = 0;  ///< the bytes it added to the backup directory (incremental)
    double seconds = 0;           ///< how long taking it took
    double held_ms = 0;           ///< how long appends waited (RocksEventLog::hold)
    std::vector<BackupFile> files;

    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id);
        f("time", s.time);
        f("sequence", s.sequence);
        f("hash", s.hash);
        f("size", s.size);
        f("new_bytes", s.new_bytes);
        f("seconds", s.seconds);
        f("held_ms", s.held_ms);
        f("files", s.files);
    }
};

/// Where a copy stands, for a progress line.
struct CopyProgress {
    std::uint64_t bytes = 0;
    std::uint64_t total_bytes = 0;
};
using CopyProgressFn = std::function<void(const CopyProgress&)>;

/// A backup's description as JSON (its meta file, and dealsd's answer to a backup request), and
/// back.
std::string backup_json(const BackupInfo& backup);
Result<BackupInfo> parse_backup_json(std::string_view text);

/// The directory's backups, oldest first (an empty list when it has none or does not exist).
/// A meta file that cannot be read is an error.
Result<std::vector<BackupInfo>> list_backups(const std::string& backup_dir);
/// Backup `id`, or the newest one when `id` is empty.
Result<BackupInfo> find_backup(const std::string& backup_dir, std::optional<std::uint64_t> id);
/// The RocksDB directory of backup `id`, which store::LogReader opens as it is.
std::string backup_db_dir(const std::string& backup_dir, std::uint64_t id);

/// Reads every file of `backup` and checks its size and CRC-32C; the first mismatch is an
/// error that names the file. Returns the bytes read.
Result<std::uint64_t> check_backup_files(const std::string& backup_dir, const BackupInfo& backup,
                                         const CopyProgressFn& progress);

/// Copies backup `backup` into the directory `target` (created; it must not exist), checking
/// every file's size and CRC-32C on the way. The result is a RocksDB directory as the backup
/// holds it (its WAL not yet replayed): open it with Store::open.
Result<void> copy_backup(const std::string& backup_dir, const BackupInfo& backup,
                         const std::string& target, const CopyProgressFn& progress);

}  // namespace deals::store
