#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>

#include "http/app_context.hpp"
#include "http/handlers.hpp"
#include "http/request.hpp"

namespace deals::http {

/// Writes under an `Idempotency-Key` (contract §13). A caller's key runs its write once: a retry
/// within 24 hours with the same request is answered with the kept response, or, when the server
/// stopped between the commit and keeping the response, with one rebuilt from the marker the
/// log wrote with the events; a different request under the key is refused (422), and a retry
/// while the first still runs is answered 409 with Retry-After. Records are typed
/// (events::IdempotencyRecord) and kept through the IdempotencyStore port. Thread-safe.
class Idempotency {
public:
    /// Answers a request as the router would (to read back what a write made).
    using Dispatch = std::function<boost::asio::awaitable<Response>(const Request&)>;

    Idempotency(AppContext& app, Dispatch dispatch);
    ~Idempotency();

    /// Runs `handler` for `call`, authenticated, under the key the request sent.
    boost::asio::awaitable<Response> run(Handler handler, Call call, std::string key);

private:
    struct InFlight;
    /// The answer to a retry from what the key's record holds.
    boost::asio::awaitable<Response> replay(const Call& call, const std::string& scoped,
                                            events::IdempotencyRecord record);
    /// The answer to a write that was committed but whose response was never kept.
    boost::asio::awaitable<Response> recovered(const Call& call,
                                               const events::IdempotencyRecord::Written& written);
    /// Keeps `r` under the key (not a server error: a retry runs those again).
    void keep(const Request& request, const std::string& scoped, const std::string& fingerprint,
              const Response& r, std::int64_t at);

    AppContext& app_;
    Dispatch dispatch_;
    std::unique_ptr<InFlight> in_flight_;
};

}  // namespace deals::http
