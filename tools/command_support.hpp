#pragma once

// What dealsctl's subcommands share: an error on stderr, and the events of a decided command
// appended to the log of a data directory.

#include <string>

#include "commands/deal_commands.hpp"
#include "events/error.hpp"

namespace deals::store {
class Store;
}

namespace deals::tools {

/// Prints `error: <message>` on stderr; returns exit status 1.
int fail(const std::string& message);
/// The same for `error`, with one more line per field error (`  field: message`).
int fail(const Error& error);

/// Appends the events of a decided command to the new stream `stream`, waiting until they are
/// durable; 0, or 1 once it said why not.
int commit(store::Store& store, const std::string& stream, commands::Events events);

}  // namespace deals::tools
