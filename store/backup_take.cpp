#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/metadata.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "events/time.hpp"
#include "store/backup.hpp"
#include "store/backup_files.hpp"
#include "store/rocks_event_log.hpp"

// Taking a backup (Store::backup); reading one back is in backup.cpp.

namespace deals::store {

namespace fs = std::filesystem;

namespace {

std::string meta_path(const std::string& dir, std::uint64_t id) {
    return dir + "/meta/" + std::to_string(id) + ".json";
}

/// The exclusive lock of a backup directory, held while a backup is written into it.
class DirectoryLock {
public:
    static Result<std::unique_ptr<DirectoryLock>> take(const std::string& dir) {
        const std::string path = dir + "/BACKUP.LOCK";
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            return unavailable("cannot open " + path + ": " + std::strerror(errno));
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd);
            return unavailable("another backup is being written to " + dir);
        }
        return std::unique_ptr<DirectoryLock>(new DirectoryLock(fd));
    }
    ~DirectoryLock() { ::close(fd_); }
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

private:
    explicit DirectoryLock(int fd) : fd_(fd) {}
    int fd_;
};

/// File deletions stay off while it lives: the files listed are not deleted under the copy.
class DeletionsOff {
public:
    explicit DeletionsOff(rocksdb::DB& db) : db_(db), status_(db.DisableFileDeletions()) {}
    ~DeletionsOff() {
        if (status_.ok()) {
            db_.EnableFileDeletions(/*force=*/false);
        }
    }
    DeletionsOff(const DeletionsOff&) = delete;
    DeletionsOff& operator=(const DeletionsOff&) = delete;
    [[nodiscard]] const rocksdb::Status& status() const { return status_; }

private:
    rocksdb::DB& db_;
    rocksdb::Status status_;
};

Error rocks_error(const std::string& what, const rocksdb::Status& s) {
    return unavailable(what + ": " + s.ToString());
}

/// The live files at a durable head: the log's writer is held only while they are listed.
struct Snapshot {
    std::vector<rocksdb::LiveFileStorageInfo> files;
    events::Sequence sequence = 0;
    std::string hash;
    double held_ms = 0;
};

Result<Snapshot> snapshot(rocksdb::DB& db, RocksEventLog& log) {
    Snapshot s;
    rocksdb::Status listed;
    rocksdb::LiveFilesStorageInfoOptions options;
    // No flush (take): what the memtables hold is in the WAL, copied up to its size now.
    options.wal_size_for_flush = std::numeric_limits<std::uint64_t>::max();
    const auto asked = std::chrono::steady_clock::now();
    auto held = log.hold([&](events::Sequence sequence, const std::string& hash) {
        s.sequence = sequence;
        s.hash = hash;
        listed = db.GetLiveFilesStorageInfo(options, &s.files);
    });
    s.held_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - asked).count();
    if (!held) {
        return held.error();
    }
    if (!listed.ok()) {
        return rocks_error("cannot list the live files", listed);
    }
    return s;
}

/// The CRC-32C of every table file in shared/ that the directory's backups recorded.
std::map<std::string, std::string> shared_checksums(const std::vector<BackupInfo>& backups) {
    std::map<std::string, std::string> out;
    for (const auto& b : backups) {
        for (const auto& f : b.files) {
            if (!f.shared.empty()) {
                out.emplace(f.shared, f.crc32c);
            }
        }
    }
    return out;
}

/// Each listed table file's name in shared/, by file number: the session of the database that
/// wrote it and the number it had there, which together name it uniquely (RocksDB's
/// TableProperties), also across copies of a data directory (they keep its IDENTITY but open
/// sessions of their own), then its number now and its size.
using SharedNames = std::map<std::uint64_t, std::string>;

std::string shared_name(const rocksdb::TableProperties& p, const rocksdb::LiveFileStorageInfo& f) {
    return p.db_session_id + "-" + std::to_string(p.orig_file_number) + "-" +
           std::to_string(f.file_number) + "-" + std::to_string(f.size) + ".sst";
}

Result<SharedNames> shared_names(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* records,
                                 const std::vector<rocksdb::LiveFileStorageInfo>& files) {
    rocksdb::TablePropertiesCollection tables;  // of the current version, keyed by path
    for (auto* family : {db.DefaultColumnFamily(), records}) {
        rocksdb::TablePropertiesCollection more;
        if (const auto s = db.GetPropertiesOfAllTables(family, &more); !s.ok()) {
            return rocks_error("cannot read the table files' properties", s);
        }
        tables.merge(more);
    }
    SharedNames out;
    for (const auto& f : files) {
        if (f.file_type != rocksdb::kTableFile) {
            continue;
        }
        const std::string path = f.directory + "/" + f.relative_filename;
        if (const auto it = tables.find(path); it != tables.end()) {
            out[f.file_number] = shared_name(*it->second, f);
            continue;
        }
        // Compacted away since it was listed (it stays on disk while deletions are off).
        rocksdb::SstFileReader reader(rocksdb::Options{});
        if (const auto s = reader.Open(path); !s.ok()) {
            return rocks_error("cannot read " + path, s);
        }
        out[f.file_number] = shared_name(*reader.GetTableProperties(), f);
    }
    return out;
}

