#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"
#include "events/event.hpp"
#include "projections/views.hpp"

namespace deals::store {

/// One stored record as it is on disk (store/README.md): the sequence of its key and the value
/// `<body>\n<prev_hash>\n<hash>`, byte for byte.
struct StoredRecord {
    events::Sequence sequence = 0;  ///< from the key, not from the body
    std::string bytes;
};

/// The last stored record: where the chain stands.
struct LogHead {
    events::Sequence sequence = 0;  ///< 0 for an empty log
    std::string hash;               ///< 64 zeros for an empty log
};

/// Read-only access to a data directory, also while a `dealsd` holds it: RocksDB is opened as
/// a *secondary* instance (its files are shared, its own bookkeeping lives in a private
/// temporary directory removed on close), so the server's LOCK is never taken. The reader sees
/// the log as of the last `catch_up()` (one is done by `open`): every group commit is one
/// WriteBatch, so a record and its stream entry come together, except in a narrow race: the
/// two column families (store/database.hpp) flushed one after the other around the catch-up,
/// and the WAL between them deleted, leaves a stream entry whose record the reader cannot see
/// yet (`read_stream_records` then throws, naming it; reading again catches up). Not
/// thread-safe.
class LogReader {
public:
    static Result<std::unique_ptr<LogReader>> open(const std::string& data_dir);
    ~LogReader();
    LogReader(const LogReader&) = delete;
    LogReader& operator=(const LogReader&) = delete;

    /// Catches up with what the primary (the server) has written since.
    Result<void> catch_up();

    LogHead head() const;
    /// The stored record at `sequence`, or nothing.
    std::optional<StoredRecord> record(events::Sequence sequence) const;

    /// Calls `visit` with every stored record from `from` on in key order, until it returns
    /// false or the records end. One forward iterator with a large readahead, bypassing the
    /// block cache: the fast path of `dealsctl verify`. The record is valid during the call
    /// only. Throws std::runtime_error on a storage error.
    void scan(events::Sequence from,
              const std::function<bool(events::Sequence, std::string_view)>& visit) const;

    /// Records with from <= sequence <= to, in order, at most `limit`.
    std::vector<StoredRecord> read_records(events::Sequence from, events::Sequence to,
                                           std::size_t limit) const;
    /// Decoded events with from <= sequence <= to, in order, at most `limit` (throws
    /// std::runtime_error on a corrupt record).
    std::vector<events::RecordedEvent> read_range(events::Sequence from, events::Sequence to,
                                                  std::size_t limit) const;
    /// The records of one stream from `from_version` on, oldest first, at most `limit`.
    std::vector<StoredRecord> read_stream_records(const std::string& stream,
                                                  events::StreamVersion from_version,
                                                  std::size_t limit) const;
    std::vector<events::RecordedEvent> read_stream(const std::string& stream,
                                                   events::StreamVersion from_version,
                                                   std::size_t limit) const;

    /// Loads the views of the last checkpoint into `views` (empty ones when there is none, as
    /// the server does) and returns the sequence they reflect. The caller applies the events
    /// after it and calls `views.finish_load()`.
    events::Sequence load_checkpoint(projections::Views& views) const;

private:
    struct Impl;
    explicit LogReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// The `"sequence":N` of a stored body, found without parsing the JSON (the envelope's fixed
/// key order puts it right after the id); nothing when it is not there.
std::optional<events::Sequence> body_sequence(std::string_view body);
/// The value of a top-level string key that comes before `data` in the body (`type`,
/// `occurred_at`, `stream`), found without parsing; nothing when absent.
std::optional<std::string_view> body_string(std::string_view body, std::string_view key);

}  // namespace deals::store
