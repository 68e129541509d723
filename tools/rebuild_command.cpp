#include "tools/rebuild_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "store/rebuild.hpp"

namespace deals::tools {

namespace {

using Clock = std::chrono::steady_clock;

/// A progress bar on stderr: `\r`-updated on a terminal, a line per tenth otherwise.
class Bar {
public:
    void show(const store::RebuildProgress& p) {
        const auto now = Clock::now();
        const bool done = p.phase == store::RebuildProgress::Phase::kDone;
        const std::uint64_t total =
            p.phase == store::RebuildProgress::Phase::kFolding ? p.total_events : p.total_views;
        const std::uint64_t at =
            p.phase == store::RebuildProgress::Phase::kFolding ? p.events : p.views;
        const int tenth = total > 0 ? static_cast<int>(10 * at / total) : 10;
        const bool phase_changed = p.phase != phase_;
        if (phase_changed) {
            phase_ = p.phase;
            phase_started_ = now;
            shown_tenth_ = -1;
        }
        if (!done && !phase_changed &&
            (tty_ ? now - shown_at_ < std::chrono::milliseconds(200) : tenth == shown_tenth_)) {
            return;
        }
        shown_at_ = now;
        shown_tenth_ = tenth;
        if (done) {
            if (tty_) {
                std::fputs("\n", stderr);
            }
            return;
        }
        const double seconds = std::chrono::duration<double>(now - phase_started_).count();
        const double rate = seconds > 0 ? static_cast<double>(at) / seconds : 0;
        const double left = rate > 0 ? static_cast<double>(total - std::min(at, total)) / rate : 0;
        constexpr int kWidth = 30;
        const int filled =
            total > 0 ? static_cast<int>(kWidth * std::min(at, total) / total) : kWidth;
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(kWidth, '.');
        const bool folding = p.phase == store::RebuildProgress::Phase::kFolding;
        std::fprintf(stderr, "%s%s [%s] %llu/%llu %s, %.0f/s, %.1f s left%s", tty_ ? "\r" : "",
                     folding ? "folding" : "writing", bar.c_str(),
                     static_cast<unsigned long long>(at), static_cast<unsigned long long>(total),
                     folding ? "events" : "views", rate, left, tty_ ? "   " : "\n");
    }

private:
    bool tty_ = isatty(STDERR_FILENO) != 0;
    store::RebuildProgress::Phase phase_ = store::RebuildProgress::Phase::kDone;
    Clock::time_point phase_started_ = Clock::now();
    Clock::time_point shown_at_{};
    int shown_tenth_ = -1;
};

}  // namespace

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
    Bar bar;
    store::RebuildOptions options{data_dir, {}, command.threads};
    if (command.progress) {
        options.progress = [&bar](const store::RebuildProgress& p) { bar.show(p); };
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
