#pragma once

// An event log in memory, for tests of the command path that need no RocksDB: the EventLog
// port with the writer's rules (expected versions checked per stream, a request's streams
// appended all or none, gapless sequences), and views folded from it. Header only.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "events/event_log.hpp"
#include "projections/view_reader.hpp"
#include "projections/views.hpp"

namespace deals::testing {

class MemoryEventLog final : public events::EventLog {
public:
    /// Called for every append before it is checked (a test's concurrent writer, say).
    std::function<void(const events::AppendRequest&)> before_append;
    /// When set, every append answers unavailable with this detail.
    std::string unavailable;
    /// Appends received, successful or not.
    std::size_t appends = 0;

    void append(events::AppendRequest request, events::AppendCallback done) override {
        ++appends;
        if (before_append) {
            before_append(request);
        }
        done(commit(std::move(request)));
    }

    /// Appends now and returns the outcome (what `append` passes to its callback).
    events::AppendResult commit(events::AppendRequest request) {
        std::lock_guard lock(mutex_);
        if (!unavailable.empty()) {
            return deals::unavailable(unavailable);
        }
        std::map<std::string, events::StreamVersion> after;
        for (const auto& part : request.streams) {
            auto [it, fresh] = after.try_emplace(part.stream, version_locked(part.stream));
            if (!part.expected.matches(it->second)) {
                ++conflicts_;
                return conflict("the stream " + part.stream + " is at version " +
                                std::to_string(it->second));
            }
            it->second += part.events.size();
        }
        events::Appended outcome;
        for (auto& part : request.streams) {
            for (auto& e : part.events) {
                events::RecordedEvent r;
                r.sequence = log_.size() + 1;
                r.stream = part.stream;
                r.stream_version = ++versions_[part.stream];
                r.meta = request.meta;
                r.data = std::move(e);
                log_.push_back(r);
                outcome.recorded.push_back(std::move(r));
            }
        }
        views.apply_all(outcome.recorded);  // a commit's events, as the store applies them
        outcome.current_version = versions_[request.streams.at(request.subject).stream];
        ++committed_;
        return outcome;
    }

    std::vector<events::RecordedEvent> read_stream(const std::string& stream,
                                                   events::StreamVersion from,
                                                   std::size_t limit) const override {
        std::lock_guard lock(mutex_);
        std::vector<events::RecordedEvent> out;
        for (const auto& r : log_) {
            if (r.stream == stream && r.stream_version >= from && out.size() < limit) {
                out.push_back(r);
            }
        }
        return out;
    }
    std::vector<events::RecordedEvent> read_range(events::Sequence from, events::Sequence to,
                                                  std::size_t limit) const override {
        std::lock_guard lock(mutex_);
        std::vector<events::RecordedEvent> out;
        for (const auto& r : log_) {
            if (r.sequence >= from && r.sequence <= to && out.size() < limit) {
                out.push_back(r);
            }
        }
        return out;
    }
    events::StreamVersion stream_version(const std::string& stream) const override {
        std::lock_guard lock(mutex_);
        return version_locked(stream);
    }
    events::Sequence head_sequence() const override {
        std::lock_guard lock(mutex_);
        return log_.size();
    }
    std::string head_hash() const override { return {}; }
    /// Events are not encoded here: no envelope is kept.
    std::string envelope_json(events::Sequence) const override { return {}; }
    events::LogStats stats() const override {
        std::lock_guard lock(mutex_);
        // One append a batch, with no fsync.
        return {committed_, committed_, log_.size(), conflicts_, 0, committed_ > 0 ? 1U : 0U, 0};
    }

    /// The views folded from every event appended.
    projections::Views views;

private:
    events::StreamVersion version_locked(const std::string& stream) const {
        const auto it = versions_.find(stream);
        return it == versions_.end() ? 0 : it->second;
    }

    mutable std::mutex mutex_;
    std::vector<events::RecordedEvent> log_;
    std::map<std::string, events::StreamVersion> versions_;
    std::uint64_t committed_ = 0;
    std::uint64_t conflicts_ = 0;
};

/// The views of a MemoryEventLog, through the read port.
class MemoryViews final : public projections::ViewReader {
public:
    explicit MemoryViews(const MemoryEventLog& log) : log_(log) {}
    void with_views(const std::function<void(const projections::Views&)>& f) const override {
        f(log_.views);
    }

private:
    const MemoryEventLog& log_;
};

}  // namespace deals::testing
