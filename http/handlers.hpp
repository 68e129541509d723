#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/app_context.hpp"
#include "http/request.hpp"

namespace deals::http {

/// Every endpoint is a free function of this one shape; router.cpp lists them in one table.
using Handler = boost::asio::awaitable<Response> (*)(AppContext&, const Call&);

namespace handlers {

boost::asio::awaitable<Response> list_deals(AppContext& app, const Call& call);
boost::asio::awaitable<Response> search_deals(AppContext& app, const Call& call);
boost::asio::awaitable<Response> show_deal(AppContext& app, const Call& call);
boost::asio::awaitable<Response> create_deal(AppContext& app, const Call& call);
boost::asio::awaitable<Response> update_deal(AppContext& app, const Call& call);
boost::asio::awaitable<Response> delete_deal(AppContext& app, const Call& call);
boost::asio::awaitable<Response> change_status(AppContext& app, const Call& call);

// Contract §13 (handlers/audit.cpp). GET /api/deals/{id} goes to show_deal_as_of, which is
// show_deal unless the query has `as_of`.
boost::asio::awaitable<Response> show_deal_as_of(AppContext& app, const Call& call);
boost::asio::awaitable<Response> deal_events(AppContext& app, const Call& call);
boost::asio::awaitable<Response> audit_head(AppContext& app, const Call& call);

boost::asio::awaitable<Response> list_trashed(AppContext& app, const Call& call);
boost::asio::awaitable<Response> show_trashed(AppContext& app, const Call& call);
boost::asio::awaitable<Response> restore_deal(AppContext& app, const Call& call);
boost::asio::awaitable<Response> purge_deal(AppContext& app, const Call& call);

boost::asio::awaitable<Response> list_pipelines(AppContext& app, const Call& call);
boost::asio::awaitable<Response> show_pipeline(AppContext& app, const Call& call);
boost::asio::awaitable<Response> pipeline_stages(AppContext& app, const Call& call);
boost::asio::awaitable<Response> list_stages(AppContext& app, const Call& call);
boost::asio::awaitable<Response> show_stage(AppContext& app, const Call& call);
boost::asio::awaitable<Response> create_pipeline(AppContext& app, const Call& call);
boost::asio::awaitable<Response> update_pipeline(AppContext& app, const Call& call);
boost::asio::awaitable<Response> delete_pipeline(AppContext& app, const Call& call);
boost::asio::awaitable<Response> create_stage(AppContext& app, const Call& call);
boost::asio::awaitable<Response> update_stage(AppContext& app, const Call& call);
boost::asio::awaitable<Response> delete_stage(AppContext& app, const Call& call);
boost::asio::awaitable<Response> list_custom_fields(AppContext& app, const Call& call);
boost::asio::awaitable<Response> show_custom_field(AppContext& app, const Call& call);
boost::asio::awaitable<Response> create_custom_field(AppContext& app, const Call& call);
boost::asio::awaitable<Response> update_custom_field(AppContext& app, const Call& call);
boost::asio::awaitable<Response> delete_custom_field(AppContext& app, const Call& call);
boost::asio::awaitable<Response> list_users(AppContext& app, const Call& call);
boost::asio::awaitable<Response> show_user(AppContext& app, const Call& call);
boost::asio::awaitable<Response> create_user(AppContext& app, const Call& call);
boost::asio::awaitable<Response> update_user(AppContext& app, const Call& call);
boost::asio::awaitable<Response> delete_user(AppContext& app, const Call& call);
boost::asio::awaitable<Response> list_tokens(AppContext& app, const Call& call);
boost::asio::awaitable<Response> create_token(AppContext& app, const Call& call);
boost::asio::awaitable<Response> delete_token(AppContext& app, const Call& call);

boost::asio::awaitable<Response> list_associations(AppContext& app, const Call& call);
boost::asio::awaitable<Response> attach_associations(AppContext& app, const Call& call);
boost::asio::awaitable<Response> sync_associations(AppContext& app, const Call& call);
boost::asio::awaitable<Response> detach_associations(AppContext& app, const Call& call);

boost::asio::awaitable<Response> show_billable(AppContext& app, const Call& call);
boost::asio::awaitable<Response> update_billable(AppContext& app, const Call& call);

boost::asio::awaitable<Response> list_products(AppContext& app, const Call& call);
boost::asio::awaitable<Response> search_products(AppContext& app, const Call& call);
boost::asio::awaitable<Response> active_products(AppContext& app, const Call& call);
boost::asio::awaitable<Response> show_product(AppContext& app, const Call& call);
boost::asio::awaitable<Response> create_product(AppContext& app, const Call& call);
boost::asio::awaitable<Response> update_product(AppContext& app, const Call& call);
boost::asio::awaitable<Response> delete_product(AppContext& app, const Call& call);

boost::asio::awaitable<Response> healthz(AppContext& app, const Call& call);
boost::asio::awaitable<Response> metrics(AppContext& app, const Call& call);

/// The API's own description (handlers/docs.cpp): the OpenAPI document, served from the binary.
boost::asio::awaitable<Response> openapi_document(AppContext& app, const Call& call);
/// The API reference page, which renders the document with the vendored Redoc, and Redoc itself.
boost::asio::awaitable<Response> api_reference(AppContext& app, const Call& call);
boost::asio::awaitable<Response> redoc_script(AppContext& app, const Call& call);

}  // namespace handlers
}  // namespace deals::http