/// The backup directory must be apart from the data directory: not it, nor inside it.
Result<void> check_apart(const std::string& backup_dir, const std::string& data_dir) {
    std::error_code ec;
    const auto b = fs::weakly_canonical(backup_dir, ec);
    const auto d = fs::weakly_canonical(data_dir, ec);
    if (ec) {
        return unavailable("cannot resolve " + backup_dir + ": " + ec.message());
    }
    if (std::mismatch(d.begin(), d.end(), b.begin(), b.end()).first == d.end()) {
        return unavailable("the backup directory " + backup_dir + " is in the data directory " +
                           data_dir + ": keep backups apart from what they save");
    }
    return {};
}

/// Whether the backup directory's file system has room for `needed` more bytes, and keeps the
/// data directory's reserve when it is the same file system (DiskReserve).
Result<void> check_room(const std::string& backup_dir, const std::string& data_dir,
                        std::uint64_t needed, std::uint64_t reserve) {
    struct statvfs v {};
    struct stat b {};
    struct stat d {};
    if (::statvfs(backup_dir.c_str(), &v) != 0 || ::stat(backup_dir.c_str(), &b) != 0 ||
        ::stat(data_dir.c_str(), &d) != 0) {
        return unavailable("cannot look at " + backup_dir + ": " + std::strerror(errno));
    }
    const std::uint64_t free = static_cast<std::uint64_t>(v.f_bavail) * v.f_frsize;
    const std::uint64_t keep = b.st_dev == d.st_dev ? reserve : 0;
    if (free < needed + keep) {
        return unavailable("not enough space in " + backup_dir + ": the backup copies " +
                           std::to_string(needed >> 20) + " MiB, " + std::to_string(free >> 20) +
                           " MiB are free" +
                           (keep ? ", and the data directory on the same file system keeps " +
                                       std::to_string(keep >> 20) + " MiB free"
                                 : std::string()));
    }
    return {};
}

/// A backup being written: what it added, removed again unless it is finished.
struct Writing {
    std::string dir;
    std::string private_dir;
    std::vector<std::string> added_shared;
    bool finished = false;
    ~Writing() {
        if (finished) {
            return;
        }
        std::error_code ec;
        fs::remove_all(private_dir, ec);
        for (const auto& f : added_shared) {
            fs::remove(dir + "/shared/" + f, ec);
        }
    }
};

/// Copies (or links) one live file into the backup.
Result<BackupFile> back_up_file(const rocksdb::LiveFileStorageInfo& f, const SharedNames& names,
                                const std::map<std::string, std::string>& known, Writing& w,
                                backup_files::Meter& meter, std::uint64_t& new_bytes) {
    BackupFile out{f.relative_filename, {}, f.size, {}};
    const std::string source = f.directory + "/" + f.relative_filename;
    const std::string target = w.private_dir + "/" + f.relative_filename;
    if (!f.replacement_contents.empty()) {  // CURRENT, as of the snapshot
        auto crc = backup_files::write(target, f.replacement_contents);
        if (!crc) {
            return crc.error();
        }
        out.crc32c = *crc;
        new_bytes += f.size;
        return out;
    }
    if (f.file_type != rocksdb::kTableFile) {
        auto crc = backup_files::copy(source, target, f.size, meter);
        if (!crc) {
            return crc.error();
        }
        out.crc32c = *crc;
        new_bytes += f.size;
        return out;
    }
    out.shared = names.at(f.file_number);
    const std::string shared = w.dir + "/shared/" + out.shared;
    std::error_code ec;
    if (const auto it = known.find(out.shared); it != known.end() && fs::exists(shared, ec)) {
        out.crc32c = it->second;
        meter.add(f.size);
    } else {
        fs::remove(shared, ec);  // left by an unfinished backup
        w.added_shared.push_back(out.shared);  // removed again if the backup does not finish
        auto crc = backup_files::copy(source, shared, f.size, meter);
        if (!crc) {
            return crc.error();
        }
        out.crc32c = *crc;
        new_bytes += f.size;
    }
    if (::link(shared.c_str(), target.c_str()) != 0) {
        return unavailable("cannot link " + target + ": " + std::strerror(errno));
    }
    return out;
}

