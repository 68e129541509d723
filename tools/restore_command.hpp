#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deals::tools {

/// `dealsctl restore`: a new data directory from a backup (`--backup-dir`), from the Kafka
/// topic (`--kafka`), or from a backup and then the topic's events after its head, up to the
/// newest or to `--until` (point-in-time recovery). Built in a staging directory beside the
/// target and renamed into place once whole: on any failure the target is left as it was
/// (absent or empty).
struct RestoreCommand {
    std::string backup_dir;
    std::optional<std::uint64_t> id;
    std::string kafka;
    std::string topic = "deals.events";
    std::vector<std::string> kafka_config;
    std::string until;
    bool progress = true;
};

CLI::App* add_restore_command(CLI::App& cli, RestoreCommand& command);
int run_restore(const std::string& data_dir, const RestoreCommand& command);

}  // namespace deals::tools
