#pragma once

#include <cstdint>

#include "store/store.hpp"

namespace deals::tools {

/// What `dealsctl seed` makes.
struct SeedOptions {
    std::int64_t deals = 1000;
    std::uint64_t seed = 1;  ///< the same seed on an empty directory gives the same deals
    int owners = 8;          ///< seed users created when fewer users exist
    bool progress = true;    ///< a progress line on stderr (rate and time left)
    /// Events per deal: 1 is a create; more adds a history decided on the deal as it stands
    /// (renames and new amounts, stage moves, owner changes, won/reopened), in the same append.
    int events_per_deal = 1;
};

/// Creates realistic deals (company and product-like names with accents, amounts, stages,
/// owners, close dates, some won and lost) through the real command path: validation, decide,
/// and the log's group commit, with many appends in flight. Returns the number created, or
/// the first error, once no append is in flight any more.
Result<std::int64_t> seed_deals(store::Store& store, const SeedOptions& options);

}  // namespace deals::tools