/// The next id: past every finished backup and every unfinished one's directory, which goes.
std::uint64_t next_id(const std::string& dir, const std::vector<BackupInfo>& backups) {
    std::uint64_t last = backups.empty() ? 0 : backups.back().id;
    std::set<std::uint64_t> finished;
    for (const auto& b : backups) {
        finished.insert(b.id);
    }
    std::error_code ec;
    std::vector<fs::path> unfinished;
    for (fs::directory_iterator it(dir + "/private", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || name.size() > 18 ||
            name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        const std::uint64_t id = std::stoull(name);
        last = std::max(last, id);
        if (finished.count(id) == 0) {
            unfinished.push_back(it->path());
        }
    }
    for (const auto& p : unfinished) {
        fs::remove_all(p, ec);
    }
    return last + 1;
}

Result<void> write_meta(const std::string& dir, const BackupInfo& b) {
    const std::string path = meta_path(dir, b.id);
    const std::string temporary = path + ".tmp";
    std::error_code ec;
    fs::remove(temporary, ec);
    if (auto written = backup_files::write(temporary, backup_json(b)); !written) {
        return written.error();
    }
    fs::rename(temporary, path, ec);
    if (ec) {
        return unavailable("cannot rename " + temporary + ": " + ec.message());
    }
    return {};
}

Result<void> make_directories(const std::string& dir) {
    std::error_code ec;
    for (const char* sub : {"/shared", "/private", "/meta"}) {
        fs::create_directories(dir + sub, ec);
        if (ec) {
            return unavailable("cannot create " + dir + sub + ": " + ec.message());
        }
    }
    return {};
}

}  // namespace

namespace {

/// Copies the snapshot's files into a new backup `info.id`, checking the room first.
Result<void> copy_snapshot(const std::string& backup_dir, const backup_files::Source& source,
                           const Snapshot& snap, const SharedNames& names,
                           const std::map<std::string, std::string>& known, BackupInfo& info,
                           const CopyProgressFn& progress) {
    std::uint64_t needed = 0;
    for (const auto& f : snap.files) {
        info.size += f.size;
        const bool shared =
            f.file_type == rocksdb::kTableFile && known.count(names.at(f.file_number)) != 0;
        needed += shared ? 0 : f.size;
    }
    if (auto room = check_room(backup_dir, source.data_dir, needed, source.reserve_bytes); !room) {
        return room;
    }
    Writing w{backup_dir, backup_db_dir(backup_dir, info.id), {}, false};
    std::error_code ec;
    if (!fs::create_directory(w.private_dir, ec) || ec) {
        return unavailable("cannot create " + w.private_dir + ": " + ec.message());
    }
    backup_files::Meter meter(info.size, progress);
    for (const auto& f : snap.files) {
        auto file = back_up_file(f, names, known, w, meter, info.new_bytes);
        if (!file) {
            return file.error();
        }
        info.files.push_back(std::move(*file));
    }
    meter.finish();
    for (const auto& dir : {w.private_dir, backup_dir + "/shared"}) {
        if (auto synced = backup_files::sync_directory(dir); !synced) {
            return synced;
        }
    }
    info.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - source.started).count();
    if (auto written = write_meta(backup_dir, info); !written) {
        return written;
    }
    w.finished = true;  // the meta names it: from here on, the backup is there
    return backup_files::sync_directory(backup_dir + "/meta");
}

}  // namespace

Result<BackupInfo> backup_files::take(rocksdb::DB& db, RocksEventLog& log, const Source& source,
                                      const std::string& backup_dir,
                                      const CopyProgressFn& progress) {
    if (auto apart = check_apart(backup_dir, source.data_dir); !apart) {
        return apart.error();
    }
    if (auto made = make_directories(backup_dir); !made) {
        return made.error();
    }
    auto lock = DirectoryLock::take(backup_dir);
    if (!lock) {
        return lock.error();
    }
    auto backups = list_backups(backup_dir);
    if (!backups) {
        return backups.error();
    }
    // No flush: what the memtables hold is in the WAL, which is copied (synced to the head), so
    // the backup is what a crash at that head would leave, which opening recovers as it recovers
    // from a crash. A flush would add a table file whose keys span the whole key space, and the
    // compaction after it would rewrite most of the others: the next backup would share little.
    const DeletionsOff deletions(db);
    if (!deletions.status().ok()) {
        return rocks_error("cannot hold file deletions", deletions.status());
    }
    auto snap = snapshot(db, log);
    if (!snap) {
        return snap.error();
    }
    auto names = shared_names(db, log.records_family(),
                              snap->files);  // the files listed stay: deletions are off
    if (!names) {
        return names.error();
    }
    BackupInfo info;
    info.id = next_id(backup_dir, *backups);
    info.time = events::Timestamp::system_now().str();
    info.sequence = snap->sequence;
    info.hash = snap->hash;
    info.held_ms = snap->held_ms;
    if (auto copied = copy_snapshot(backup_dir, source, *snap, *names, shared_checksums(*backups),
                                    info, progress);
        !copied) {
        return copied.error();
    }
    return info;
}

}  // namespace deals::store
