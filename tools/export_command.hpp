#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace deals::tools {

/// `dealsctl export`: the current deals as the API shows them, jsonl (one deal JSON per line) or
/// csv, from the last checkpoint's views and the events after it, read through
/// store::LogReader, so it works while dealsd runs.
struct ExportCommand {
    std::string format = "jsonl";  ///< jsonl | csv
    bool trashed = false;          ///< the deals in the trash instead
};

CLI::App* add_export_command(CLI::App& cli, ExportCommand& command);
int run_export(const std::string& data_dir, const ExportCommand& command);

}  // namespace deals::tools
