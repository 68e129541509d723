#pragma once

#include <optional>
#include <string>

#include "commands/error.hpp"
#include "commands/input.hpp"
#include "projections/views.hpp"

namespace deals::commands {

using namespace deals::events;  // NOLINT

/// A catalog product body (contract §7.6), before validation.
struct ProductInput {
    FieldValue name;
    FieldValue sku;
    FieldValue description;
    FieldValue unit_price;
    FieldValue direct_cost;
    FieldValue tax_rate;
    FieldValue tax_label;
    FieldValue unit;
    FieldValue is_active;
};

/// Validates a create (`current` null) or an update of `current`: the fields after the change.
/// Names are unique ignoring case and accents, trashed products included; SKUs are unique.
Result<CatalogProductFields> validate_product(const ProductInput& input,
                                              const projections::Product* current,
                                              const projections::Views& views);

/// The events of an update: none when nothing changes.
std::vector<Event> decide_product_update(const projections::Product& current,
                                         const CatalogProductFields& after);

}  // namespace deals::commands
