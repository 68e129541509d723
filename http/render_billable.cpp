#include "http/render_billable.hpp"

#include <charconv>

#include "commands/billable_commands.hpp"
#include "http/json_write.hpp"
#include "http/render.hpp"
#include "projections/billable_math.hpp"
#include "projections/search.hpp"

namespace deals::http {

namespace {

/// A money value as the billable shows it: half away to 4 decimals, then to 2.
void write_money(json::Writer& w, const events::Decimal& value) {
    write_number(w, projections::display_money(value).to_money().str());
}

/// Concord's unrounded binary total, printed as PHP's json_encode prints a double (the
/// shortest text that reads back as the same double).
void write_double(json::Writer& w, double value) {
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    write_number(w, ec == std::errc{} ? std::string(buf, end) : std::string("0"));
}

/// "taxes": one object per tax rate, with its unrounded and its shown total.
void write_taxes(json::Writer& w, const projections::BillableFigures& figures) {
    w.Key("taxes");
    w.StartArray();
    for (const auto& t : figures.taxes) {
        w.StartObject();
        w.Key("key");
        write_string(w, t.key);
        w.Key("rate");
        write_number(w, t.rate.str());
        w.Key("label");
        write_string(w, t.label);
        w.Key("raw_total");
        write_double(w, t.raw_total);
        w.Key("total");
        write_money(w, t.total);
        w.EndObject();
    }
    w.EndArray();
}

/// One product line of the billable; `amount` is the line's amount as the figures computed it.
void write_line(json::Writer& w, const projections::BillableLineView& view,
                const projections::Views& views, const events::Decimal& amount) {
    const auto& l = view.line;
    const projections::Product* product = l.product_id ? views.product(*l.product_id) : nullptr;
    w.StartObject();
    w.Key("id");
    w.Int64(l.id.value);
    w.Key("product_id");
    write_opt_id(w, l.product_id);
    w.Key("name");
    write_string(w, l.name);
    w.Key("description");
    write_opt(w, l.description);
    w.Key("unit_price");
    write_money(w, events::Decimal::from_money(l.unit_price));
    w.Key("qty");
    write_string(w, events::Decimal::from_money(l.qty).fixed(2));
    w.Key("unit");
    write_opt(w, l.unit);
    w.Key("tax_rate");
    write_number(w, l.tax_rate.str());
    w.Key("tax_label");
    write_string(w, l.tax_label);
    w.Key("discount_type");
    write_string(w, events::to_string(l.discount_type));
    w.Key("discount_total");
    write_string(w, events::Decimal::from_money(l.discount_total).fixed(2));
    w.Key("sku");
    write_opt(w, product && !product->trashed() ? product->fields.sku : std::nullopt);
    w.Key("amount");
    // Shown from the stored amount (3 decimals), as Concord does.
    write_money(w, events::Decimal::from_money(projections::deal_amount(amount)));
    w.Key("note");
    write_opt(w, l.note);
    w.Key("display_order");
    w.Int64(l.display_order);
    w.Key("created_at");
    write_string(w, view.created_at.str());
    w.Key("updated_at");
    write_string(w, view.updated_at.str());
    w.Key("was_recently_created");
    w.Bool(false);
    w.EndObject();
}

/// "products": the lines when asked for (billable.products), else an empty array.
void write_lines(json::Writer& w, const projections::BillableView& b,
                 const projections::BillableFigures& figures, const projections::Views& views,
                 bool with_products) {
    w.Key("products");
    w.StartArray();
    if (with_products) {
        for (std::size_t i = 0; i < b.lines.size(); ++i) {
            write_line(w, b.lines[i], views, figures.line_amounts[i]);
        }
    }
    w.EndArray();
}

}  // namespace

commands::Result<BillableWith> with_of(const Request& request) {
    BillableWith out = BillableWith::kNone;
    for (const auto& item : projections::split_list(request.param("with").value_or(""), ";,")) {
        if (item == "billable.products") {
            out = BillableWith::kWithProducts;
        } else if (item == "billable") {
            out = out == BillableWith::kNone ? BillableWith::kBillable : out;
        } else {
            return commands::validation(
                {{"with",
                  {"The relation " + item + " cannot be loaded; use billable or billable.products."}}});
        }
    }
    return out;
}

BillableWith billable_with(const Request& request) {
    const auto with = with_of(request);
    return with ? *with : BillableWith::kNone;
}

void write_billable(json::Writer& w, const projections::Deal& deal, const projections::Views& views,
                    bool with_products, bool created) {
    const projections::BillableView empty{commands::kDefaultTaxType, {}, {}};
    const projections::BillableView& b = deal.billable ? *deal.billable : empty;
    const auto figures = projections::figures_of(b);
    w.StartObject();
    w.Key("id");
    if (deal.billable) {
        w.Int64(deal.id.value);
    } else {
        w.Null();
    }
    w.Key("tax_type");
    write_string(w, events::to_string(b.tax_type));
    w.Key("subtotal");
    write_money(w, figures.subtotal);
    w.Key("total");
    write_money(w, figures.total);
    w.Key("total_tax");
    write_money(w, figures.total_tax);
    write_taxes(w, figures);
    w.Key("has_discount");
    w.Bool(figures.has_discount);
    w.Key("total_discount");
    write_money(w, figures.total_discount);
    write_lines(w, b, figures, views, with_products);
    w.Key("was_recently_created");
    w.Bool(created);
    w.EndObject();
}

bool may_change_product(const projections::User& user, const projections::Product& p) {
    return user.super_admin || (p.created_by && *p.created_by == user.id);
}

void write_product(json::Writer& w, const projections::Product& p, const projections::Views& views,
                   const projections::User& caller, ProductShape shape) {
    const auto& f = p.fields;
    w.StartObject();
    w.Key("id");
    w.Int64(p.id.value);
    w.Key("display_name");
    write_string(w, f.name);
    w.Key("created_at");
    write_string(w, p.created_at.str());
    w.Key("updated_at");
    write_string(w, p.updated_at.str());
    w.Key("authorizations");
    w.StartObject();
    const bool may = may_change_product(caller, p);
    for (const char* k : {"viewAny", "view", "create", "update", "delete"}) {
        const std::string_view name = k;
        w.Key(k);
        w.Bool(name == "update" || name == "delete" ? may : true);
    }
    w.EndObject();
    w.Key("was_recently_created");
    w.Bool(shape == ProductShape::kCreated);
    w.Key("name");
    write_string(w, f.name);
    w.Key("sku");
    write_opt(w, f.sku);
    w.Key("description");
    write_opt(w, f.description);
    w.Key("unit_price");
    write_number(w, f.unit_price.str());
    w.Key("direct_cost");
    write_number(w, f.direct_cost.value_or(events::Money{}).str());
    w.Key("tax_rate");
    write_number(w, f.tax_rate.str());
    w.Key("tax_label");
    write_string(w, f.tax_label);
    w.Key("unit");
    write_opt(w, f.unit);
    w.Key("is_active");
    w.Bool(f.is_active);
    w.Key("created_by");
    write_opt_id(w, p.created_by);
    w.Key("creator");
    const projections::User* creator = p.created_by ? views.user(*p.created_by) : nullptr;
    if (creator) {
        write_user(w, *creator);
    } else {
        w.Null();
    }
    if (shape != ProductShape::kListItem) {
        w.Key("actions");
        w.StartArray();
        w.EndArray();
    }
    w.EndObject();
}

}  // namespace deals::http
