#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace deals::tools {

/// Progress of a long run on stderr, phase by phase: a `\r`-updated bar on a terminal (five
/// times a second), a line per tenth otherwise; with the rate and the time left, e.g.
/// `folding [#####.........] 1200000/6000000 events, 410000/s, 11.7 s left`.
class ProgressBar {
public:
    /// `at` of `total` `unit` done in phase `phase`; a new phase starts the rate afresh.
    void show(std::string_view phase, std::uint64_t at, std::uint64_t total, std::string_view unit);
    /// Ends the bar's line (on a terminal).
    void end();

private:
    using Clock = std::chrono::steady_clock;
    bool tty_ = false;
    bool checked_ = false;
    bool shown_ = false;
    std::string phase_;
    Clock::time_point phase_started_ = Clock::now();
    Clock::time_point shown_at_{};
    int shown_tenth_ = -1;
};

}  // namespace deals::tools
