#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/app_context.hpp"
#include "http/handlers.hpp"
#include "http/request.hpp"

namespace deals::http {

class Idempotency;

enum class Access { kPublic, kAuthenticated };

/// One entry of the route table: `{name}` segments match any one path segment.
struct Route {
    std::string_view method;
    std::string_view pattern;
    Handler handler;
    Access access;
};

/// The route table of the service (router.cpp).
const std::vector<Route>& routes();

/// Matches requests to routes and wraps every handler with the cross-cutting work: 404/405,
/// bearer-token authentication and API access, writes under an Idempotency-Key (idempotency.hpp),
/// answers to writes held until replicated under --ack replicated (acknowledge.hpp),
/// and exceptions turned into 500 (logged with the
/// request id, never shown to the client). Thread-safe.
class Router {
public:
    explicit Router(AppContext& app);
    ~Router();
    boost::asio::awaitable<Response> dispatch(const Request& request);

private:
    boost::asio::awaitable<Response> route(const Request& request);
    /// A matched route's handler, behind authentication, the Idempotency-Key and --ack.
    boost::asio::awaitable<Response> call_route(const Route& route, const Request& request,
                                                std::vector<std::string> params);
    /// A read-only replica's answer: writes to the leader (or refused), reads after waiting
    /// for `Deals-Min-Sequence`, and every answer with `Deals-Sequence: <applied>`.
    boost::asio::awaitable<Response> as_replica(const Request& request);

    AppContext& app_;
    std::unique_ptr<Idempotency> idempotency_;  ///< writes under an Idempotency-Key
};

/// Resolves `Authorization: Bearer <id>|<secret>` or `Bearer <secret>` to its user.
commands::Result<Caller> authenticate(const AppContext& app, const Request& request);

}  // namespace deals::http
