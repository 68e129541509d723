#include "tools/seed_command.hpp"

#include <chrono>
#include <iostream>

#include "tools/command_support.hpp"

namespace deals::tools {

CLI::App* add_seed_command(CLI::App& cli, SeedCommand& command) {
    auto* cmd = cli.add_subcommand(
        "seed", "Create realistic deals through the command path (for benchmarks and demos)");
    cmd->add_option("--deals", command.seed.deals, "How many deals")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--seed", command.seed.seed, "Random seed (same seed, same deals)")
        ->capture_default_str();
    cmd->add_option("--events-per-deal", command.seed.events_per_deal,
                    "Events per deal: 1 is a create, more adds a history (for replay benchmarks)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--owners", command.seed.owners, "Users to own deals (created when missing)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_flag("--no-progress", command.no_progress, "No progress line on stderr");
    return cmd;
}

int run_seed(store::Store& store, const SeedCommand& command) {
    SeedOptions options = command.seed;
    options.progress = !command.no_progress;
    const auto started = std::chrono::steady_clock::now();
    auto created = seed_deals(store, options);
    if (!created) {
        return fail(created.error());
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::cout << "seeded " << *created << " deals in " << took.count() << " s" << std::endl;
    return 0;
}

}  // namespace deals::tools
