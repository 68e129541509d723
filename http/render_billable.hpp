#pragma once

#include "commands/error.hpp"
#include "http/request.hpp"
#include "projections/views.hpp"
#include "support/json.hpp"

namespace deals::http {

/// What `?with=` asks to embed in deal responses: `billable` (its figures) or
/// `billable.products` (its figures and lines).
enum class BillableWith { kNone, kBillable, kWithProducts };
/// `with` (contract §4.3): `billable` or `billable.products`, `;`- or `,`-separated; anything
/// else is a 422 on `with`.
commands::Result<BillableWith> with_of(const Request& request);
/// `with` for responses that do not refuse a bad one (after a change): what it validly asks.
BillableWith billable_with(const Request& request);

/// The billable JSON of contract §7.5 for `deal` (a deal without one gets `id: null`, the
/// default tax type and zeros). `created` is `was_recently_created`.
void write_billable(json::Writer& w, const projections::Deal& deal, const projections::Views& views,
                    bool with_products, bool created);

/// Everyone may see the catalog; its creator and super-admins may change or delete a product.
bool may_change_product(const projections::User& user, const projections::Product& product);

/// How much of a catalog product a response shows: single records add `actions`.
enum class ProductShape { kListItem, kSingle, kCreated };
void write_product(json::Writer& w, const projections::Product& product,
                   const projections::Views& views, const projections::User& caller,
                   ProductShape shape);

}  // namespace deals::http
