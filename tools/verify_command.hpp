#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "events/ids.hpp"

namespace deals::tools {

/// `dealsctl verify`: the hash chain recomputed over the stored bytes, read through
/// store::LogReader, so it works while dealsd runs. Exit status 1 at the first sequence that
/// does not verify.
struct VerifyCommand {
    events::Sequence from = 1;  ///< where to start, trusting its stored prev_hash
    std::string expect_hash;    ///< the hash expected at `at`
    events::Sequence at = 0;
    bool progress = false;  ///< set to whether stderr is a terminal by add_verify_command
    bool json = false;
};

CLI::App* add_verify_command(CLI::App& cli, VerifyCommand& command);
int run_verify(const std::string& data_dir, const VerifyCommand& command);

}  // namespace deals::tools
