#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/handlers/deal_listing.hpp"
#include "http/render.hpp"

namespace deals::http::handlers {

using boost::asio::awaitable;
using projections::Trash;
using projections::Views;

awaitable<Response> list_trashed(AppContext& app, const Call& call) {
    co_return deal_page(app, call, Trash::kTrashed);
}

awaitable<Response> show_trashed(AppContext& app, const Call& call) {
    co_return deal_in(app, call, Trash::kTrashed);
}

awaitable<Response> restore_deal(AppContext& app, const Call& call) {
    auto decide = commands::deal_events_only([](const projections::Deal& deal) {
        return commands::decide(deal, commands::RestoreDeal{});
    });
    auto changed = co_await change_deal(app, call, Trash::kTrashed, std::move(decide));
    if (!changed) {
        co_return error_response(changed.error());
    }
    co_return deal_after_change(app, call, *changed, 200, false);
}

awaitable<Response> purge_deal(AppContext& app, const Call& call) {
    auto decide = commands::deal_events_only([](const projections::Deal& deal) {
        return commands::decide(deal, commands::PurgeDeal{});
    });
    auto changed = co_await change_deal(app, call, Trash::kTrashed, std::move(decide));
    if (!changed) {
        co_return error_response(changed.error());
    }
    co_return Response{204, {}, {}};
}

}  // namespace deals::http::handlers
