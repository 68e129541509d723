#pragma once

#include <functional>
#include <string>

#include "http/render_billable.hpp"
#include "http/request.hpp"
#include "projections/views.hpp"
#include "support/json.hpp"

namespace deals::http {

/// How much of a deal a response shows (contract §3): list items leave out the association
/// arrays and `associations_count`, search items only the count; the POST that created it
/// says `was_recently_created`.
enum class DealShape { kListItem, kSearchItem, kSingle, kCreated };

/// Writes the deal object of contract §3 as `caller` may see it, at time `now`.
/// `with` embeds the deal's billable (`?with=billable` / `?with=billable.products`).
void write_deal(json::Writer& w, const projections::Deal& deal, const projections::Views& views,
                const projections::User& caller, events::Timestamp now, DealShape shape,
                BillableWith with = BillableWith::kNone);
/// `recently_created`: the POST that created it (`was_recently_created`, the pipeline's stages
/// included).
void write_pipeline(json::Writer& w, const projections::Pipeline& pipeline,
                    const projections::Views& views, const projections::User& caller,
                    bool with_stages, bool recently_created = false);
void write_stage(json::Writer& w, const projections::Stage& stage, bool recently_created = false);
void write_user(json::Writer& w, const projections::User& user);
/// A custom field definition (contract §12).
void write_custom_field(json::Writer& w, const projections::CustomField& field,
                        bool recently_created = false);

/// `{"contacts":[{"id":…}],"companies":[…],"activities":[…]}` (GET /api/associations/…).
void write_association_arrays(json::Writer& w, const events::AssociatedIds& ids);

/// A 200 (or `status`) JSON response with the standard headers added by the session.
Response json_response(int status, std::string body);
/// A single deal response: its JSON and `ETag: "<version>"`.
Response deal_response(int status, const projections::Deal& deal, const projections::Views& views,
                       const projections::User& caller, events::Timestamp now, DealShape shape,
                       BillableWith with = BillableWith::kNone);

/// The page a listing asks for: `page` ≥ 1 else 1; `per_page` default 15, clamped to 100.
struct PageRequest {
    std::size_t page = 1;
    std::size_t per_page = 15;
};
PageRequest page_request(const Request& request);

/// The Laravel pagination body (contract §4.1) around `total` items of which those of the
/// requested page are written by `write_item(index)`. Links keep the request's other query
/// parameters.
std::string paginate(const Request& request, const PageRequest& page, std::size_t total,
                     const std::function<void(json::Writer&, std::size_t)>& write_item);

}  // namespace deals::http
