#include "tools/replay_command.hpp"

#include <exception>
#include <iostream>

#include "store/log_reader.hpp"
#include "tools/audit_support.hpp"

namespace deals::tools {

namespace {

using events::Timestamp;

int replay(const std::string& data_dir, const ReplayCommand& o, audit::Out& out) {
    const auto point = audit::parse_point(o.as_of);
    if (!point) {
        return audit::fail("--as-of wants a sequence or a time (ISO-8601), not '" + o.as_of + "'");
    }
    auto reader = store::LogReader::open(data_dir);
    if (!reader) {
        return audit::fail(reader.error().message);
    }
    const store::LogHead head = (*reader)->head();
    if (point->sequence && *point->sequence > head.sequence) {
        return audit::fail("the log ends at sequence " + std::to_string(head.sequence) +
                           "; there is no sequence " + std::to_string(*point->sequence));
    }
    projections::Views views;
    audit::Folded folded;
    try {
        auto f =
            audit::fold(**reader, views, 1, point->sequence.value_or(head.sequence), point->time);
        if (!f) {
            return audit::fail(f.error().message);
        }
        folded = *f;
    } catch (const std::exception& e) {  // a corrupt record (store/codec.hpp)
        return audit::fail(e.what());
    }
    views.finish_load();
    // "Now" for the time-dependent keys (time_in_stages, falls_behind_expected_close_date):
    // the moment asked for.
    const Timestamp now = point->time ? *point->time : folded.last_time.value_or(Timestamp{});
    std::cerr << "replay: " << folded.applied << " events applied, as of "
              << audit::point_text(*point) << " (last event: sequence " << folded.last << ")"
              << std::endl;
    const auto caller = audit::auditor();
    if (o.deal != 0) {
        const auto* deal = views.deal(events::DealId{o.deal});
        if (deal == nullptr) {
            return audit::fail("deal " + std::to_string(o.deal) + " did not exist as of " +
                               audit::point_text(*point) + " (404)");
        }
        if (deal->trashed()) {
            std::cerr << "replay: deal " << o.deal << " was in the trash then" << std::endl;
        }
        out.line(audit::deal_json(*deal, views, caller, now));
        return 0;
    }
    for (const auto* deal : audit::deals_by_id(
             views, o.trashed ? projections::Trash::kTrashed : projections::Trash::kLive)) {
        if (out.closed()) {
            break;
        }
        out.line(audit::deal_json(*deal, views, caller, now));
    }
    return 0;
}

}  // namespace

CLI::App* add_replay_command(CLI::App& cli, ReplayCommand& command) {
    auto* cmd = cli.add_subcommand(
        "replay",
        "The deals as they were at a sequence or time, folded from the log (one API "
        "deal JSON per line)");
    cmd->add_option("--as-of", command.as_of, "SEQ or TIME (ISO-8601 or YYYY-MM-DD)")->required();
    cmd->add_option("--deal", command.deal, "Only this deal (exit 1 if it did not exist)")
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--trashed", command.trashed, "The deals in the trash instead");
    return cmd;
}

int run_replay(const std::string& data_dir, const ReplayCommand& command) {
    return audit::guarded([&](audit::Out& out) { return replay(data_dir, command, out); });
}

}  // namespace deals::tools
