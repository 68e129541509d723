#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "commands/error.hpp"
#include "events/event_log.hpp"
#include "projections/view_reader.hpp"

namespace deals::commands {

/// What a command decided: one append per stream it touches, each expecting the version of
/// that stream its decision read. Written as one atomic batch, or not at all.
struct Decision {
    std::vector<events::StreamAppend> appends;
    /// The stream the command is about (an index into `appends`): the one an Idempotency-Key
    /// names, and the one a conflict is reported for.
    std::size_t subject = 0;
    /// What the subject is, for the conflict that ends the retries: "deal", "pipeline", …
    std::string what = "record";

    /// Adds `events` for `stream`, expecting it at `expected`; nothing when `events` is empty.
    void add(std::string stream, events::ExpectedVersion expected,
             std::vector<events::Event> events);
    /// Adds `events` and makes their stream the subject.
    void add_subject(std::string stream, events::ExpectedVersion expected,
                     std::vector<events::Event> events);
    /// Adds each event to its own stream's append (events::stream_of), each expecting what
    /// `expected` says of its event; consecutive events of one stream share one append.
    void add_each(std::vector<events::Event> events,
                  const std::function<events::ExpectedVersion(const events::Event&)>& expected);
    [[nodiscard]] bool empty() const { return appends.empty(); }

    /// The decision to write `events` to one stream, expected at `expected`, about a `what`.
    static Decision of(std::string what, std::string stream, events::ExpectedVersion expected,
                       std::vector<events::Event> events);
};

/// A command as the executor runs it: reads what it needs through the port (briefly, under
/// the views' lock) and decides. Called again when another command changed a stream it read.
using Decide = std::function<Result<Decision>(const projections::ViewReader&)>;

/// The decision to write what `decided` holds to one stream (Decision::of), or its error.
Result<Decision> decided_on(std::string what, std::string stream, events::ExpectedVersion expected,
                            Result<std::vector<events::Event>> decided);

/// A command decided wholly under the views' read lock.
Decide on_views(std::function<Result<Decision>(const projections::Views&)> decide);

/// What an executed command wrote: its events as committed (none when it decided nothing).
struct Executed {
    std::vector<events::RecordedEvent> recorded;
};

/// The one way to execute a command: read the state → decide (pure) → append every event of
/// every stream the command touches in one atomic batch, one expected version per stream → on
/// a version conflict, decide again on the new state (at most `attempts` decisions) → the
/// outcome. Nothing else in the service appends on behalf of a request.
class Executor {
public:
    /// Runs a function later, where the caller wants its work done (a socket thread, say):
    /// a retry is decided there, never on the log's threads.
    using Post = std::function<void(std::function<void()>)>;
    /// Receives the outcome, on the log's applier thread or within `execute` itself.
    using Done = std::function<void(Result<Executed>)>;

    static constexpr int kDefaultAttempts = 5;

    Executor(events::EventLog& log, const projections::ViewReader& views,
             int attempts = kDefaultAttempts);

    /// Decides now, on the calling thread, and appends; `done` is called exactly once.
    void execute(Decide decide, events::EventMeta meta, Post post, Done done) const;

private:
    struct Run;
    static void attempt(const std::shared_ptr<Run>& run);

    events::EventLog& log_;
    const projections::ViewReader& views_;
    int attempts_;
};

}  // namespace deals::commands
