#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "events/event.hpp"

namespace deals::events {

/// What an append expects of its stream: anything, that it does not exist yet, or that it is
/// exactly at a version (optimistic concurrency).
struct ExpectedVersion {
    enum class Kind { kAny, kNoStream, kExact };
    Kind kind = Kind::kAny;
    StreamVersion version = 0;

    static ExpectedVersion any() { return {}; }
    static ExpectedVersion no_stream() { return {Kind::kNoStream, 0}; }
    static ExpectedVersion exactly(StreamVersion v) { return {Kind::kExact, v}; }
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

/// One atomic append to one stream.
struct AppendRequest {
    std::string stream;
    ExpectedVersion expected;
    std::vector<Event> events;
    EventMeta meta;
};

/// How an append ended.
enum class AppendStatus {
    kOk,
    kWrongExpectedVersion,  ///< the stream moved on; `current_version` says where it is
    kUnavailable,           ///< storage failed or the log is closing; nothing was written
};

struct AppendOutcome {
    AppendStatus status = AppendStatus::kOk;
    StreamVersion current_version = 0;
    std::vector<RecordedEvent> recorded;  ///< the events as committed, when kOk
    std::string detail;                   ///< for logs, when not kOk
};

/// Called once per append, on the log's writer thread, after the batch holding it is durable
/// (or has failed). It must not block: post the result to where it is needed.
using AppendCallback = std::function<void(AppendOutcome)>;

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
    /// The last committed sequence and hash.
    virtual Sequence head_sequence() const = 0;
    virtual std::string head_hash() const = 0;
};

}  // namespace deals::events
