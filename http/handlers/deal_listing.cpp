#include "http/handlers/deal_listing.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/render.hpp"
#include "projections/policy.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Trash;
using projections::Views;

/// The keys of the deal object (contract §3) that `select` may name.
constexpr std::array kDealKeys = {
    "id", "name", "display_name", "path", "pipeline_id", "pipeline", "stage_id", "stage",
    "amount", "expected_close_date", "status", "lost_reason", "won_date", "lost_date",
    "stage_changed_date", "falls_behind_expected_close_date", "time_in_stages", "board_order",
    "user_id", "user", "owner_assigned_date", "swatch_color", "products_count", "contacts_count",
    "companies_count", "activities_count", "contacts", "companies", "activities",
    "associations_count", "billable", "created_at", "updated_at", "timeline_subject_key",
    "authorizations", "was_recently_created", "version"};

/// Everything a listing is asked besides the page.
struct Listing {
    projections::DealQuery query;
    BillableWith with = BillableWith::kNone;
    std::optional<std::vector<std::string>> select;
};

/// The listing a request asks for; custom fields make it depend on the views (read it under
/// the same lock as the listing itself).
commands::Result<Listing> listing_of(const Call& call, const Views& views) {
    Listing listing;
    auto order = order_of(call.request, views);
    if (!order) {
        return order.error();
    }
    listing.query.order = std::move(*order);
    auto search = search_of(call.request, views.deal_search_fields());
    if (!search) {
        return search.error();
    }
    listing.query.search = std::move(*search);
    auto with = with_of(call.request);
    if (!with) {
        return with.error();
    }
    listing.with = *with;
    auto select = select_of(call.request, views);
    if (!select) {
        return select.error();
    }
    listing.select = std::move(*select);
    const auto& user = call.caller->user;
    if (!projections::sees_every_deal(user)) {
        listing.query.owner = user.id;
    }
    return listing;
}

/// Writes one deal, keeping only the selected keys when `select` is given.
void write_item(json::Writer& w, const projections::Deal& deal, const Views& views,
                const Call& call, events::Timestamp now, DealShape shape, const Listing& listing) {
    if (!listing.select) {
        write_deal(w, deal, views, call.caller->user, now, shape, listing.with);
        return;
    }
    json::Buffer buffer;
    json::Writer whole(buffer);
    write_deal(whole, deal, views, call.caller->user, now, shape, listing.with);
    json::Document doc;
    doc.Parse(buffer.GetString(), buffer.GetSize());
    w.StartObject();
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
        const std::string_view key(it->name.GetString(), it->name.GetStringLength());
        if (std::find(listing.select->begin(), listing.select->end(), key) !=
            listing.select->end()) {
            w.Key(it->name.GetString(), it->name.GetStringLength());
            it->value.Accept(w);
        }
    }
    w.EndObject();
}

}  // namespace

commands::Result<std::vector<projections::DealSortKey>> order_of(const Request& request,
                                                                 const Views& views) {
    // (index length, index) -> field, direction: numeric order of the array indexes.
    std::map<std::pair<std::size_t, std::string>, std::pair<std::string, std::string>> entries;
    for (const auto& [name, value] : request.query) {
        if (name == "order") {
            const auto bar = value.find('|');
            entries[{1, "0"}] = {value.substr(0, bar),
                                 bar == std::string::npos ? "" : value.substr(bar + 1)};
        } else if (name.starts_with("order[")) {
            // order[N][field], order[N][direction], order[field], order[direction]
            std::string rest = name.substr(5);
            std::string index = "0";
            if (rest.size() > 2 && rest[1] != 'f' && rest[1] != 'd') {
                const auto close = rest.find(']');
                index = rest.substr(1, close - 1);
                rest = rest.substr(close + 1);
            }
            if (rest == "[field]") {
                entries[{index.size(), index}].first = value;
            } else if (rest == "[direction]") {
                entries[{index.size(), index}].second = value;
            }
        }
    }
    std::vector<projections::DealSortKey> keys;
    for (const auto& [_, entry] : entries) {
        const auto& [field_text, direction_text] = entry;
        if (field_text.empty()) {
            continue;  // as Concord, an entry without a field is dropped
        }
        auto field = projections::parse_deal_sort_field(field_text);
        events::CustomFieldId custom{};
        if (const auto* cf = views.custom_field_by_key(field_text); cf && cf->sortable()) {
            field = projections::DealSortField::kCustom;
            custom = cf->id;
        }
        if (!field) {
            std::string sortable(projections::deal_sort_fields());
            for (const auto* cf : views.custom_fields()) {
                if (cf->sortable()) {
                    sortable += ", " + cf->field_id;
                }
            }
            return commands::validation(
                {{"order",
                  {"The order field " + field_text + " cannot be sorted by; sortable: " +
                   sortable + "."}}});
        }
        std::string direction = direction_text;
        std::transform(direction.begin(), direction.end(), direction.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!direction.empty() && direction != "asc" && direction != "desc") {
            return commands::validation({{"order", {"The order direction must be asc or desc."}}});
        }
        keys.push_back({*field, direction == "desc", custom});
    }
    return keys;
}

