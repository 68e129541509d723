#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "events/error.hpp"
#include "events/event.hpp"
#include "events/histogram.hpp"

namespace deals::events {

/// What an append expects of its stream: anything, that it does not exist yet, or that it is
/// exactly at a version (optimistic concurrency).
struct ExpectedVersion {
    enum class Kind { kAny, kNoStream, kExact };
    Kind kind = Kind::kAny;
    StreamVersion version = 0;
    /// With kExact: the caller read `version` in the views. They only show what the log holds,
    /// so the log has at least that many events of the stream, and need not look for them.
    bool seen = false;

    static ExpectedVersion any() { return {}; }
    static ExpectedVersion no_stream() { return {Kind::kNoStream, 0}; }
    static ExpectedVersion exactly(StreamVersion v) { return {Kind::kExact, v}; }
    /// Exactly `v`, the stream's version as the views showed it.
    static ExpectedVersion seen_at(StreamVersion v) { return {Kind::kExact, v, true}; }
    [[nodiscard]] bool matches(StreamVersion current) const {
        switch (kind) {
            case Kind::kAny:
                return true;
            case Kind::kNoStream:
                return current == 0;
            case Kind::kExact:
                return current == version;
        }
        return false;
    }
};

/// The events one append adds to one stream, and the version it expects that stream at.
struct StreamAppend {
    std::string stream;
    ExpectedVersion expected;
    std::vector<Event> events;
};

/// One atomic append: events for one or more streams, each with its own expected version,
/// committed together in one batch or not at all. Its events take consecutive sequence numbers
/// in the order given (a stream's events in its order, the streams in theirs).
struct AppendRequest {
    std::vector<StreamAppend> streams;
    EventMeta meta;
    /// The stream the request is about (an index into `streams`): the one an Idempotency-Key's
    /// marker names, so that a retry can find what the request made.
    std::size_t subject = 0;

    AppendRequest() = default;
    AppendRequest(std::vector<StreamAppend> streams, EventMeta meta, std::size_t subject = 0)
        : streams(std::move(streams)), meta(std::move(meta)), subject(subject) {}
    /// An append to one stream.
    AppendRequest(std::string stream, ExpectedVersion expected, std::vector<Event> events,
                  EventMeta meta = {})
        : meta(std::move(meta)) {
        streams.push_back({std::move(stream), expected, std::move(events)});
    }
};

/// What an append committed.
struct Appended {
    /// The subject stream's version after the append.
    StreamVersion current_version = 0;
    std::vector<RecordedEvent> recorded;  ///< the events as committed, in order
};

/// How an append ended: what it committed, or an error, and then nothing of it was written:
/// `kConflict` when a stream moved on (the message names the stream and its version; a
/// command decides again), `kUnavailable` when storage failed or the log is closing.
using AppendResult = Result<Appended>;

/// Counters of the log's writer, for /metrics, the benchmark and the closing report.
struct LogStats {
    std::uint64_t batches = 0;    ///< durable writes (one fsync each)
    std::uint64_t appends = 0;    ///< appends committed
    std::uint64_t events = 0;     ///< events committed
    std::uint64_t conflicts = 0;  ///< appends refused for a stale expected version
    std::uint64_t failures = 0;   ///< appends failed by storage
    std::uint64_t max_batch_appends = 0;
    std::uint64_t sync_micros = 0;  ///< time spent in synced writes
    /// Seconds each durable batch's fsync took.
    Histogram sync_seconds{
        {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}};
    /// Appends each durable batch committed (group commit: one fsync for all of them).
    Histogram batch_appends{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}};
};

/// 64 zeros: the `prev_hash` of the first event, and the head hash of an empty log.
inline const std::string kGenesisHash(64, '0');

/// Called once per append, on the log's writer thread, after the batch holding it is durable
/// (or has failed). It must not block: post the result to where it is needed.
using AppendCallback = std::function<void(AppendResult)>;

/// The port to the event log (implemented in store/ on RocksDB). Appends are asynchronous and
/// are grouped into durable batches by a single writer; reads are synchronous and see every
/// committed event.
class EventLog {
public:
    virtual ~EventLog() = default;
    virtual void append(AppendRequest request, AppendCallback done) = 0;
    /// Events of one stream with version >= from_version, oldest first, at most `limit`.
    virtual std::vector<RecordedEvent> read_stream(const std::string& stream,
                                                   StreamVersion from_version,
                                                   std::size_t limit) const = 0;
    /// Events with from <= sequence <= to, in order, at most `limit`.
    virtual std::vector<RecordedEvent> read_range(Sequence from, Sequence to,
                                                  std::size_t limit) const = 0;
    /// The current version of a stream (0 when it does not exist).
    virtual StreamVersion stream_version(const std::string& stream) const = 0;
    /// The event at `sequence` as its envelope JSON (contract §16), byte for byte as the log
    /// keeps it (and hashed it); empty when there is none.
    virtual std::string envelope_json(Sequence sequence) const = 0;
    /// The last committed sequence and hash.
    virtual Sequence head_sequence() const = 0;
    virtual std::string head_hash() const = 0;
    /// The writer's counters since start.
    virtual LogStats stats() const = 0;
};

}  // namespace deals::events
