#include "http/handlers/deal_change.hpp"

#include <charconv>

#include "http/append.hpp"
#include "http/error_table.hpp"
#include "http/render.hpp"
#include "projections/policy.hpp"

namespace deals::http::handlers {

namespace {

constexpr int kAttempts = 5;

/// The version named by `If-Match: "N"` (quotes and a weak prefix tolerated).
std::optional<events::StreamVersion> if_match(const Request& request) {
    auto value = request.header("if-match");
    if (!value) {
        return std::nullopt;
    }
    std::string_view v = *value;
    if (v.starts_with("W/")) {
        v.remove_prefix(2);
    }
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        v = v.substr(1, v.size() - 2);
    }
    events::StreamVersion n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size()) {
        return events::StreamVersion{0};  // matches no deal: every deal has version >= 1
    }
    return n;
}

}  // namespace

std::optional<events::StreamVersion> if_match_version(const Request& request) {
    return if_match(request);
}

std::optional<std::int64_t> parse_id(std::string_view text) {
    std::int64_t id = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || p != text.data() + text.size() || id <= 0) {
        return std::nullopt;
    }
    return id;
}

commands::Result<const projections::Deal*> visible_deal(const projections::Views& views,
                                                        const Call& call, std::string_view text,
                                                        projections::Trash place) {
    const auto id = parse_id(text);
    const projections::Deal* deal = id ? views.deal(events::DealId{*id}) : nullptr;
    const bool in_place =
        deal != nullptr && deal->trashed() == (place == projections::Trash::kTrashed);
    if (!in_place || !call.caller || !projections::can_view(call.caller->user, *deal)) {
        return commands::not_found("Deal", text);
    }
    return deal;
}

events::EventMeta meta_of(const Call& call) {
    events::EventMeta meta;
    if (call.caller) {
        meta.actor.user_id = call.caller->user.id;
        meta.actor.token_id = call.caller->token_id;
    }
    meta.request_id = call.request.request_id;
    meta.correlation_id =
        call.request.correlation_id.empty() ? call.request.request_id : call.request.correlation_id;
    meta.idempotency = {call.request.idempotency_key, call.request.idempotency_fingerprint};
    return meta;
}

commands::Error append_error(const events::AppendOutcome& outcome) {
    return commands::unavailable(outcome.detail);
}

boost::asio::awaitable<commands::Result<bool>> append_catalog(AppContext& app, const Call& call,
                                                              std::vector<events::Event>& events) {
    for (auto& e : events) {
        events::AppendRequest request{
            events::stream_of(e), events::ExpectedVersion::any(), {std::move(e)}, meta_of(call)};
        const auto outcome = co_await append(app.store.log(), std::move(request));
        if (outcome.status != events::AppendStatus::kOk) {
            co_return append_error(outcome);
        }
    }
    events.clear();
    co_return true;
}

commands::Error merge_validation(const commands::Error* a, const commands::Error* b,
                                 const std::string& prefix) {
    commands::FieldErrors fields;
    if (a) {
        fields = a->fields;
    }
    if (b) {
        for (const auto& [key, messages] : b->fields) {
            fields.emplace_back(prefix + key, messages);
        }
    }
    return commands::validation(std::move(fields));
}

boost::asio::awaitable<commands::Result<events::DealId>> change_deal(
    AppContext& app, const Call& call, projections::Trash place, const DealDecision& decide,
    std::vector<events::Event>* catalog) {
    const auto expected_by_client = if_match(call.request);
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        struct Decision {
            events::DealId id;
            events::StreamVersion version;
            commands::Events events;
        };
        auto decision =
            app.store.read([&](const projections::Views& views) -> commands::Result<Decision> {
                auto deal = visible_deal(views, call, call.params.at(0), place);
                if (!deal) {
                    return deal.error();
                }
                const projections::Deal& state = **deal;
                if (expected_by_client && *expected_by_client != state.version) {
                    return commands::precondition_failed(
                        "The deal has been modified since version " +
                        std::to_string(*expected_by_client) + ".");
                }
                auto events = decide(views, state);
                if (!events) {
                    return events.error();
                }
                return Decision{state.id, state.version, std::move(*events)};
            });
        if (!decision) {
            co_return decision.error();
        }
        if (catalog && !catalog->empty()) {
            // A retry after a conflict finds these products by name and creates no others.
            auto appended = co_await append_catalog(app, call, *catalog);
            if (!appended) {
                co_return appended.error();
            }
        }
        if (decision->events.empty()) {
            co_return decision->id;
        }
        events::AppendRequest request{events::deal_stream(decision->id),
                                      events::ExpectedVersion::exactly(decision->version),
                                      std::move(decision->events), meta_of(call)};
        const auto outcome = co_await append(app.store.log(), std::move(request));
        if (outcome.status == events::AppendStatus::kOk) {
            co_return decision->id;
        }
        if (outcome.status != events::AppendStatus::kWrongExpectedVersion) {
            co_return append_error(outcome);
        }
        // Another request changed the deal between our read and our append: decide again on
        // the new state (If-Match, when given, will now answer 412).
    }
    co_return commands::conflict("The deal is being changed by other requests; try again.");
}

Response deal_after_change(AppContext& app, const Call& call, events::DealId id, int status,
                           bool created) {
    return app.store.read([&](const projections::Views& views) {
        const projections::Deal* deal = views.deal(id);
        if (deal == nullptr) {
            return error_response(commands::not_found("Deal", id.str()));
        }
        return deal_response(status, *deal, views, call.caller->user, app.clock(),
                             created ? DealShape::kCreated : DealShape::kSingle,
                             billable_with(call.request));
    });
}

}  // namespace deals::http::handlers
