// /api/products: the catalog (contract §7.6).

#include "commands/catalog_commands.hpp"
#include "events/decimal.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/handlers/deal_listing.hpp"
#include "http/json_body.hpp"
#include "http/render.hpp"
#include "http/render_billable.hpp"
#include "projections/collation.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Product;
using projections::Trash;
using projections::Views;

commands::ProductInput product_input(const JsonValue& body) {
    return {field(body, "name"),       field(body, "sku"),         field(body, "description"),
            field(body, "unit_price"), field(body, "direct_cost"), field(body, "tax_rate"),
            field(body, "tax_label"),  field(body, "unit"),        field(body, "is_active")};
}

commands::Result<const Product*> find_product(const Views& views, std::string_view text,
                                              bool trashed_too = false) {
    const auto id = parse_id(text);
    const Product* p = id ? views.product(events::ProductId{*id}) : nullptr;
    if (p == nullptr || (p->trashed() && !trashed_too)) {
        return commands::not_found("Product", text);
    }
    return p;
}

Response product_response(AppContext& app, const Call& call, events::ProductId id, int status,
                          ProductShape shape) {
    return app.views.read([&](const Views& views) {
        const Product* p = views.product(id);
        if (p == nullptr) {
            return error_response(commands::not_found("Product", id.str()));
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write_product(w, *p, views, call.caller->user, shape);
        return json_response(status, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

/// A product's value of search field `field` (reference §10): its text as the database shows
/// it, and its number in thousandths for numeric fields.
std::pair<std::optional<std::string>, std::optional<std::int64_t>> product_value(
    const Product& p, std::string_view field) {
    const auto& f = p.fields;
    auto money = [](const std::optional<events::Money>& m)
        -> std::pair<std::optional<std::string>, std::optional<std::int64_t>> {
        if (!m) {
            return {};
        }
        return {events::Decimal::from_money(*m).fixed(3), m->thousandths};  // as DECIMAL(15,3)
    };
    auto integer = [](std::optional<std::int64_t> v)
        -> std::pair<std::optional<std::string>, std::optional<std::int64_t>> {
        if (!v) {
            return {};
        }
        return {std::to_string(*v), *v * 1000};
    };
    if (field == "id") {
        return integer(p.id.value);
    }
    if (field == "name") {
        return {f.name, std::nullopt};
    }
    if (field == "sku") {
        return {f.sku, std::nullopt};
    }
    if (field == "description") {
        return {f.description, std::nullopt};
    }
    if (field == "unit_price") {
        return money(f.unit_price);
    }
    if (field == "tax_label") {
        return {f.tax_label, std::nullopt};
    }
    if (field == "unit") {
        return {f.unit, std::nullopt};
    }
    if (field == "is_active") {
        return integer(f.is_active ? 1 : 0);
    }
    return {};
}

/// Whether a product answers the search (the deals' query language, reference §10's fields).
bool matches(const Product& p, const projections::Search& search) {
    const auto fields = projections::product_search_fields();
    for (const auto& c : search.conditions) {
        const auto [text, number] = product_value(p, fields[c.field].name);
        const bool hit = projections::value_matches(c.op, c.value, text, number);
        if (hit != search.match_all) {
            return hit;  // the first hit of an OR, the first miss of an AND
        }
    }
    return search.match_all;
}

/// The live products, in name order, that answer the request's search.
commands::Result<std::vector<const Product*>> visible_products(const Views& views,
                                                               const Request& request,
                                                               bool active_only) {
    auto search = search_of(request, projections::product_search_fields());
    if (!search) {
        return search.error();
    }
    auto products = views.products_by_name(Trash::kLive);
    std::erase_if(products, [&](const Product* p) {
        return (active_only && !p->fields.is_active) || (*search && !matches(*p, **search));
    });
    return products;
}

/// A bare array of products: /search (an empty q finds nothing, `take` caps it) and /active.
Response product_array(AppContext& app, const Call& call, bool active_only) {
    if (!active_only && !projections::has_search_text(call.request.param("q").value_or(""))) {
        return json_response(200, "[]");
    }
    return app.views.read([&](const Views& views) {
        auto products = visible_products(views, call.request, active_only);
        if (!products) {
            return error_response(products.error());
        }
        if (!active_only && products->size() > take_of(call.request)) {
            products->resize(take_of(call.request));
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        w.StartArray();
        for (const auto* p : *products) {
            write_product(w, *p, views, call.caller->user, ProductShape::kListItem);
        }
        w.EndArray();
        return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

/// The decision that writes `events` to product `id`'s stream.
commands::Decision product_decision(events::ProductId id, events::ExpectedVersion expected,
                                    commands::Events events) {
    return commands::Decision::of("product", events::product_stream(id), expected,
                                  std::move(events));
}

/// The product of the path, when the caller may change it: its 404, or a 403.
commands::Result<const projections::Product*> changeable_product(const Views& views,
                                                                 const Call& call) {
    auto p = find_product(views, call.params.at(0));
    if (!p) {
        return p.error();
    }
    if (!may_change_product(call.caller->user, **p)) {
        return commands::forbidden("This action is unauthorized.");
    }
    return *p;
}

}  // namespace

awaitable<Response> list_products(AppContext& app, const Call& call) {
    co_return app.views.read([&](const Views& views) {
        const auto products = visible_products(views, call.request, false);
        if (!products) {
            return error_response(products.error());
        }
        return json_response(
            200, paginate(call.request, page_request(call.request), products->size(),
                          [&](json::Writer& w, std::size_t i) {
                              write_product(w, *(*products)[i], views, call.caller->user,
                                            ProductShape::kListItem);
                          }));
    });
}

awaitable<Response> search_products(AppContext& app, const Call& call) {
    co_return product_array(app, call, false);
}

awaitable<Response> active_products(AppContext& app, const Call& call) {
    co_return product_array(app, call, true);
}

awaitable<Response> show_product(AppContext& app, const Call& call) {
    co_return app.views.read([&](const Views& views) {
        auto p = find_product(views, call.params.at(0));
        if (!p) {
            return error_response(p.error());
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write_product(w, **p, views, call.caller->user, ProductShape::kSingle);
        return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

awaitable<Response> create_product(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    events::ProductId id;
    commands::Decide decide =
        [&, input = product_input(*body)](
            const projections::ViewReader& reader) -> commands::Result<commands::Decision> {
        auto fields = reader.read(
            [&](const Views& views) { return commands::validate_product(input, nullptr, views); });
        if (!fields) {
            return fields.error();
        }
        id = app.ids.next_product();  // only for a valid request
        return product_decision(
            id, events::ExpectedVersion::no_stream(),
            {events::CatalogProductCreated{id, std::move(*fields), call.caller->user.id}});
    };
    auto created = co_await run(app, call, std::move(decide));
    if (!created) {
        co_return error_response(created.error());
    }
    co_return product_response(app, call, id, 201, ProductShape::kCreated);
}

awaitable<Response> update_product(AppContext& app, const Call& call) {
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    events::ProductId id;
    commands::Decide decide = [&, input =
                                      product_input(*body)](const projections::ViewReader& reader) {
        return reader.read([&](const Views& views) -> commands::Result<commands::Decision> {
            auto p = changeable_product(views, call);
            if (!p) {
                return p.error();
            }
            auto fields = commands::validate_product(input, *p, views);
            if (!fields) {
                return fields.error();
            }
            id = (*p)->id;
            return product_decision(id, events::ExpectedVersion::any(),
                                    commands::decide_product_update(**p, *fields));
        });
    };
    auto updated = co_await run(app, call, std::move(decide));
    if (!updated) {
        co_return error_response(updated.error());
    }
    co_return product_response(app, call, id, 200, ProductShape::kSingle);
}

awaitable<Response> delete_product(AppContext& app, const Call& call) {
    commands::Decide decide = [&](const projections::ViewReader& reader) {
        return reader.read([&](const Views& views) -> commands::Result<commands::Decision> {
            auto p = changeable_product(views, call);
            if (!p) {
                return p.error();
            }
            return product_decision((*p)->id, events::ExpectedVersion::any(),
                                    {events::CatalogProductTrashed{(*p)->id}});
        });
    };
    auto deleted = co_await run(app, call, std::move(decide));
    if (!deleted) {
        co_return error_response(deleted.error());
    }
    co_return Response{204, {}, {}};
}

}  // namespace deals::http::handlers
