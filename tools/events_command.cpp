#include "tools/events_command.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/codec.hpp"
#include "store/log_reader.hpp"
#include "store/rocks_event_log.hpp"
#include "tools/audit_support.hpp"

namespace deals::tools {

namespace {

using events::Sequence;
using events::Timestamp;

std::string corrupt(Sequence sequence, const std::string& why) {
    return "the record at sequence " + std::to_string(sequence) + " is corrupt (" + why + ")";
}

/// Whether the event of `body` occurred after `until`; an error when it says no occurred_at.
Result<bool> occurred_after(std::string_view body, Timestamp until) {
    const auto at = store::body_string(body, "occurred_at");
    const auto time = at ? Timestamp::parse(*at) : std::nullopt;
    if (!time) {
        return internal("no occurred_at");
    }
    return *time > until;
}

/// Takes the records of the scan in order and prints those the options ask for.
class Printer {
public:
    Printer(const EventsCommand& o, const std::optional<audit::Point>& until, audit::Out& out)
        : o_(o), until_(until), out_(out) {}

    /// True to go on; false to stop (past --until, --limit reached, standard output closed,
    /// or a corrupt record: `failure()` says which).
    bool operator()(Sequence sequence, std::string_view record) {
        try {
            if (until_ && until_->sequence && sequence > *until_->sequence) {
                return false;
            }
            const auto parts = store::split_record(record);
            if (until_ && until_->time) {
                const auto after = occurred_after(parts.body, *until_->time);
                if (!after) {
                    failure_ = corrupt(sequence, after.error().message);
                    return false;
                }
                if (*after) {
                    return false;  // occurred_at never goes backwards along the sequence
                }
            }
            if (!o_.types.empty()) {
                const auto type = store::body_string(parts.body, "type");
                if (!type || std::find(o_.types.begin(), o_.types.end(), *type) == o_.types.end()) {
                    return true;
                }
            }
            out_.line(store::envelope_json(record));
            ++printed_;
            return !out_.closed() && (o_.limit == 0 || printed_ < o_.limit);
        } catch (const std::exception& e) {  // a corrupt record (store/codec.hpp)
            failure_ = corrupt(sequence, e.what());
            return false;
        }
    }

    [[nodiscard]] std::uint64_t printed() const { return printed_; }
    [[nodiscard]] const std::string& failure() const { return failure_; }
    void set_failure(std::string failure) { failure_ = std::move(failure); }

private:
    const EventsCommand& o_;
    const std::optional<audit::Point>& until_;
    audit::Out& out_;
    std::uint64_t printed_ = 0;
    std::string failure_;
};

int print_events(const std::string& data_dir, const EventsCommand& o, audit::Out& out) {
    std::optional<audit::Point> until;
    if (!o.until.empty()) {
        until = audit::parse_point(o.until);
        if (!until) {
            return audit::fail("--until wants a sequence or a time (ISO-8601), not '" + o.until +
                               "'");
        }
    }
    auto reader = store::LogReader::open(data_dir);
    if (!reader) {
        return audit::fail(reader.error().message);
    }
    const store::LogHead head = (*reader)->head();
    Printer take(o, until, out);
    try {
        if (!o.stream.empty()) {
            for (const auto& r : (*reader)->read_stream_records(o.stream, 1, SIZE_MAX)) {
                if (r.sequence >= o.from && !take(r.sequence, r.bytes)) {
                    break;
                }
            }
        } else {
            (*reader)->scan(o.from, std::ref(take));
        }
    } catch (const std::exception& e) {  // a storage error (store::LogReader)
        take.set_failure(e.what());
    }
    if (!out.flush()) {
        return 1;  // nobody reads: `guarded` answers as SIGPIPE would
    }
    if (!take.failure().empty()) {
        return audit::fail(take.failure());
    }
    std::cerr << "events: " << take.printed() << " printed (head: sequence " << head.sequence << ")"
              << std::endl;
    return 0;
}

}  // namespace

CLI::App* add_events_command(CLI::App& cli, EventsCommand& command) {
    auto* cmd = cli.add_subcommand(
        "events",
        "Print the log, one event envelope (contract §16) per line; works while dealsd runs");
    cmd->add_option("--stream", command.stream, "Only this stream (e.g. deal-42)");
    cmd->add_option("--from", command.from, "From this sequence")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--until", command.until,
                    "Up to this sequence, or time (ISO-8601 or YYYY-MM-DD), inclusive");
    cmd->add_option("--type", command.types, "Only events of this type (repeatable)")
        ->delimiter(',');
    cmd->add_option("--limit", command.limit, "Stop after this many events");
    return cmd;
}

int run_events(const std::string& data_dir, const EventsCommand& command) {
    return audit::guarded([&](audit::Out& out) { return print_events(data_dir, command, out); });
}

}  // namespace deals::tools
