#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deals::events {

/// How a billable's taxes apply (contract §7.2). Wire names `exclusive`, `inclusive`, `no_tax`.
enum class TaxType { kExclusive, kInclusive, kNoTax };

std::string_view to_string(TaxType type);
std::optional<TaxType> parse_tax_type(std::string_view text);

/// How a line's `discount_total` applies. Wire names `percent`, `fixed`.
enum class DiscountType { kPercent, kFixed };

std::string_view to_string(DiscountType type);
std::optional<DiscountType> parse_discount_type(std::string_view text);

}  // namespace deals::events
