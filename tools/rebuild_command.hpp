#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace deals::store {
struct RebuildProgress;
}

namespace deals::tools {

class ProgressBar;

/// `dealsctl rebuild`: every projection folded again from the log (store/rebuild.hpp).
struct RebuildCommand {
    bool json = false;
    bool progress = true;
    int threads = 0;
};

/// A rebuild's progress on `bar`: its folding and writing phases (also `dealsctl restore`).
void show_rebuild(ProgressBar& bar, const store::RebuildProgress& p);

CLI::App* add_rebuild_command(CLI::App& cli, RebuildCommand& command);
int run_rebuild(const std::string& data_dir, const RebuildCommand& command);

}  // namespace deals::tools
