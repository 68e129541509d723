#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "events/ids.hpp"

namespace deals::tools {

/// `dealsctl events`: the log, one event envelope (contract §16) per line, read through
/// store::LogReader, so it works while dealsd runs.
struct EventsCommand {
    std::string stream;  ///< only this stream
    events::Sequence from = 1;
    std::string until;  ///< a sequence or a time, inclusive
    std::vector<std::string> types;
    std::uint64_t limit = 0;  ///< 0: no limit
};

CLI::App* add_events_command(CLI::App& cli, EventsCommand& command);
int run_events(const std::string& data_dir, const EventsCommand& command);

}  // namespace deals::tools
