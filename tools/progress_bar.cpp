#include "tools/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace deals::tools {

void ProgressBar::show(std::string_view phase, std::uint64_t at, std::uint64_t total,
                       std::string_view unit) {
    if (!checked_) {
        tty_ = isatty(STDERR_FILENO) != 0;
        checked_ = true;
    }
    const auto now = Clock::now();
    const int tenth = total > 0 ? static_cast<int>(10 * std::min(at, total) / total) : 10;
    const bool phase_changed = phase != phase_;
    if (phase_changed) {
        if (tty_ && shown_) {
            std::fputs("\n", stderr);
        }
        phase_ = std::string(phase);
        phase_started_ = now;
        shown_tenth_ = -1;
    }
    if (!phase_changed &&
        (tty_ ? now - shown_at_ < std::chrono::milliseconds(200) : tenth == shown_tenth_)) {
        return;
    }
    shown_at_ = now;
    shown_tenth_ = tenth;
    shown_ = true;
    const double seconds = std::chrono::duration<double>(now - phase_started_).count();
    const double rate = seconds > 0 ? static_cast<double>(at) / seconds : 0;
    const double left = rate > 0 ? static_cast<double>(total - std::min(at, total)) / rate : 0;
    constexpr int kWidth = 30;
    const int filled = total > 0 ? static_cast<int>(kWidth * std::min(at, total) / total) : kWidth;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "%s%.*s [%s] %llu/%llu %.*s, %.0f/s, %.1f s left%s", tty_ ? "\r" : "",
                 static_cast<int>(phase.size()), phase.data(), bar.c_str(),
                 static_cast<unsigned long long>(at), static_cast<unsigned long long>(total),
                 static_cast<int>(unit.size()), unit.data(), rate, left, tty_ ? "   " : "\n");
}

void ProgressBar::end() {
    if (tty_ && shown_) {
        std::fputs("\n", stderr);
    }
    shown_ = false;
    phase_.clear();
}

}  // namespace deals::tools
