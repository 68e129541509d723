#pragma once

#include <string>

namespace CLI {
class App;
}

namespace deals::tools {

/// Adds the auditors' subcommands to dealsctl: `events`, `verify`, `replay` and `export`. They
/// only read, through a RocksDB secondary instance (store::LogReader), so they work while a
/// dealsd holds the data directory. Each runs from its CLI11 callback and ends the parse with
/// its exit status (a CLI::RuntimeError, which CLI11_PARSE returns without printing), so that
/// main never opens the Store for them. `data_dir` is read when the command runs.
void add_audit_commands(CLI::App& app, const std::string& data_dir);

}  // namespace deals::tools
