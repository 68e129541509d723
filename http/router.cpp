#include "http/router.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>

#include "http/error_table.hpp"
#include "support/json.hpp"
#include "support/sha256.hpp"

namespace deals::http {

namespace h = handlers;

const std::vector<Route>& routes() {
    static const std::vector<Route> kRoutes = {
        {"GET", "/healthz", h::healthz, Access::kPublic},
        {"GET", "/metrics", h::metrics, Access::kPublic},
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
        {"DELETE", "/api/associations/deals/{id}", h::detach_associations,
         Access::kAuthenticated},
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

/// The `{…}` values when `path` matches `pattern`, else nullopt.
std::optional<std::vector<std::string>> match(std::string_view pattern, std::string_view path) {
    const auto want = segments(pattern);
    const auto have = segments(path);
    if (want.size() != have.size()) {
        return std::nullopt;
    }
    std::vector<std::string> params;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].starts_with('{')) {
            params.emplace_back(have[i]);
        } else if (want[i] != have[i]) {
            return std::nullopt;
        }
    }
    return params;
}

Response method_not_allowed(const Request& request, const std::vector<std::string_view>& allowed) {
    std::string list;
    for (const auto m : allowed) {
        list += (list.empty() ? "" : ", ") + std::string(m);
        if (m == "GET") {
            list += ", HEAD";
        }
    }
    const std::string route = request.path.substr(request.path.find_first_not_of('/'));
    Response r = error_response(TransportError::kMethodNotAllowed,
                                "The " + request.method + " method is not supported for route " +
                                    route + ". Supported methods: " + list + ".");
    r.headers.emplace_back("Allow", list);
    return r;
}

}  // namespace

