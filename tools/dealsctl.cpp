// dealsctl: the command-line tool for operators. It only wires the subcommands, each in a file
// of its own (`…_command.cpp`): their flags are registered before the parse, and the one given
// is run after it. `user`, `token` and `seed` write through the Store, which this file opens
// for them (so not on a directory a running dealsd holds); the others open what they need.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.hpp"
#include "tools/backup_command.hpp"
#include "tools/broker_command.hpp"
#include "tools/command_support.hpp"
#include "tools/events_command.hpp"
#include "tools/export_command.hpp"
#include "tools/rebuild_command.hpp"
#include "tools/replay_command.hpp"
#include "tools/restore_command.hpp"
#include "tools/seed_command.hpp"
#include "tools/tail_command.hpp"
#include "tools/token_command.hpp"
#include "tools/user_command.hpp"
#include "tools/verify_command.hpp"

namespace {

using namespace deals;

/// The options of every subcommand: where the data directory is, and the free space the Store
/// keeps on it.
struct Directory {
    std::string data_dir = "./var/data";
    std::uint64_t min_free_mb = 256;
};

void add_directory_options(CLI::App& cli, Directory& d) {
    cli.add_option("--data-dir", d.data_dir, "The server's data directory")
        ->envname("DEALS_DATA_DIR")
        ->capture_default_str();
    cli.add_option("--min-free-space", d.min_free_mb,
                   "MiB kept free on the data directory's file system, as dealsd keeps them")
        ->envname("DEALS_MIN_FREE_SPACE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
}

/// `run` on the Store of `d`, opened for it and closed after.
std::function<int()> on_store(const Directory& d, std::function<int(store::Store&)> run) {
    return [&d, run = std::move(run)] {
        auto store = store::Store::open({.data_dir = d.data_dir,
                                         .min_free_bytes = d.min_free_mb << 20,
                                         .clock = events::Timestamp::system_now});
        if (!store) {
            return tools::fail(store.error());
        }
        const int rc = run(**store);
        (*store)->close();
        return rc;
    };
}

/// A subcommand, as registered, and how to run it once the parse has filled in its flags.
struct Subcommand {
    CLI::App* given;
    std::function<int()> run;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"dealsctl: operate on a Relate Deals data directory"};
    cli.require_subcommand(1);
    Directory d;
    add_directory_options(cli, d);

    tools::UserCommand user;
    tools::TokenCommand token;
    tools::SeedCommand seed;
    tools::BrokerCommand broker;
    tools::TailCommand tail;
    tools::RebuildCommand rebuild;
    tools::EventsCommand events;
    tools::VerifyCommand verify;
    tools::ReplayCommand replay;
    tools::ExportCommand exporter;
    tools::BackupCommand backup;
    tools::RestoreCommand restore;
    // In the order of --help. The auditors' commands read through store::LogReader, so they
    // work while dealsd runs.
    const std::vector<Subcommand> subcommands{
        {tools::add_user_command(cli, user),
         on_store(d, [&](store::Store& s) { return tools::run_user(s, user); })},
        {tools::add_token_command(cli, token),
         on_store(d, [&](store::Store& s) { return tools::run_token(s, token); })},
        {tools::add_seed_command(cli, seed),
         on_store(d, [&](store::Store& s) { return tools::run_seed(s, seed); })},
        {tools::add_broker_command(cli, broker), [&] { return tools::run_broker(broker); }},
        {tools::add_tail_command(cli, tail), [&] { return tools::run_tail(tail); }},
        {tools::add_rebuild_command(cli, rebuild),
         [&] { return tools::run_rebuild(d.data_dir, rebuild); }},
        {tools::add_events_command(cli, events),
         [&] { return tools::run_events(d.data_dir, events); }},
        {tools::add_verify_command(cli, verify),
         [&] { return tools::run_verify(d.data_dir, verify); }},
        {tools::add_replay_command(cli, replay),
         [&] { return tools::run_replay(d.data_dir, replay); }},
        {tools::add_export_command(cli, exporter),
         [&] { return tools::run_export(d.data_dir, exporter); }},
        {tools::add_backup_command(cli, backup),
         [&] { return tools::run_backup(d.data_dir, d.min_free_mb << 20, backup); }},
        {tools::add_restore_command(cli, restore),
         [&] { return tools::run_restore(d.data_dir, restore); }},
    };

    CLI11_PARSE(cli, argc, argv);

    for (const auto& subcommand : subcommands) {
        if (*subcommand.given) {
            return subcommand.run();
        }
    }
    return 0;  // not reached: the parse requires one subcommand
}
