#pragma once

// Rebuilding every projection from the log alone (`dealsctl rebuild`): the views a server
// loads at start-up are thrown away and folded again from the events, in bulk.

#include <cstdint>
#include <functional>
#include <string>

#include "events/error.hpp"
#include "events/ids.hpp"

namespace deals::store {

/// Where a rebuild stands, for a progress line.
struct RebuildProgress {
    enum class Phase { kFolding, kWriting, kDone };
    Phase phase = Phase::kFolding;
    std::uint64_t events = 0;        ///< folded so far
    std::uint64_t total_events = 0;  ///< the log's head when the rebuild started
    std::uint64_t views = 0;         ///< written so far
    std::uint64_t total_views = 0;
};

struct RebuildReport {
    events::Sequence head = 0;       ///< the last event folded
    std::uint64_t events = 0;
    std::uint64_t views = 0;         ///< views written (deals, pipelines, stages, …)
    double fold_seconds = 0;         ///< reading, decoding and applying the events
    double write_seconds = 0;        ///< writing the views and the checkpoint (synced)
    [[nodiscard]] double seconds() const { return fold_seconds + write_seconds; }
};

struct RebuildOptions {
    std::string data_dir;
    /// Called from the rebuilding thread now and then (about every 64k events or views).
    std::function<void(const RebuildProgress&)> progress;
    /// Decoding threads beside the one that reads and applies (0: one per core).
    int decode_threads = 0;
};

/// Folds every event of the log in `data_dir` into fresh views (the same `Views::apply` as the
/// server, in bulk mode), then replaces every stored view and the checkpoint with them in
/// large synced batches. Needs the directory to itself (the server stopped): RocksDB's lock
/// refuses it otherwise. Interrupted half-way, the directory stays valid: without a
/// checkpoint the server replays the whole log on its next start.
Result<RebuildReport> rebuild_views(const RebuildOptions& options);

}  // namespace deals::store
