#pragma once

// A data directory's RocksDB and its column families (store/README.md, "Keys"). Private to
// store/.

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <memory>
#include <string>
#include <vector>

namespace deals::store {

/// The log's records (`e` keys) have a column family of their own, "log"; every other key is
/// in the default one. The records only ever grow at the end, so their table files never
/// overlap and compactions move them down without rewriting them; the views, the streams'
/// entries and the rest compact among themselves. One `WriteBatch` may still span both, and
/// is atomic across them.
class Database {
public:
    enum class Access { kWrite, kReadOnly, kSecondary };

    static constexpr const char* kLogFamily = "log";

    Database() = default;
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    /// Opens `dir` with `options` for every column family. With kWrite, creates the log's
    /// family if it is missing, and moves the records a directory written before it kept in
    /// the default family into it (once; a crash half-way moves them again at the next open).
    /// Read-only and secondary instances read the records wherever they are.
    static rocksdb::Status open(const std::string& dir, const rocksdb::Options& options,
                                Access access, Database& out,
                                const std::string& secondary_dir = {});

    rocksdb::DB& operator*() const { return *db_; }
    rocksdb::DB* operator->() const { return db_.get(); }
    rocksdb::DB* get() const { return db_.get(); }
    explicit operator bool() const { return db_ != nullptr; }

    /// Where the records are.
    rocksdb::ColumnFamilyHandle* log() const { return log_; }

    /// For a read-only or secondary instance (after a secondary's catch-up with its primary):
    /// finds the records again, in the default family while any is left there.
    rocksdb::Status locate_records();

    /// Flushes the memtables of every column family, and waits.
    rocksdb::Status flush() const;

    /// Closes the database (a no-op when none is open).
    rocksdb::Status close();

private:
    std::unique_ptr<rocksdb::DB> db_;
    std::vector<rocksdb::ColumnFamilyHandle*> handles_;
    rocksdb::ColumnFamilyHandle* log_ = nullptr;
};

}  // namespace deals::store
