#include "http/router.hpp"

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/acknowledge.hpp"
#include "http/error_table.hpp"
#include "http/idempotency.hpp"
#include "http/render.hpp"
#include "support/json.hpp"
#include "support/log.hpp"
#include "support/sha256.hpp"

namespace deals::http {

namespace h = handlers;

const std::vector<Route>& routes() {
    static const std::vector<Route> kRoutes = {
        {"GET", "/healthz", h::healthz, Access::kPublic},
        {"GET", "/metrics", h::metrics, Access::kPublic},
        {"GET", "/openapi.json", h::openapi_document, Access::kPublic},
        {"GET", "/docs", h::api_reference, Access::kPublic},
        {"GET", "/docs/redoc.standalone.js", h::redoc_script, Access::kPublic},
        {"GET", "/api/deals", h::list_deals, Access::kAuthenticated},
        {"GET", "/api/deals/search", h::search_deals, Access::kAuthenticated},
        {"POST", "/api/deals", h::create_deal, Access::kAuthenticated},
        {"GET", "/api/deals/{id}", h::show_deal_as_of, Access::kAuthenticated},
        {"GET", "/api/deals/{id}/events", h::deal_events, Access::kAuthenticated},
        {"PUT", "/api/deals/{id}", h::update_deal, Access::kAuthenticated},
        {"DELETE", "/api/deals/{id}", h::delete_deal, Access::kAuthenticated},
        {"PUT", "/api/deals/{id}/status/{status}", h::change_status, Access::kAuthenticated},
        {"GET", "/api/deals/{id}/billable", h::show_billable, Access::kAuthenticated},
        {"POST", "/api/deals/{id}/billable", h::update_billable, Access::kAuthenticated},
        {"GET", "/api/associations/deals/{id}", h::list_associations, Access::kAuthenticated},
        {"PUT", "/api/associations/deals/{id}", h::attach_associations, Access::kAuthenticated},
        {"POST", "/api/associations/deals/{id}", h::sync_associations, Access::kAuthenticated},
        {"DELETE", "/api/associations/deals/{id}", h::detach_associations, Access::kAuthenticated},
        {"GET", "/api/products", h::list_products, Access::kAuthenticated},
        {"POST", "/api/products", h::create_product, Access::kAuthenticated},
        {"GET", "/api/products/search", h::search_products, Access::kAuthenticated},
        {"GET", "/api/products/active", h::active_products, Access::kAuthenticated},
        {"GET", "/api/products/{id}", h::show_product, Access::kAuthenticated},
        {"PUT", "/api/products/{id}", h::update_product, Access::kAuthenticated},
        {"DELETE", "/api/products/{id}", h::delete_product, Access::kAuthenticated},
        {"GET", "/api/trashed/deals", h::list_trashed, Access::kAuthenticated},
        {"GET", "/api/trashed/deals/{id}", h::show_trashed, Access::kAuthenticated},
        {"POST", "/api/trashed/deals/{id}", h::restore_deal, Access::kAuthenticated},
        {"DELETE", "/api/trashed/deals/{id}", h::purge_deal, Access::kAuthenticated},
        {"GET", "/api/pipelines", h::list_pipelines, Access::kAuthenticated},
        {"POST", "/api/pipelines", h::create_pipeline, Access::kAuthenticated},
        {"GET", "/api/pipelines/{id}", h::show_pipeline, Access::kAuthenticated},
        {"PUT", "/api/pipelines/{id}", h::update_pipeline, Access::kAuthenticated},
        {"DELETE", "/api/pipelines/{id}", h::delete_pipeline, Access::kAuthenticated},
        {"GET", "/api/pipelines/{id}/stages", h::pipeline_stages, Access::kAuthenticated},
        {"GET", "/api/custom-fields", h::list_custom_fields, Access::kAuthenticated},
        {"POST", "/api/custom-fields", h::create_custom_field, Access::kAuthenticated},
        {"GET", "/api/custom-fields/{id}", h::show_custom_field, Access::kAuthenticated},
        {"PUT", "/api/custom-fields/{id}", h::update_custom_field, Access::kAuthenticated},
        {"DELETE", "/api/custom-fields/{id}", h::delete_custom_field, Access::kAuthenticated},
        {"GET", "/api/pipeline-stages", h::list_stages, Access::kAuthenticated},
        {"POST", "/api/pipeline-stages", h::create_stage, Access::kAuthenticated},
        {"GET", "/api/pipeline-stages/{id}", h::show_stage, Access::kAuthenticated},
        {"PUT", "/api/pipeline-stages/{id}", h::update_stage, Access::kAuthenticated},
        {"DELETE", "/api/pipeline-stages/{id}", h::delete_stage, Access::kAuthenticated},
        {"GET", "/api/users", h::list_users, Access::kAuthenticated},
        {"GET", "/api/users/{id}", h::show_user, Access::kAuthenticated},
        {"POST", "/api/users", h::create_user, Access::kAuthenticated},
        {"PUT", "/api/users/{id}", h::update_user, Access::kAuthenticated},
        {"DELETE", "/api/users/{id}", h::delete_user, Access::kAuthenticated},
        {"GET", "/api/audit/head", h::audit_head, Access::kAuthenticated},
        {"GET", "/api/personal-access-tokens", h::list_tokens, Access::kAuthenticated},
        {"POST", "/api/personal-access-tokens", h::create_token, Access::kAuthenticated},
        {"DELETE", "/api/personal-access-tokens/{id}", h::delete_token, Access::kAuthenticated},
    };
    return kRoutes;
}

namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        const auto slash = path.find('/');
        if (slash != 0) {
            out.push_back(path.substr(0, slash));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return out;
}

/// Each route's pattern in segments, split once: a request splits only its own path.
const std::vector<std::vector<std::string_view>>& route_segments() {
    static const auto kSplit = [] {
        std::vector<std::vector<std::string_view>> split;
        for (const Route& route : routes()) {
            split.push_back(segments(route.pattern));
        }
        return split;
    }();
    return kSplit;
}

/// The `{…}` values when the path's segments `have` match the pattern's `want`, else nullopt.
std::optional<std::vector<std::string>> match(const std::vector<std::string_view>& want,
                                              const std::vector<std::string_view>& have) {
    if (want.size() != have.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (!want[i].starts_with('{') && want[i] != have[i]) {
            return std::nullopt;
        }
    }
    std::vector<std::string> params;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].starts_with('{')) {
            params.emplace_back(have[i]);
        }
    }
    return params;
}

