#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace deals::tools {

/// `dealsctl backup`: a backup of the data directory into `--backup-dir` (store/backup.hpp),
/// taken by the dealsd serving it (asked over its control socket) or, when none does, by
/// dealsctl itself; or, with `--list` and `--verify`, what the backup directory holds.
struct BackupCommand {
    std::string backup_dir;
    bool list = false;
    bool verify = false;
    std::optional<std::uint64_t> id;  ///< --verify: only this backup
    bool json = false;
    bool progress = true;
};

CLI::App* add_backup_command(CLI::App& cli, BackupCommand& command);
int run_backup(const std::string& data_dir, std::uint64_t min_free_bytes,
               const BackupCommand& command);

}  // namespace deals::tools
