#pragma once

// Replicated acknowledgements (dealsd --ack replicated): the answer to a write is held back
// until the Kafka relay has published what the write appended.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>

#include "events/ids.hpp"
#include "http/app_context.hpp"
#include "http/request.hpp"

namespace deals::http {

/// Waits, on the calling coroutine's executor and a few milliseconds at a time, until
/// `position()` reaches `sequence`, at most `wait`; whether it has. It never blocks the thread,
/// so I/O threads may wait on it. `position` is called on that executor and must be cheap.
boost::asio::awaitable<bool> reached(const std::function<events::Sequence()>& position,
                                     events::Sequence sequence, std::chrono::milliseconds wait);

/// Under Ack::kReplicated, holds back the successful answer to a write until Kafka has
/// acknowledged every event up to the sequence it carries (`Deals-Sequence`), and replaces it
/// with a 503 saying the write is committed locally but not replicated when that takes longer
/// than the ack timeout. Other answers, and every answer under Ack::kLocal, are left as they
/// are. Thread-safe.
boost::asio::awaitable<void> await_replicated(const AppContext& app, Response& response);

}  // namespace deals::http
