#include "http/idempotency.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <set>

#include "http/error_table.hpp"
#include "support/log.hpp"
#include "support/sha256.hpp"

namespace deals::http {

namespace {

constexpr std::int64_t kWindowSeconds = 24 * 60 * 60;
constexpr std::size_t kKeyMax = 255;

Response key_error(std::string message) {
    return error_response(commands::validation({{"Idempotency-Key", {std::move(message)}}}));
}

/// A test hook, never set in production: `DEALS_TEST_CRASH_AFTER_COMMIT=<key>` kills the
/// server (SIGKILL) once a write under that Idempotency-Key has been committed and before its
/// response is kept or sent, the moment a crash is hardest to recover from.
bool crash_after_commit(std::string_view key) {
    static const char* const armed = std::getenv("DEALS_TEST_CRASH_AFTER_COMMIT");
    return armed != nullptr && key == armed;
}

/// Where the resources of a kind of stream are read (`/api/pipelines/`), or empty.
std::string collection_of(std::string_view kind) {
    if (kind == "pipeline") {
        return "/api/pipelines/";
    }
    if (kind == "product") {
        return "/api/products/";
    }
    if (kind == "custom-field") {
        return "/api/custom-fields/";
    }
    if (kind == "user") {
        return "/api/users/";
    }
    return {};
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

/// The scoped keys of the writes running now.
struct Idempotency::InFlight {
    std::mutex mutex;
    std::set<std::string> keys;

    bool claim(const std::string& scoped) {
        std::lock_guard lock(mutex);
        return keys.insert(scoped).second;
    }
    void release(const std::string& scoped) {
        std::lock_guard lock(mutex);
        keys.erase(scoped);
    }
};

Idempotency::Idempotency(AppContext& app, Dispatch dispatch)
    : app_(app), dispatch_(std::move(dispatch)), in_flight_(std::make_unique<InFlight>()) {}

Idempotency::~Idempotency() = default;

boost::asio::awaitable<Response> Idempotency::run(Handler handler, Call call, std::string key) {
    if (key.empty() || key.size() > kKeyMax) {
        co_return key_error(key.empty() ? "The Idempotency-Key may not be empty."
                                        : "The Idempotency-Key may not be greater than 255 "
                                          "characters.");
    }
    const Request& request = call.request;
    const std::string scoped = support::sha256_hex(call.caller->user.id.str() + "\n", key);
    const std::string fingerprint = support::sha256_hex(
        request.method + " " + request.path + "?" + request.query_string + "\n", request.body);
    if (!in_flight_->claim(scoped)) {
        Response busy = error_response(
            commands::conflict("A request with this Idempotency-Key is still in progress."));
        busy.headers.emplace_back("Retry-After", "1");
        co_return busy;
    }
    struct Release {
        InFlight& in_flight;
        const std::string& scoped;
        ~Release() { in_flight.release(scoped); }
    } release{*in_flight_, scoped};

    const std::int64_t now = app_.clock().micros / 1000000;
    auto found = app_.idempotency.idempotency(scoped);
    if (!found) {
        co_return error_response(found.error());
    }
    if (*found && (*found)->at + kWindowSeconds > now) {
        if ((*found)->fingerprint != fingerprint) {
            co_return key_error(
                "The Idempotency-Key has already been used for a different request.");
        }
        co_return co_await replay(call, scoped, std::move(**found));
    }

    Request marked = request;
    marked.idempotency_key = scoped;
    marked.idempotency_fingerprint = fingerprint;
    Call marked_call{marked, std::move(call.caller), std::move(call.params)};
    Response r = co_await handler(app_, marked_call);
    stamp_written(r, marked_call);  // kept with the answer: a replay carries it too
    if (crash_after_commit(key)) {
        std::raise(SIGKILL);
    }
    keep(request, scoped, fingerprint, r, now);
    co_return r;
}

boost::asio::awaitable<Response> Idempotency::replay(const Call& call, const std::string& scoped,
                                                     events::IdempotencyRecord record) {
    if (record.kept) {
        Response r{record.kept->status, std::move(record.kept->body),
                   std::move(record.kept->headers)};
        r.headers.emplace_back("Idempotent-Replayed", "true");
        co_return r;
    }
    // Only the marker the log wrote with the events: committed, response never kept.
    if (!record.written) {
        co_return error_response(commands::internal("empty idempotency record"));
    }
    // Not within a conditional expression: GCC 12 mishandles co_await inside one.
    Response r = co_await recovered(call, *record.written);
    if (r.status >= 200 && r.status < 300) {
        // As the write's own answer would have: read your writes, and --ack replicated waits
        // for it.
        r.headers.emplace_back("Deals-Sequence", std::to_string(record.written->sequence));
    }
    keep(call.request, scoped, record.fingerprint, r, app_.clock().micros / 1000000);
    r.headers.emplace_back("Idempotent-Replayed", "true");
    co_return r;
}

void Idempotency::keep(const Request& request, const std::string& scoped,
                       const std::string& fingerprint, const Response& r, std::int64_t at) {
    // Errors of the server (5xx) are not an answer to keep: a retry runs the request again.
    if (r.status >= 500) {
        return;
    }
    events::IdempotencyRecord record{fingerprint, at, {}, {}};
    record.kept = {r.status, r.headers, r.body};
    if (const auto kept = app_.idempotency.keep_response(scoped, record); !kept) {
        logging::warn("idempotency: the answer was not kept: " + kept.error().message,
                      {{"request_id", request.request_id}});
    }
}

boost::asio::awaitable<Response> Idempotency::recovered(
    const Call& call, const events::IdempotencyRecord::Written& written) {
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
    if (const auto name = events::parse_stream(written.stream); name && name->kind == "deal") {
        const std::string& deal = name->id;
        if (original.path.ends_with("/billable")) {
            get.path = "/api/deals/" + deal + "/billable";
        } else if (original.path.starts_with("/api/associations/")) {
            get.path = "/api/associations/deals/" + deal;
        } else {
            get.path = "/api/deals/" + deal;
            get.query = {{"as_of", std::to_string(written.sequence)}};
            get.query_string = "as_of=" + std::to_string(written.sequence);
        }
        status = create ? 201 : 200;
    } else if (original.path.starts_with("/api/pipeline-stages") ||
               (name && name->kind == "token")) {
        get.path.clear();  // a stage's id, or a token's secret, is not in what was kept
    } else {
        const std::string collection = name ? collection_of(name->kind) : std::string{};
        get.path = collection.empty() ? std::string{} : collection + name->id;
        status = create ? 201 : 200;
    }
    if (get.path.empty()) {
        co_return error_response(commands::conflict(
            "This request was carried out (sequence " + std::to_string(written.sequence) +
            "), but its response was lost in a restart and cannot be rebuilt."));
    }
    get.target = get.path + (get.query_string.empty() ? "" : "?" + get.query_string);
    Response r = co_await dispatch_(get);
    if (r.status == 200) {
        r.status = status;
        if (status == 201) {
            set_top_level_true(r.body, "was_recently_created");  // as the create answered
        }
    }
    co_return r;
}

}  // namespace deals::http
