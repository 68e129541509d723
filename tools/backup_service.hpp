#pragma once

#include <memory>
#include <string>

#include "events/error.hpp"
#include "tools/control_socket.hpp"

namespace deals::store {
class Store;
}

namespace deals::tools {

/// dealsd's side of `dealsctl backup`: answers `{"command":"backup","backup_dir":…}` on the
/// data directory's control socket with progress lines (`{"progress":[bytes,total]}`), then
/// `{"backup":<the backup's description>}` or `{"error":"…"}`; logs each backup on stdout.
Result<std::unique_ptr<control::Server>> serve_backups(store::Store& store,
                                                       const std::string& data_dir);

}  // namespace deals::tools