std::size_t take_of(const Request& request) {
    constexpr std::size_t kMax = 1000;
    const auto take = request.param("take");
    if (!take || take->empty() || take->size() > 9 ||
        !std::all_of(take->begin(), take->end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return kMax;
    }
    const std::size_t n = std::stoul(*take);
    return n == 0 ? kMax : std::min(n, kMax);
}

commands::Result<std::optional<std::vector<std::string>>> select_of(const Request& request,
                                                                    const Views& views) {
    const auto select = request.param("select");
    if (!select) {
        return std::optional<std::vector<std::string>>{};
    }
    std::vector<std::string> keys{"id"};
    for (auto& key : projections::split_list(*select, ";")) {
        if (std::find(kDealKeys.begin(), kDealKeys.end(), key) == kDealKeys.end() &&
            views.custom_field_by_key(key) == nullptr) {
            return commands::validation(
                {{"select", {"The select key " + key + " is not a key of the deal."}}});
        }
        keys.push_back(std::move(key));
    }
    return std::optional(std::move(keys));
}

commands::Result<std::optional<projections::Search>> search_of(
    const Request& request, std::span<const projections::SearchField> fields) {
    const auto search_fields = request.param("search_fields");
    const auto search_match = request.param("search_match");
    auto parsed = projections::parse_search(
        fields, request.param("q").value_or(""),
        search_fields ? std::optional<std::string_view>(*search_fields) : std::nullopt,
        search_match ? std::optional<std::string_view>(*search_match) : std::nullopt);
    if (auto* refusal = std::get_if<projections::SearchRefusal>(&parsed)) {
        if (*refusal == projections::SearchRefusal::kNoFieldAccepted) {
            return commands::forbidden(
                "None of the search fields were accepted. Acceptable search fields are: " +
                projections::field_names(fields));
        }
        return commands::validation({{"q", {"Invalid search fields."}}});
    }
    if (auto* search = std::get_if<projections::Search>(&parsed)) {
        return std::optional(std::move(*search));
    }
    return std::optional<projections::Search>{};
}

Response deal_page(AppContext& app, const Call& call, Trash which) {
    return app.views.read([&](const Views& views) {
        auto listing = listing_of(call, views);
        if (!listing) {
            return error_response(listing.error());
        }
        const auto request = page_request(call.request);
        const std::size_t offset = (request.page - 1) * request.per_page;
        const auto page = views.find_deals(which, listing->query, offset, request.per_page);
        const auto now = app.clock();
        return json_response(
            200, paginate(call.request, request, page.total, [&](json::Writer& w, std::size_t i) {
                write_item(w, *page.items[i - offset], views, call, now, DealShape::kListItem,
                           *listing);
            }));
    });
}

awaitable<Response> list_deals(AppContext& app, const Call& call) {
    co_return deal_page(app, call, Trash::kLive);
}

awaitable<Response> search_deals(AppContext& app, const Call& call) {
    co_return app.views.read([&](const Views& views) {
        auto listing = listing_of(call, views);
        if (!listing) {
            return error_response(listing.error());
        }
        if (!listing->query.search) {
            return json_response(200, "[]");  // an empty q finds nothing (contract §4.4)
        }
        const auto page = views.find_deals(Trash::kLive, listing->query, 0, take_of(call.request));
        const auto now = app.clock();
        json::Buffer buffer;
        json::Writer w(buffer);
        w.StartArray();
        for (const auto* deal : page.items) {
            write_item(w, *deal, views, call, now, DealShape::kSearchItem, *listing);
        }
        w.EndArray();
        return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

}  // namespace deals::http::handlers
