#pragma once

namespace deals::projections {

/// Which deals or catalog products a listing wants: the live ones or the ones in the trash.
enum class Trash { kLive, kTrashed };

}  // namespace deals::projections