commands::Result<Caller> authenticate(const AppContext& app, const Request& request) {
    const commands::Error unauthenticated{commands::ErrorCode::kUnauthenticated, "", {}};
    const auto header = request.header("authorization");
    if (!header || header->size() < 7 ||
        !std::equal(header->begin(), header->begin() + 7, "bearer ",
                    [](char a, char b) { return std::tolower(a) == b; })) {
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
    const std::string hash = support::sha256_hex(token);
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

struct Router::InFlight {
    std::mutex mutex;
    std::set<std::string> keys;  ///< scoped keys of the writes running now
};

Router::Router(AppContext& app) : app_(app), in_flight_(std::make_unique<InFlight>()) {}

Router::~Router() = default;

namespace {

constexpr std::int64_t kIdempotencyWindowSeconds = 24 * 60 * 60;
constexpr std::size_t kIdempotencyKeyMax = 255;

bool is_write(std::string_view method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

Response idempotency_error(std::string message) {
    return error_response(commands::validation({{"Idempotency-Key", {std::move(message)}}}));
}

/// The response kept for a retry: status, the handler's headers and the body, as JSON.
std::string encode_kept(const std::string& fingerprint, const Response& r, std::int64_t at) {
    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("fingerprint");
    w.String(fingerprint.data(), static_cast<rapidjson::SizeType>(fingerprint.size()));
    w.Key("status");
    w.Int(r.status);
    w.Key("headers");
    w.StartArray();
    for (const auto& [name, value] : r.headers) {
        w.StartArray();
        w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
        w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
        w.EndArray();
    }
    w.EndArray();
    w.Key("body");
    w.String(r.body.data(), static_cast<rapidjson::SizeType>(r.body.size()));
    w.Key("at");
    w.Int64(at);
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

/// A test hook, never set in production: `DEALS_TEST_CRASH_AFTER_COMMIT=<key>` kills the
/// server (SIGKILL) once a write under that Idempotency-Key has been committed and before its
/// response is kept or sent, the moment a crash is hardest to recover from.
bool crash_after_commit(std::string_view key) {
    static const char* const armed = std::getenv("DEALS_TEST_CRASH_AFTER_COMMIT");
    return armed != nullptr && key == armed;
}

/// `deal-42` → 42 when `stream` is of `kind`.
std::optional<std::string> stream_id(const std::string& stream, std::string_view kind) {
    if (stream.size() <= kind.size() + 1 || !stream.starts_with(kind) ||
        stream[kind.size()] != '-') {
        return std::nullopt;
    }
    return stream.substr(kind.size() + 1);
}

/// Sets the top-level `"key":false` of a JSON object to true (nested objects untouched).
void set_top_level_true(std::string& body, std::string_view key) {
    const std::string member = "\"" + std::string(key) + "\":false";
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        } else if (c == '"') {
            if (depth == 1 && body.compare(i, member.size(), member) == 0) {
                body.replace(i + member.size() - 5, 5, "true");
                return;
            }
            in_string = true;
        }
    }
}

}  // namespace

boost::asio::awaitable<Response> Router::recovered(const Call& call, const std::string& stream,
                                                   std::uint64_t sequence) {
    const Request& original = call.request;
    if (original.method == "DELETE") {
        co_return Response{204, {}, {}};
    }
    // The resource the write answered with, read back: a deal as it stood right after the write
    // (`as_of` its last event), anything else as it is now.
    Request get = original;
    get.method = "GET";
    get.body.clear();
    get.query.clear();
    get.query_string.clear();
    get.idempotency_key.clear();
    get.idempotency_fingerprint.clear();
    int status = 200;
    const bool create = original.method == "POST" &&
                        std::count(original.path.begin(), original.path.end(), '/') == 2;
    if (auto deal = stream_id(stream, "deal")) {
        if (original.path.ends_with("/billable")) {
            get.path = "/api/deals/" + *deal + "/billable";
        } else if (original.path.starts_with("/api/associations/")) {
            get.path = "/api/associations/deals/" + *deal;
        } else {
            get.path = "/api/deals/" + *deal;
            get.query = {{"as_of", std::to_string(sequence)}};
            get.query_string = "as_of=" + std::to_string(sequence);
        }
        status = create ? 201 : 200;
    } else if (original.path.starts_with("/api/pipeline-stages") ||
               stream.starts_with("token-")) {
        get.path.clear();  // a stage's id, or a token's secret, is not in what was kept
    } else {
        for (const auto& [kind, collection] :
             {std::pair<std::string_view, std::string_view>{"pipeline", "/api/pipelines/"},
              {"product", "/api/products/"},
              {"custom-field", "/api/custom-fields/"},
              {"user", "/api/users/"}}) {
            if (auto id = stream_id(stream, kind)) {
                get.path = std::string(collection) + *id;
            }
        }
        status = create ? 201 : 200;
    }
    if (get.path.empty()) {
        co_return error_response(commands::conflict(
            "This request was carried out (sequence " + std::to_string(sequence) +
            "), but its response was lost in a restart and cannot be rebuilt."));
    }
    get.target = get.path + (get.query_string.empty() ? "" : "?" + get.query_string);
    Response r = co_await dispatch(get);
    if (r.status == 200) {
        r.status = status;
        if (status == 201) {
            set_top_level_true(r.body, "was_recently_created");  // as the create answered
        }
    }
    co_return r;
}

boost::asio::awaitable<Response> Router::idempotent(const Route& route, Call call,
                                                    std::string key) {
    if (key.empty() || key.size() > kIdempotencyKeyMax) {
        co_return idempotency_error(key.empty()
                                        ? "The Idempotency-Key may not be empty."
                                        : "The Idempotency-Key may not be greater than 255 "
                                          "characters.");
    }
    const Request& request = call.request;
    const std::string scoped = support::sha256_hex(call.caller->user.id.str() + "\n", key);
    const std::string fingerprint = support::sha256_hex(
        request.method + " " + request.path + "?" + request.query_string + "\n", request.body);
    bool claimed = false;
    {
        std::lock_guard lock(in_flight_->mutex);
        claimed = in_flight_->keys.insert(scoped).second;
    }
    if (!claimed) {
        Response busy = error_response(
            commands::conflict("A request with this Idempotency-Key is still in progress."));
        busy.headers.emplace_back("Retry-After", "1");
        co_return busy;
    }
    struct Release {
        InFlight& in_flight;
        const std::string& scoped;
        ~Release() {
            std::lock_guard lock(in_flight.mutex);
            in_flight.keys.erase(scoped);
        }
    } release{*in_flight_, scoped};

    const std::int64_t now = app_.clock().micros / 1000000;
    if (const auto kept = app_.store.idempotency(scoped)) {
        json::Document doc;
        doc.Parse(kept->data(), kept->size());
        if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("fingerprint") ||
            !doc["fingerprint"].IsString() || !doc.HasMember("at") || !doc["at"].IsInt64()) {
            throw std::runtime_error("corrupt idempotency record");
        }
        if (doc["at"].GetInt64() + kIdempotencyWindowSeconds > now) {
            if (fingerprint != doc["fingerprint"].GetString()) {
                co_return idempotency_error(
                    "The Idempotency-Key has already been used for a different request.");
            }
            if (doc.HasMember("status")) {
                Response r{doc["status"].GetInt(),
                           std::string(doc["body"].GetString(), doc["body"].GetStringLength()),
                           {}};
                for (const auto& h : doc["headers"].GetArray()) {
                    r.headers.emplace_back(h[0].GetString(), h[1].GetString());
                }
                r.headers.emplace_back("Idempotent-Replayed", "true");
                co_return r;
            }
            // Only the marker the log wrote with the events: committed, response never kept.
            Response r = co_await recovered(call, doc["stream"].GetString(),
                                            doc["sequence"].GetUint64());
            if (r.status < 500) {
                (void)app_.store.put_idempotency(scoped, encode_kept(fingerprint, r, now));
            }
            r.headers.emplace_back("Idempotent-Replayed", "true");
            co_return r;
        }
    }

    Request marked = request;
    marked.idempotency_key = scoped;
    marked.idempotency_fingerprint = fingerprint;
    Call run{marked, std::move(call.caller), std::move(call.params)};
    Response r = co_await route.handler(app_, run);
    if (crash_after_commit(key)) {
        std::raise(SIGKILL);
    }
    // Errors of the server (5xx) are not an answer to keep: a retry runs the request again.
    if (r.status < 500) {
        if (const auto kept = app_.store.put_idempotency(scoped, encode_kept(fingerprint, r, now));
            !kept) {
            std::cerr << "warning: request " << request.request_id << ": " << kept.error()
                      << std::endl;
        }
    }
    co_return r;
}

boost::asio::awaitable<Response> Router::dispatch(const Request& request) {
    try {
        std::string_view method = request.method;
        if (method == "HEAD") {
            method = "GET";  // HEAD is answered wherever GET is
        }
        std::vector<std::string_view> allowed;
        for (const Route& route : routes()) {
            auto params = match(route.pattern, request.path);
            if (!params) {
                continue;
            }
            if (route.method != method) {
                allowed.push_back(route.method);
                continue;
            }
            Call call{request, std::nullopt, std::move(*params)};
            if (route.access == Access::kAuthenticated) {
                auto caller = authenticate(app_, request);
                if (!caller) {
                    co_return error_response(caller.error());
                }
                call.caller = std::move(*caller);
                if (is_write(method)) {
                    if (auto key = request.header("idempotency-key")) {
                        co_return co_await idempotent(route, std::move(call), std::move(*key));
                    }
                }
            }
            co_return co_await route.handler(app_, call);
        }
        if (!allowed.empty()) {
            co_return method_not_allowed(request, allowed);
        }
        const std::string route = request.path.size() > 1 ? request.path.substr(1) : "";
        co_return error_response(TransportError::kRouteNotFound,
                                 "The route " + route + " could not be found.");
    } catch (const std::exception& e) {
        std::cerr << "error: request " << request.request_id << " " << request.method << " "
                  << request.path << " failed: " << e.what() << std::endl;
    }
    co_return error_response(commands::internal("unhandled exception"));
}

}  // namespace deals::http