Response method_not_allowed(const Request& request, const std::vector<std::string_view>& allowed) {
    // Each method once, in the route table's order (several routes may share a path), HEAD
    // wherever GET is.
    std::vector<std::string_view> methods;
    for (const auto m : allowed) {
        for (const auto each : {m, m == "GET" ? std::string_view("HEAD") : std::string_view()}) {
            if (!each.empty() && std::find(methods.begin(), methods.end(), each) == methods.end()) {
                methods.push_back(each);
            }
        }
    }
    std::string list;
    for (const auto m : methods) {
        list += (list.empty() ? "" : ", ") + std::string(m);
    }
    const std::string route = request.path.substr(request.path.find_first_not_of('/'));
    Response r = error_response(TransportError::kMethodNotAllowed,
                                "The " + request.method + " method is not supported for route " +
                                    route + ". Supported methods: " + list + ".");
    r.headers.emplace_back("Allow", list);
    return r;
}

/// The SHA-256 (hex) of a token's secret, which is how the views find the token. A client
/// sends the same token on every request, and hashing it was 6% of a GET's instructions, so
/// each I/O thread keeps the hashes of the last secrets it saw. A secret's hash never changes,
/// so nothing invalidates them; revoking a token or a user's access is still seen at once, by
/// the views' lookup after it. At most 256 secrets per thread; when full, it starts afresh.
const std::string& secret_hash(std::string_view secret) {
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    thread_local std::unordered_map<std::string, std::string, Hash, std::equal_to<>> hashes;
    if (const auto it = hashes.find(secret); it != hashes.end()) {
        return it->second;
    }
    if (hashes.size() >= 256) {
        hashes.clear();
    }
    return hashes.emplace(std::string(secret), support::sha256_hex(secret)).first->second;
}

}  // namespace

commands::Result<Caller> authenticate(const AppContext& app, const Request& request) {
    const commands::Error unauthenticated{commands::ErrorCode::kUnauthenticated, "", {}};
    const auto header = request.header("authorization");
    if (!header || header->size() < 7 ||
        !std::equal(header->begin(), header->begin() + 7, "bearer ",
                    [](char a, char b) { return ascii_lower(a) == b; })) {
        return unauthenticated;
    }
    std::string_view token = std::string_view(*header).substr(7);
    std::optional<std::string_view> id_part;
    if (const auto bar = token.find('|'); bar != std::string_view::npos) {
        id_part = token.substr(0, bar);
        token.remove_prefix(bar + 1);
    }
    if (token.empty()) {
        return unauthenticated;
    }
    const std::string& hash = secret_hash(token);
    return app.views.read([&](const projections::Views& views) -> commands::Result<Caller> {
        const projections::Token* t = views.token_by_secret_hash(hash);
        if (t == nullptr || t->revoked || (id_part && *id_part != t->id.str())) {
            return unauthenticated;
        }
        const projections::User* user = views.user(t->user_id);
        if (user == nullptr) {
            return unauthenticated;
        }
        if (!user->access_api && !user->super_admin) {
            return commands::Error{commands::ErrorCode::kNoApiAccess, "", {}};
        }
        return Caller{*user, t->id};
    });
}

Router::Router(AppContext& app)
    : app_(app), idempotency_(std::make_unique<Idempotency>(app, [this](const Request& request) {
          return dispatch(request);
      })) {}

Router::~Router() = default;

