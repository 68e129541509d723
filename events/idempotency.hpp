#pragma once

// What a write made under an `Idempotency-Key` leaves behind (contract §13), and the port that
// keeps it (store::Store implements it). Two records share a key's place: the marker the log
// writes with the request's events, in their batch (so a retry after a crash between the commit
// and the response finds that the write was made), and the response kept once it is sent.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/error.hpp"
#include "events/ids.hpp"

namespace deals::events {

struct IdempotencyRecord {
    std::string fingerprint;  ///< of the request's method, target and body (hex)
    std::int64_t at = 0;      ///< when it was made, in seconds since the epoch

    /// The marker written with the events: the request's subject stream, its version after the
    /// request and the request's last sequence.
    struct Written {
        std::string stream;
        StreamVersion version = 0;
        Sequence sequence = 0;
    };
    /// The response kept afterwards: a retry is answered with it.
    struct Kept {
        int status = 0;
        std::vector<std::pair<std::string, std::string>> headers;
        std::string body;
    };
    std::optional<Written> written;  ///< set in the marker
    std::optional<Kept> kept;        ///< set once the response is kept
};

class IdempotencyStore {
public:
    virtual ~IdempotencyStore() = default;
    /// The record kept under a scoped key; nullopt when there is none.
    virtual Result<std::optional<IdempotencyRecord>> idempotency(
        std::string_view scoped_key) const = 0;
    /// Keeps the response to a request (not synced: the marker written with the events is, and
    /// a response lost in a crash is rebuilt from it).
    virtual Result<void> keep_response(std::string_view scoped_key,
                                       const IdempotencyRecord& record) = 0;
};

}  // namespace deals::events
