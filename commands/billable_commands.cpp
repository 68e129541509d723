#include "commands/billable_commands.hpp"

#include <algorithm>
#include <stdexcept>

#include "projections/billable_math.hpp"
#include "projections/billable_tally.hpp"
#include "projections/collation.hpp"

namespace deals::commands {

namespace {

constexpr std::size_t kMaxString = 191;

/// Laravel's attribute name: `products.0.unit_price` is shown as `products.0.unit price`.
std::string label(const std::string& key) {
    std::string out = key;
    std::replace(out.begin(), out.end(), '_', ' ');
    return out;
}

bool numeric(const FieldValue& v) {
    return (v.is_number() || v.is_string()) && Money::parse(v.text).has_value();
}

bool integer(const FieldValue& v) {
    if (!(v.is_number() || v.is_string()) || v.text.empty()) {
        return false;
    }
    const std::size_t start = v.text[0] == '-' ? 1 : 0;
    return start < v.text.size() &&
           v.text.find_first_not_of("0123456789", start) == std::string::npos && v.text.size() < 18;
}

/// Rounds half away from zero to `places` (≤ 3) decimals.
Money round_to(Money m, int places) {
    std::int64_t step = 1;
    for (int i = places; i < 3; ++i) {
        step *= 10;
    }
    const std::int64_t t = m.thousandths;
    const std::int64_t q = (t >= 0 ? t + step / 2 : t - step / 2) / step;
    return Money::from_thousandths(q * step);
}

std::optional<std::string> optional_text(const FieldValue& v) {
    return v.missing() ? std::nullopt : std::optional(v.text);
}

/// A nullable string of at most 191 characters.
void check_string(FieldErrorsBuilder& errors, const FieldValue& v, const std::string& key,
                  const std::string& shown, bool limit) {
    if (v.missing()) {
        return;
    }
    if (!v.is_string()) {
        errors.add(key, "The " + shown + " field must be a string.");
    } else if (limit && projections::utf8_length(v.text) > kMaxString) {
        errors.add(key, "The " + shown + " field must not be greater than 191 characters.");
    }
}

/// The keys of a line's fields (`products.3.qty`) and their names in messages.
struct LineKeys {
    std::string prefix;
    [[nodiscard]] std::string key(const char* field) const { return prefix + field; }
};

/// `id`, `product_id` and `name` (required without a product_id).
void validate_line_names(FieldErrorsBuilder& errors, const BillableLineInput& in,
                         const LineKeys& keys, LineChange& out) {
    auto key = [&](const char* field) { return keys.key(field); };
    if (in.id.present() && !in.id.is_null()) {
        if (integer(in.id)) {
            out.id = BillableProductId{std::stoll(in.id.text)};
        } else {
            errors.add(key("id"), "The " + label(key("id")) + " field must be an integer.");
        }
    }
    if (!in.product_id.missing()) {
        if (integer(in.product_id)) {
            out.product_id = ProductId{std::stoll(in.product_id.text)};
        } else {
            errors.add(key("product_id"),
                       "The " + label(key("product_id")) + " field must be an integer.");
        }
    }
    if (in.name.missing()) {
        if (in.product_id.missing()) {
            errors.add(key("name"), "The Product field is required.");
        }
    } else {
        check_string(errors, in.name, key("name"), "Product", true);
        out.name = in.name.text;
    }
}

/// `description`, `unit_price` and `qty`.
void validate_line_amounts(FieldErrorsBuilder& errors, const BillableLineInput& in,
                           const LineKeys& keys, LineChange& out) {
    auto key = [&](const char* field) { return keys.key(field); };
    check_string(errors, in.description, key("description"), label(key("description")), false);
    out.description = optional_text(in.description);
    out.sent.description = in.description.present();
    if (in.unit_price.missing()) {
        errors.add(key("unit_price"), "The " + label(key("unit_price")) + " field is required.");
    } else if (!numeric(in.unit_price)) {
        errors.add(key("unit_price"),
                   "The " + label(key("unit_price")) + " field must be a number.");
    } else {
        out.unit_price = *Money::parse(in.unit_price.text);
    }
    out.qty = Money::units(1);
    out.sent.qty = !in.qty.missing();
    if (!in.qty.missing()) {
        const int places = decimal_places(in.qty.text);
        const auto qty = numeric(in.qty) ? Money::parse(in.qty.text) : std::nullopt;
        if (!qty || places < 0 || places > 2 || qty->thousandths < 0 || in.qty.text[0] == '-' ||
            in.qty.text[0] == '+') {
            errors.add(key("qty"), "The " + label(key("qty")) + " field format is invalid.");
        } else {
            out.qty = round_to(*qty, 2);
        }
    }
}

/// `discount_type` and `discount_total`.
void validate_line_discount(FieldErrorsBuilder& errors, const BillableLineInput& in,
                            const LineKeys& keys, LineChange& out) {
    auto key = [&](const char* field) { return keys.key(field); };
    out.sent.discount_type = !in.discount_type.missing();
    if (!in.discount_type.missing()) {
        const auto type = in.discount_type.is_string() ? parse_discount_type(in.discount_type.text)
                                                       : std::nullopt;
        if (!type) {
            errors.add(key("discount_type"),
                       "The selected " + label(key("discount_type")) + " is invalid.");
        } else {
            out.discount_type = *type;
        }
    }
    out.sent.discount_total = !in.discount_total.missing();
    if (!in.discount_total.missing()) {
        if (!numeric(in.discount_total)) {
            errors.add(key("discount_total"),
                       "The " + label(key("discount_total")) + " field must be a number.");
        } else {
            out.discount_total = round_to(*Money::parse(in.discount_total.text), 2);
        }
    }
}

/// `tax_label`, `tax_rate`, `unit`, `note` and `display_order` (by default the line's place).
void validate_line_rest(FieldErrorsBuilder& errors, const BillableLineInput& in,
                        const LineKeys& keys, std::size_t index, LineChange& out) {
    auto key = [&](const char* field) { return keys.key(field); };
    check_string(errors, in.tax_label, key("tax_label"), label(key("tax_label")), true);
    out.tax_label = in.tax_label.missing() ? "TAX" : in.tax_label.text;
    out.sent.tax_label = !in.tax_label.missing();
    out.sent.tax_rate = !in.tax_rate.missing();
    if (!in.tax_rate.missing()) {
        const std::string shown = label(key("tax_rate"));
        if (!numeric(in.tax_rate)) {
            errors.add(key("tax_rate"), "The " + shown + " field must be a number.");
        } else if (const int places = decimal_places(in.tax_rate.text); places < 0 || places > 3) {
            errors.add(key("tax_rate"), "The " + shown + " field must have 0-3 decimal places.");
        } else if (Money::parse(in.tax_rate.text)->thousandths < 0) {
            errors.add(key("tax_rate"), "The " + shown + " field must be at least 0.");
        } else {
            out.tax_rate = *Money::parse(in.tax_rate.text);
        }
    }
    check_string(errors, in.unit, key("unit"), label(key("unit")), true);
    out.unit = optional_text(in.unit);
    out.sent.unit = in.unit.present();
    check_string(errors, in.note, key("note"), label(key("note")), false);
    out.note = optional_text(in.note);
    out.sent.note = in.note.present();
    out.sent.display_order = !in.display_order.missing();
    out.display_order = static_cast<std::int64_t>(index) + 1;
    if (!in.display_order.missing()) {
        if (integer(in.display_order)) {
            out.display_order = std::stoll(in.display_order.text);
        } else {
            errors.add(key("display_order"),
                       "The " + label(key("display_order")) + " field must be an integer.");
        }
    }
}

/// A line's fields in the contract's order, their errors under `products.<index>.`.
LineChange validate_line(FieldErrorsBuilder& errors, const BillableLineInput& in,
                         std::size_t index) {
    const LineKeys keys{"products." + std::to_string(index) + "."};
    LineChange out;
    validate_line_names(errors, in, keys, out);
    validate_line_amounts(errors, in, keys, out);
    validate_line_discount(errors, in, keys, out);
    validate_line_rest(errors, in, keys, index, out);
    return out;
}

}  // namespace

Result<SaveBillable> validate_billable(const BillableInput& input) {
    FieldErrorsBuilder errors;
    SaveBillable out;
    if (!input.tax_type.missing()) {
        const auto type =
            input.tax_type.is_string() ? parse_tax_type(input.tax_type.text) : std::nullopt;
        if (!type) {
            errors.add("tax_type", "The selected tax type is invalid.");
        } else {
            out.tax_type = *type;
        }
    }
    if (!input.products.missing() && input.products.kind != FieldValue::Kind::kArray) {
        errors.add("products", "The products field must be an array.");
    }
    for (std::size_t i = 0; i < input.lines.size(); ++i) {
        out.lines.push_back(validate_line(errors, input.lines[i], i));
    }
    if (!input.removed_products.missing() &&
        input.removed_products.kind != FieldValue::Kind::kArray) {
        errors.add("removed_products", "The removed products field must be an array.");
    }
    for (const auto& id : input.removed) {
        if (integer(id)) {  // anything else cannot name a line: ignored, as unknown ids are
            out.removed.push_back(BillableProductId{std::stoll(id.text)});
        }
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return out;
}

BillableTotals totals_of(const projections::BillableView& billable,
                         std::optional<Money> amount_before) {
    const auto figures = projections::figures_of(billable);
    for (const auto& amount : figures.line_amounts) {
        (void)projections::deal_amount(amount);  // each line's stored amount must fit too
    }
    projections::BillableTally::Figures sums{figures.subtotal,     figures.total_discount,
                                             figures.total_tax,    figures.total,
                                             figures.has_discount, figures.taxes};
    return totals_of(sums, amount_before);
}

BillableTotals totals_of(const projections::BillableTally::Figures& figures,
                         std::optional<Money> amount_before) {
    BillableTotals t;
    t.subtotal = projections::display_money(figures.subtotal).to_money();
    t.total_discount = projections::display_money(figures.total_discount).to_money();
    t.has_discount = figures.has_discount;
    for (const auto& group : figures.taxes) {
        t.taxes.push_back({group.key, group.label, group.rate,
                           projections::display_money(group.total).to_money()});
    }
    t.total_tax = projections::display_money(figures.total_tax).to_money();
    t.total = projections::display_money(figures.total).to_money();
    const auto amount = projections::amount_after_change(amount_before, figures.total);
    t.amount = amount ? amount : amount_before;
    return t;
}

}  // namespace deals::commands
