#pragma once

#include "commands/association_commands.hpp"
#include "commands/billable_commands.hpp"
#include "http/json_body.hpp"

// Shared steps of the deal handlers: finding a deal the caller may see, and deciding and
// appending a change to it with optimistic concurrency.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>

#include "commands/deal_commands.hpp"
#include "http/app_context.hpp"
#include "http/request.hpp"
#include "projections/views.hpp"

namespace deals::http::handlers {

/// A positive integer id from a path segment, or nullopt.
std::optional<std::int64_t> parse_id(std::string_view text);
/// The version named by `If-Match: "N"` (0 when it names none), or nullopt without one.
std::optional<events::StreamVersion> if_match_version(const Request& request);

/// The deal with id `text` in `place` that the caller may view, or the 404 of contract §1.1.
commands::Result<const projections::Deal*> visible_deal(const projections::Views& views,
                                                        const Call& call, std::string_view text,
                                                        projections::Trash place);

/// The event metadata of a request: actor, request id, correlation id.
events::EventMeta meta_of(const Call& call);

using DealDecision = std::function<commands::Result<commands::Events>(const projections::Views&,
                                                                      const projections::Deal&)>;

/// Finds the deal (in `place`), checks `If-Match`, decides and appends with the deal's
/// version as the expected one, retrying when another request changed the deal meanwhile.
/// Events the decision leaves in `catalog` (products a billable creates, on their own streams)
/// are appended first. Returns the deal's id once the change is durable (or there was nothing
/// to change).
boost::asio::awaitable<commands::Result<events::DealId>> change_deal(
    AppContext& app, const Call& call, projections::Trash place, const DealDecision& decide,
    std::vector<events::Event>* catalog = nullptr);

/// The association keys of a body (contract §8); with `every_key`, the other keys are listed
/// as unknown (the association routes), otherwise ignored (a deal body).
commands::AssociationInput association_input(const JsonValue& body, bool every_key);

/// Appends catalog events, each to its own stream.
boost::asio::awaitable<commands::Result<bool>> append_catalog(AppContext& app, const Call& call,
                                                              std::vector<events::Event>& events);

/// The `billable` object of a deal body as a billable input (for the embedded save).
commands::BillableInput billable_input(const JsonValue& body);

/// The deal keys of a `POST`/`PUT /api/deals` body (§5.1), custom fields (`cf_…`) included.
commands::DealInput deal_input(const JsonValue& body);

/// Field errors of `b` after those of `a`, keys of `b` prefixed (`billable.products.0.qty`).
commands::Error merge_validation(const commands::Error* a, const commands::Error* b,
                                 const std::string& prefix);

/// The response for a stored deal, read from the views after a change.
Response deal_after_change(AppContext& app, const Call& call, events::DealId id, int status,
                           bool created);

/// The single-record response for the deal of the path in `place`, or its 404.
Response deal_in(AppContext& app, const Call& call, projections::Trash place);

/// Turns an append that did not succeed into the error to answer with.
commands::Error append_error(const events::AppendOutcome& outcome);

}  // namespace deals::http::handlers
