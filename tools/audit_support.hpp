#pragma once

// What dealsctl's auditors' commands (events, verify, replay, export) share: buffered output,
// points of the log, views folded from the log and deals rendered as the API shows them. The
// commands only read, through store::LogReader (a RocksDB secondary instance), never the Store,
// so a running dealsd keeps serving while they run.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"
#include "events/ids.hpp"
#include "events/time.hpp"
#include "projections/views.hpp"
#include "store/log_reader.hpp"

namespace deals::tools::audit {

/// Prints `error: <message>` on stderr; returns exit status 1.
int fail(const std::string& message);

/// Buffered standard output (the commands print millions of lines). Once standard output is
/// closed under it (`dealsctl events | head`), it remembers: what follows is dropped and
/// `closed()` is true, so that loops stop. One thread.
class Out {
public:
    Out() = default;
    /// Writes what is left; nobody reads it if standard output is closed by now.
    ~Out();
    Out(const Out&) = delete;
    Out& operator=(const Out&) = delete;

    /// `text` and a newline.
    void line(std::string_view text);
    void raw(std::string_view text);
    /// Writes what is buffered; false once standard output is closed.
    bool flush();
    [[nodiscard]] bool closed() const { return closed_; }

private:
    /// Writes and clears the buffer; false when it could not (closed before or now).
    bool write();

    std::string buffer_;
    bool closed_ = false;
};

/// Runs `command` with the standard output it prints to, for its exit status: 128 + SIGPIPE
/// once that output was closed under it (as if killed by SIGPIPE), 1 for an exception (a bug,
/// or a storage error no closer place explained: `error: …`).
int guarded(const std::function<int(Out&)>& command);

/// A point of the log: a sequence (digits only) or a time (ISO-8601 or YYYY-MM-DD).
struct Point {
    std::optional<events::Sequence> sequence;
    std::optional<events::Timestamp> time;
    std::string text;
};

std::optional<Point> parse_point(const std::string& text);
/// `sequence N`, or the time.
std::string point_text(const Point& p);

/// What `fold` applied: the last event's sequence and time (`from - 1` and none when none).
struct Folded {
    events::Sequence last = 0;
    std::optional<events::Timestamp> last_time;
    std::uint64_t applied = 0;
};

/// Applies the events from `from` through `to` (and not after `until_time`) to `views`. A gap
/// in the log is an error; a corrupt record throws (store/codec.hpp).
Result<Folded> fold(const store::LogReader& reader, projections::Views& views,
                    events::Sequence from, events::Sequence to,
                    std::optional<events::Timestamp> until_time);

/// Who the deals are rendered for: a super-admin that owns nothing (every deal visible, every
/// authorization true, as an admin's GET shows them).
projections::User auditor();

/// A deal's API JSON (`GET /api/deals/{id}`) as `caller` sees it at `now`.
std::string deal_json(const projections::Deal& deal, const projections::Views& views,
                      const projections::User& caller, events::Timestamp now);

/// The live or trashed deals, by id.
std::vector<const projections::Deal*> deals_by_id(const projections::Views& views,
                                                  projections::Trash which);

}  // namespace deals::tools::audit
