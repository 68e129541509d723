#pragma once

// What the deal handlers share: reading a deal body, naming the deal a request targets, and
// running a command on it through the executor; the one-stream decision other handlers share too.

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "commands/deal_body.hpp"
#include "commands/deal_change.hpp"
#include "http/app_context.hpp"
#include "http/json_body.hpp"
#include "http/request.hpp"
#include "projections/views.hpp"

namespace deals::http::handlers {

using commands::parse_id;

/// The version named by `If-Match: "N"` (0 when it names none), or nullopt without one.
std::optional<events::StreamVersion> if_match_version(const Request& request);

/// The deal with id `text` in `place` that the caller may view, or the 404 of contract §1.1.
commands::Result<const projections::Deal*> visible_deal(const projections::Views& views,
                                                        const Call& call, std::string_view text,
                                                        projections::Trash place);

/// The event metadata of a request: actor, request id, correlation id, Idempotency-Key.
events::EventMeta meta_of(const Call& call);

/// Runs `decide` through the executor with the request's metadata.
boost::asio::awaitable<commands::Result<commands::Executed>> run(AppContext& app, const Call& call,
                                                                 commands::Decide decide);

/// What a change to the deal of the path answers once it is durable.
enum class AfterChange {
    kDeal,       ///< 200 with the deal as it now is
    kNoContent,  ///< 204 without a body
};

/// Runs a change to the deal of the path (change_deal) and answers its error, or `answer`.
boost::asio::awaitable<Response> change_deal_response(AppContext& app, const Call& call,
                                                      projections::Trash place,
                                                      commands::DealDecide decide,
                                                      AfterChange answer);

/// Runs a change to the deal of the path (in `place`, If-Match checked); the deal's id once
/// the change is durable (or there was nothing to change).
boost::asio::awaitable<commands::Result<events::DealId>> change_deal(AppContext& app,
                                                                     const Call& call,
                                                                     projections::Trash place,
                                                                     commands::DealDecide decide);

/// A deal body (contract §5.1) as the deal commands take it.
commands::DealBody deal_body(const JsonValue& body);

/// What the deal body commands need of the request and the server.
commands::DealBodyContext body_context(AppContext& app, const Call& call);

/// The association keys of a body (contract §8); with `every_key`, the other keys are listed
/// as unknown (the association routes), otherwise ignored (a deal body).
commands::AssociationInput association_input(const JsonValue& body, bool every_key);

/// The `billable` object of a body as a billable input.
commands::BillableInput billable_input(const JsonValue& body);

/// The deal keys of a `POST`/`PUT /api/deals` body (§5.1), custom fields (`cf_…`) included.
commands::DealInput deal_input(const JsonValue& body);

/// The response for a stored deal, read from the views after a change.
Response deal_after_change(AppContext& app, const Call& call, events::DealId id, int status,
                           bool created);

/// The single-record response for the deal of the path in `place`, or its 404.
Response deal_in(AppContext& app, const Call& call, projections::Trash place);

}  // namespace deals::http::handlers
