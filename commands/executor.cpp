#include "commands/executor.hpp"

#include <memory>
#include <utility>

namespace deals::commands {

void Decision::add(std::string stream, events::ExpectedVersion expected,
                   std::vector<events::Event> events) {
    if (!events.empty()) {
        appends.push_back({std::move(stream), expected, std::move(events)});
    }
}

void Decision::add_subject(std::string stream, events::ExpectedVersion expected,
                           std::vector<events::Event> events) {
    if (!events.empty()) {
        subject = appends.size();
        add(std::move(stream), expected, std::move(events));
    }
}

void Decision::add_each(
    std::vector<events::Event> events,
    const std::function<events::ExpectedVersion(const events::Event&)>& expected) {
    for (auto& event : events) {
        std::string stream = events::stream_of(event);
        if (!appends.empty() && appends.back().stream == stream) {
            appends.back().events.push_back(std::move(event));
            continue;
        }
        const auto version = expected(event);
        appends.push_back({std::move(stream), version, {}});
        appends.back().events.push_back(std::move(event));
    }
}

Decision Decision::of(std::string what, std::string stream, events::ExpectedVersion expected,
                      std::vector<events::Event> events) {
    Decision decision;
    decision.what = std::move(what);
    decision.add_subject(std::move(stream), expected, std::move(events));
    return decision;
}

Result<Decision> decided_on(std::string what, std::string stream, events::ExpectedVersion expected,
                            Result<std::vector<events::Event>> decided) {
    if (!decided) {
        return decided.error();
    }
    return Decision::of(std::move(what), std::move(stream), expected, std::move(*decided));
}

Decide on_views(std::function<Result<Decision>(const projections::Views&)> decide) {
    return [decide = std::move(decide)](const projections::ViewReader& reader) {
        return reader.read(decide);
    };
}

/// One command's execution, shared by its attempts.
struct Executor::Run {
    const Executor* executor;
    Decide decide;
    events::EventMeta meta;
    Post post;
    Done done;
    int attempts_left;
};

Executor::Executor(events::EventLog& log, const projections::ViewReader& views, int attempts)
    : log_(log), views_(views), attempts_(attempts) {}

void Executor::execute(Decide decide, events::EventMeta meta, Post post, Done done) const {
    attempt(std::make_shared<Run>(Run{this, std::move(decide), std::move(meta), std::move(post),
                                      std::move(done), attempts_}));
}

void Executor::attempt(const std::shared_ptr<Run>& run) {
    --run->attempts_left;
    auto decision = run->decide(run->executor->views_);
    if (!decision) {
        run->done(decision.error());
        return;
    }
    if (decision->empty()) {
        run->done(Executed{});
        return;
    }
    std::string what = std::move(decision->what);
    events::AppendRequest request(std::move(decision->appends), run->meta, decision->subject);
    run->executor->log_.append(std::move(request), [run, what = std::move(what)](
                                                       events::AppendResult outcome) {
        if (outcome) {
            run->done(Executed{std::move(outcome->recorded)});
            return;
        }
        // The log's kConflict: a stream moved on. Anything else ends the command.
        if (outcome.error().code != ErrorCode::kConflict) {
            run->done(outcome.error());
            return;
        }
        if (run->attempts_left <= 0) {
            run->done(conflict("The " + what + " is being changed by other requests; try again."));
            return;
        }
        // Another command changed a stream between our read and our append: decide again
        // on the new state, where the caller works (If-Match, when given, now answers 412).
        run->post([run] { attempt(run); });
    });
}

}  // namespace deals::commands
