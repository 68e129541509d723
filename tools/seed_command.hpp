#pragma once

#include <CLI/CLI.hpp>

#include "tools/seed.hpp"

namespace deals::tools {

/// `dealsctl seed`: realistic deals through the command path (`seed_deals`), for benchmarks
/// and demos; prints how many and how long.
struct SeedCommand {
    SeedOptions seed;
    bool no_progress = false;
};

CLI::App* add_seed_command(CLI::App& cli, SeedCommand& command);
int run_seed(store::Store& store, const SeedCommand& command);

}  // namespace deals::tools
