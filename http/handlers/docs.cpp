#include "http/assets.hpp"
#include "http/handlers.hpp"

namespace deals::http::handlers {

namespace {

/// An embedded file as a 200 with its media type (HEAD is answered like GET by the server).
Response asset_response(std::string_view name, std::string_view content_type) {
    Response r{200, std::string(asset(name)), {}};
    r.headers.emplace_back("Content-Type", std::string(content_type));
    return r;
}

}  // namespace

boost::asio::awaitable<Response> openapi_document(AppContext&, const Call&) {
    co_return asset_response("openapi.json", "application/json");
}

boost::asio::awaitable<Response> api_reference(AppContext&, const Call&) {
    co_return asset_response("api-reference.html", "text/html; charset=utf-8");
}

boost::asio::awaitable<Response> redoc_script(AppContext&, const Call&) {
    co_return asset_response("redoc.standalone.js", "text/javascript; charset=utf-8");
}

}  // namespace deals::http::handlers
