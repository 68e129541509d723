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
/// bearer-token authentication and API access, and exceptions turned into 500 (logged with the
/// request id, never shown to the client). Thread-safe.
class Router {
public:
    explicit Router(AppContext& app);
    ~Router();
    boost::asio::awaitable<Response> dispatch(const Request& request);

private:
    struct InFlight;
    /// A write under an `Idempotency-Key` (contract §13): run once per caller and key, answered
    /// again from the store on a retry (router.cpp).
    boost::asio::awaitable<Response> idempotent(const Route& route, Call call, std::string key);
    /// The answer to a write that was committed but whose response was never kept.
    boost::asio::awaitable<Response> recovered(const Call& call, const std::string& stream,
                                               std::uint64_t sequence);

    AppContext& app_;
    std::unique_ptr<InFlight> in_flight_;
};

/// Resolves `Authorization: Bearer <id>|<secret>` or `Bearer <secret>` to its user.
commands::Result<Caller> authenticate(const AppContext& app, const Request& request);

}  // namespace deals::http
