#pragma once

// The deal listings (contract §4): GET /api/deals, /api/deals/search and /api/trashed/deals,
// and the query language they share.

#include <optional>
#include <string>
#include <vector>

#include "commands/error.hpp"
#include "http/app_context.hpp"
#include "http/render_billable.hpp"
#include "http/request.hpp"
#include "projections/views.hpp"

namespace deals::http::handlers {

/// `order` (contract §4.2): `field|direction`, or the array form `order[N][field]` /
/// `order[N][direction]` (also `order[field]`). Empty when absent or naming no field.
commands::Result<std::vector<projections::DealSortKey>> order_of(const Request& request,
                                                                 const projections::Views& views);

/// `select=a;b` (contract §4.3): the deal keys to emit, `id` always among them; empty when
/// absent. An unknown key is a 422 on `select`.
commands::Result<std::optional<std::vector<std::string>>> select_of(
    const Request& request, const projections::Views& views);

/// `q`, `search_fields`, `search_match` (contract §4.4) against `fields`: nothing, a search,
/// or the 403 / 422 refusal.
commands::Result<std::optional<projections::Search>> search_of(
    const Request& request, std::span<const projections::SearchField> fields);

/// `take` of a /search: a positive integer, at most 1000; when absent or not a positive
/// integer, all matches up to 1000.
std::size_t take_of(const Request& request);

/// One page of the deals in `which` that the caller may view and that answer the request's
/// query (search, order, select, with), as the Laravel pagination body.
Response deal_page(AppContext& app, const Call& call, projections::Trash which);

}  // namespace deals::http::handlers
