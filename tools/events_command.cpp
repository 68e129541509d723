#include "tools/events_command.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <iostream>
#include <stdexcept>

#include "store/codec.hpp"
#include "store/log_reader.hpp"
#include "store/rocks_event_log.hpp"
#include "tools/audit_support.hpp"

namespace deals::tools {

namespace {

using events::Sequence;
using events::Timestamp;

int print_events(const std::string& data_dir, const EventsCommand& o) {
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
    audit::Out out;
    std::uint64_t printed = 0;
    std::string failure;
    // True to go on; false to stop (past --until, --limit reached, or a corrupt record).
    const auto take = [&](Sequence sequence, std::string_view record) {
        try {
            if (until && until->sequence && sequence > *until->sequence) {
                return false;
            }
            const auto parts = store::split_record(record);
            if (until && until->time) {
                const auto at = store::body_string(parts.body, "occurred_at");
                const auto time = at ? Timestamp::parse(*at) : std::nullopt;
                if (!time) {
                    throw std::runtime_error("no occurred_at");
                }
                if (*time > *until->time) {
                    return false;  // occurred_at never goes backwards along the sequence
                }
            }
            if (!o.types.empty()) {
                const auto type = store::body_string(parts.body, "type");
                if (!type || std::find(o.types.begin(), o.types.end(), *type) == o.types.end()) {
                    return true;
                }
            }
            out.line(store::envelope_json(record));
            ++printed;
            return o.limit == 0 || printed < o.limit;
        } catch (const std::exception& e) {
            failure = "the record at sequence " + std::to_string(sequence) + " is corrupt (" +
                      e.what() + ")";
            return false;
        }
    };
    try {
        if (!o.stream.empty()) {
            for (const auto& r : (*reader)->read_stream_records(o.stream, 1, SIZE_MAX)) {
                if (r.sequence >= o.from && !take(r.sequence, r.bytes)) {
                    break;
                }
            }
        } else {
            (*reader)->scan(o.from, take);
        }
    } catch (const std::exception& e) {
        failure = e.what();
    }
    out.flush();
    if (!failure.empty()) {
        return audit::fail(failure);
    }
    std::cerr << "events: " << printed << " printed (head: sequence " << head.sequence << ")"
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
    return audit::guarded([&] { return print_events(data_dir, command); });
}

}  // namespace deals::tools
