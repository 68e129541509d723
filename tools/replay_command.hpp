#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace deals::tools {

/// `dealsctl replay`: the deals as they were at a sequence or time, folded from the log (one
/// API deal JSON per line), read through store::LogReader, so it works while dealsd runs.
struct ReplayCommand {
    std::string as_of;      ///< SEQ or TIME
    std::int64_t deal = 0;  ///< only this deal
    bool trashed = false;   ///< the deals in the trash instead
};

CLI::App* add_replay_command(CLI::App& cli, ReplayCommand& command);
int run_replay(const std::string& data_dir, const ReplayCommand& command);

}  // namespace deals::tools