namespace {

bool is_write(std::string_view method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

/// A read-only replica's answer to a write: to the leader, or refused.
Response replica_refusal(const AppContext& app, const Request& request) {
    if (app.leader_url.empty()) {
        return json_response(503, R"({"message":"This server is a read-only replica."})");
    }
    Response r{307, {}, {}};
    r.headers.emplace_back("Location", app.leader_url + request.target);
    return r;
}

/// Waits until the replica has applied `sequence`, at most `wait`; whether it has.
boost::asio::awaitable<bool> applied_by(const events::ReplicaStatus& replica,
                                        events::Sequence sequence, std::chrono::milliseconds wait) {
    const std::function<events::Sequence()> applied = [&replica] {
        return replica.replica_stats().applied;
    };
    const bool done = co_await reached(applied, sequence, wait);
    co_return done;
}

}  // namespace

boost::asio::awaitable<Response> Router::dispatch(const Request& request) {
    if (app_.replica != nullptr) {
        co_return co_await as_replica(request);
    }
    co_return co_await route(request);
}

boost::asio::awaitable<Response> Router::as_replica(const Request& request) {
    Response response;
    const auto min = request.header("deals-min-sequence");
    char* end = nullptr;
    const std::uint64_t wanted = min ? std::strtoull(min->c_str(), &end, 10) : 0;
    const bool bad_min = min && (min->empty() || *end != '\0' || (*min)[0] == '-');
    if (is_write(request.method)) {
        response = replica_refusal(app_, request);  // nothing is written through a replica
    } else if (!min && request.path.starts_with("/api/") &&
               app_.replica->replica_stats().catching_up) {
        // Its views (the users and tokens too) are served all at once, when it has caught up.
        response = json_response(
            503, R"({"message":"This replica started empty and is still reading the topic."})");
        response.headers.emplace_back("Retry-After", "1");
    } else if (bad_min) {
        response =
            error_response(commands::bad_request("Deals-Min-Sequence must be a sequence number."));
    } else {
        const bool applied = co_await applied_by(*app_.replica, wanted, app_.min_sequence_wait);
        if (applied) {
            response = co_await route(request);
        } else {
            response = json_response(503, R"({"message":"This replica has not applied sequence )" +
                                              std::to_string(wanted) + R"( yet."})");
            response.headers.emplace_back("Retry-After", "1");
        }
    }
    response.headers.emplace_back("Deals-Sequence",
                                  std::to_string(app_.replica->replica_stats().applied));
    co_return response;
}

namespace {

/// A fenced leader's answer to every write (README, Failover): the log takes nothing more.
Response no_longer_leader() {
    Response r = json_response(
        503, R"({"message":"This server is no longer the leader: another server publishes )"
             R"(to the topic now. Send writes to the new leader."})");
    r.headers.emplace_back("Retry-After", "1");
    return r;
}

}  // namespace

boost::asio::awaitable<Response> Router::route(const Request& request) {
    int matched = -1;
    try {
        std::string_view method = request.method;
        if (method == "HEAD") {
            method = "GET";  // HEAD is answered wherever GET is
        }
        std::vector<std::string_view> allowed;
        const auto have = segments(request.path);
        const auto& split = route_segments();
        for (const Route& route : routes()) {
            auto params = match(split[static_cast<std::size_t>(&route - routes().data())], have);
            if (!params) {
                continue;
            }
            if (route.method != method) {
                allowed.push_back(route.method);
                if (matched < 0) {
                    matched = static_cast<int>(&route - routes().data());  // the 405's route
                }
                continue;
            }
            matched = static_cast<int>(&route - routes().data());
            Response response;
            if (app_.relay != nullptr && is_write(method) && app_.relay->fenced()) {
                response = no_longer_leader();
            } else {
                response = co_await call_route(route, request, std::move(*params));
            }
            response.route = matched;
            co_return response;
        }
        if (!allowed.empty()) {
            Response refused = method_not_allowed(request, allowed);
            refused.route = matched;
            co_return refused;
        }
        const std::string route = request.path.size() > 1 ? request.path.substr(1) : "";
        co_return error_response(TransportError::kRouteNotFound,
                                 "The route " + route + " could not be found.");
    } catch (const std::exception& e) {
        logging::error("request failed", {{"request_id", request.request_id},
                                          {"method", request.method},
                                          {"path", request.path},
                                          {"error", e.what()}});
    }
    Response failed = error_response(commands::internal("unhandled exception"));
    failed.route = matched;
    co_return failed;
}

boost::asio::awaitable<Response> Router::call_route(const Route& route, const Request& request,
                                                    std::vector<std::string> params) {
    Call call{request, std::nullopt, std::move(params)};
    if (route.access == Access::kAuthenticated) {
        auto caller = authenticate(app_, request);
        if (!caller) {
            co_return error_response(caller.error());
        }
        call.caller = std::move(*caller);
        const std::uint64_t user_id = call.caller->user.id.value;
        if (is_write(route.method)) {
            if (auto key = request.header("idempotency-key")) {
                Response response =
                    co_await idempotency_->run(route.handler, std::move(call), std::move(*key));
                co_await await_replicated(app_, response);
                response.user_id = user_id;
                co_return response;
            }
        }
    }
    Response response = co_await route.handler(app_, call);
    stamp_written(response, call);
    co_await await_replicated(app_, response);
    if (call.caller) {
        response.user_id = call.caller->user.id.value;
    }
    co_return response;
}

}  // namespace deals::http
