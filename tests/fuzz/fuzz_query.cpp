// libFuzzer: a query string as GET /api/deals reads it: the target's decoding, then order,
// select, search and take against views holding the default pipeline.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/handlers/deal_listing.hpp"
#include "http/request.hpp"
#include "projections/views.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const deals::projections::Views views;
    deals::http::Request request;
    request.method = "GET";
    request.target = "/api/deals?" + std::string(reinterpret_cast<const char*>(data), size);
    if (!deals::http::parse_target(request)) {
        return 0;
    }
    (void)deals::http::handlers::order_of(request, views);
    (void)deals::http::handlers::select_of(request, views);
    (void)deals::http::handlers::search_of(request, views.deal_search_fields());
    (void)deals::http::handlers::take_of(request);
    return 0;
}
