#include "commands/catalog_commands.hpp"

#include "projections/collation.hpp"

namespace deals::commands {

namespace {

/// A nullable decimal with at most 3 places within [min, max]; nullopt when absent or null.
std::optional<Money> money_field(FieldErrorsBuilder& errors, const FieldValue& v,
                                 const std::string& key, const std::string& label,
                                 std::optional<std::int64_t> max) {
    if (v.missing()) {
        return std::nullopt;
    }
    const auto m = (v.is_number() || v.is_string()) ? Money::parse(v.text) : std::nullopt;
    if (!m) {
        errors.add(key, "The " + label + " field must be a number.");
    } else if (const int places = decimal_places(v.text); places < 0 || places > 3) {
        errors.add(key, "The " + label + " field must have 0-3 decimal places.");
    } else if (m->thousandths < 0) {
        errors.add(key, "The " + label + " field must be at least 0.");
    } else if (max && m->thousandths > *max * 1000) {
        errors.add(
            key, "The " + label + " field must not be greater than " + std::to_string(*max) + ".");
    } else {
        return m;
    }
    return std::nullopt;
}

std::optional<std::string> text_field(FieldErrorsBuilder& errors, const FieldValue& v,
                                      const std::string& key, const std::string& label,
                                      bool limit) {
    if (v.missing()) {
        return std::nullopt;
    }
    if (!v.is_string()) {
        errors.add(key, "The " + label + " field must be a string.");
        return std::nullopt;
    }
    if (limit && projections::utf8_length(v.text) > 191) {
        errors.add(key, "The " + label + " field must not be greater than 191 characters.");
        return std::nullopt;
    }
    return v.text;
}

}  // namespace

Result<CatalogProductFields> validate_product(const ProductInput& in,
                                              const projections::Product* current,
                                              const projections::Views& views) {
    FieldErrorsBuilder errors;
    CatalogProductFields out = current ? current->fields : CatalogProductFields{};
    if (!current) {
        out.tax_label = "TAX";
    }
    // name: required on create, `filled` on update.
    if (in.name.missing()) {
        if (!current) {
            errors.add("name", "The Name field is required.");
        } else if (in.name.present()) {
            errors.add("name", "The Name field must have a value.");
        }
    } else if (auto name = text_field(errors, in.name, "name", "Name", true)) {
        const auto* same = views.product_by_name(*name);
        if (same && (!current || same->id != current->id)) {
            errors.add("name", "The Name has already been taken.");
        }
        out.name = *name;
    }
    if (in.sku.present()) {
        out.sku = text_field(errors, in.sku, "sku", "SKU", true);
        if (out.sku) {
            const auto* same = views.product_by_sku(*out.sku);
            if (same && (!current || same->id != current->id)) {
                errors.add("sku", "A product with this SKU already exists.");
            }
        }
    }
    if (in.description.present()) {
        out.description = text_field(errors, in.description, "description", "Description", false);
    }
    if (in.unit_price.missing()) {
        if (!current) {
            errors.add("unit_price", "The Unit Price field is required.");
        } else if (in.unit_price.present()) {
            errors.add("unit_price", "The Unit Price field must have a value.");
        }
    } else if (auto price =
                   money_field(errors, in.unit_price, "unit_price", "Unit Price", std::nullopt)) {
        out.unit_price = *price;
    }
    if (in.direct_cost.present()) {
        out.direct_cost =
            money_field(errors, in.direct_cost, "direct_cost", "Direct Cost", std::nullopt);
    }
    if (in.tax_rate.present()) {
        out.tax_rate = money_field(errors, in.tax_rate, "tax_rate", "Tax Rate", 100)
                           .value_or(Money{});  // empty or null is stored as 0
    }
    if (in.tax_label.present()) {
        out.tax_label =
            text_field(errors, in.tax_label, "tax_label", "Tax Label", true).value_or("TAX");
    }
    if (in.unit.present()) {
        out.unit = text_field(errors, in.unit, "unit", "Unit", true);
    }
    if (!in.is_active.missing()) {
        const auto& t = in.is_active.text;
        if (t == "true" || t == "1") {
            out.is_active = true;
        } else if (t == "false" || t == "0") {
            out.is_active = false;
        } else {
            errors.add("is_active", "The Active field must be true or false.");
        }
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return out;
}

std::vector<Event> decide_product_update(const projections::Product& current,
                                         const CatalogProductFields& after) {
    if (after == current.fields) {
        return {};
    }
    return {CatalogProductUpdated{current.id, after}};
}

}  // namespace deals::commands
