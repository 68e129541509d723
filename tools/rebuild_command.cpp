#include "tools/rebuild_command.hpp"

#include <cstdio>
#include <iostream>

#include "store/rebuild.hpp"
#include "tools/progress_bar.hpp"

namespace deals::tools {

/// The rebuild's progress on the bar: its two phases.
void show_rebuild(ProgressBar& bar, const store::RebuildProgress& p) {
    switch (p.phase) {
        case store::RebuildProgress::Phase::kFolding:
            bar.show("folding", p.events, p.total_events, "events");
            break;
        case store::RebuildProgress::Phase::kWriting:
            bar.show("writing", p.views, p.total_views, "views");
            break;
        case store::RebuildProgress::Phase::kDone:
            bar.end();
            break;
    }
}

CLI::App* add_rebuild_command(CLI::App& cli, RebuildCommand& command) {
    auto* cmd = cli.add_subcommand(
        "rebuild",
        "Rebuild every view from the event log alone (dealsd must be stopped); shows progress");
    cmd->add_flag("--json", command.json, "Print the report as JSON");
    cmd->add_flag("!--no-progress", command.progress, "No progress bar on stderr");
    cmd->add_option("--threads", command.threads, "Decoding threads (0: one per core)")
        ->check(CLI::NonNegativeNumber);
    return cmd;
}

int run_rebuild(const std::string& data_dir, const RebuildCommand& command) {
    ProgressBar bar;
    store::RebuildOptions options{data_dir, {}, command.threads};
    if (command.progress) {
        options.progress = [&bar](const store::RebuildProgress& p) { show_rebuild(bar, p); };
    }
    auto report = store::rebuild_views(options);
    if (!report) {
        std::cerr << "dealsctl rebuild: " << report.error().message << "\n";
        return 1;
    }
    const double rate =
        report->fold_seconds > 0 ? static_cast<double>(report->events) / report->fold_seconds : 0;
    const double overall =
        report->seconds() > 0 ? static_cast<double>(report->events) / report->seconds() : 0;
    if (command.json) {
        std::printf(
            "{\"head\":%llu,\"events\":%llu,\"views\":%llu,\"fold_seconds\":%.3f,"
            "\"write_seconds\":%.3f,\"seconds\":%.3f,\"events_per_second\":%.0f,"
            "\"events_per_second_overall\":%.0f}\n",
            static_cast<unsigned long long>(report->head),
            static_cast<unsigned long long>(report->events),
            static_cast<unsigned long long>(report->views), report->fold_seconds,
            report->write_seconds, report->seconds(), rate, overall);
    } else {
        std::printf(
            "rebuilt %llu views from %llu events (head %llu) in %.2f s: folding %.2f s (%.0f "
            "events/s), writing %.2f s; %.0f events/s overall\n",
            static_cast<unsigned long long>(report->views),
            static_cast<unsigned long long>(report->events),
            static_cast<unsigned long long>(report->head), report->seconds(),
            report->fold_seconds, rate, report->write_seconds, overall);
    }
    return 0;
}

}  // namespace deals::tools
