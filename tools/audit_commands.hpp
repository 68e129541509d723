#pragma once

#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace deals::tools {

/// The auditors' subcommands of dealsctl: `events`, `verify`, `replay` and `export`, and the
/// options the parse fills in. They only read, through a RocksDB secondary instance
/// (store::LogReader), so they work while a dealsd holds the data directory: main runs them
/// after the parse and before it would open the Store.
class AuditCommands {
public:
    /// Adds the four subcommands to `app`, which must not outlive this.
    explicit AuditCommands(CLI::App& app);
    ~AuditCommands();
    AuditCommands(const AuditCommands&) = delete;
    AuditCommands& operator=(const AuditCommands&) = delete;

    /// Runs the subcommand the parse chose on `data_dir` and returns its exit status; nothing
    /// when none of these was chosen.
    [[nodiscard]] std::optional<int> run(const std::string& data_dir) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace deals::tools
