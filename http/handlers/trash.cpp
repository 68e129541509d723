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
    co_return co_await change_deal_response(app, call, Trash::kTrashed, std::move(decide),
                                            AfterChange::kDeal);
}

awaitable<Response> purge_deal(AppContext& app, const Call& call) {
    auto decide = commands::deal_events_only([](const projections::Deal& deal) {
        return commands::decide(deal, commands::PurgeDeal{});
    });
    co_return co_await change_deal_response(app, call, Trash::kTrashed, std::move(decide),
                                            AfterChange::kNoContent);
}

}  // namespace deals::http::handlers
