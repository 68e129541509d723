#include "events/billable_types.hpp"

namespace deals::events {

std::string_view to_string(TaxType type) {
    switch (type) {
        case TaxType::kExclusive:
            return "exclusive";
        case TaxType::kInclusive:
            return "inclusive";
        case TaxType::kNoTax:
            return "no_tax";
    }
    return "no_tax";
}

std::optional<TaxType> parse_tax_type(std::string_view text) {
    if (text == "exclusive") {
        return TaxType::kExclusive;
    }
    if (text == "inclusive") {
        return TaxType::kInclusive;
    }
    if (text == "no_tax") {
        return TaxType::kNoTax;
    }
    return std::nullopt;
}

std::string_view to_string(DiscountType type) {
    return type == DiscountType::kFixed ? "fixed" : "percent";
}

std::optional<DiscountType> parse_discount_type(std::string_view text) {
    if (text == "percent") {
        return DiscountType::kPercent;
    }
    if (text == "fixed") {
        return DiscountType::kFixed;
    }
    return std::nullopt;
}

}  // namespace deals::events
