#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

namespace deals::projections {

/// The highest id ever used per resource, so that ids are never reused (purged deals too).
struct IdWatermarks {
    std::int64_t deal = 0;
    std::int64_t pipeline = 0;
    std::int64_t stage = 0;
    std::int64_t user = 0;
    std::int64_t token = 0;
    // Optional on the wire: checkpoints written before the catalog existed lack them.
    std::optional<std::int64_t> product;
    std::optional<std::int64_t> billable_product;  ///< product lines of deals
    std::optional<std::int64_t> custom_field;
    std::optional<std::int64_t> custom_field_option;  ///< option ids, across all fields
    friend bool operator==(const IdWatermarks&, const IdWatermarks&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal", s.deal), f("pipeline", s.pipeline), f("stage", s.stage), f("user", s.user);
        f("token", s.token), f("product", s.product), f("billable_product", s.billable_product);
        f("custom_field", s.custom_field), f("custom_field_option", s.custom_field_option);
    }
};

/// Raises a watermark to `id` when `id` is higher.
inline void raise_to(std::int64_t& mark, std::int64_t id) { mark = std::max(mark, id); }
inline void raise_to(std::optional<std::int64_t>& mark, std::int64_t id) {
    mark = std::max(mark.value_or(0), id);
}

/// The watermarks of a checkpoint (`persisted`), with the ones that older checkpoints lack
/// (the optional ones) raised to what the loaded views hold (`loaded`).
inline IdWatermarks restored(const IdWatermarks& persisted, const IdWatermarks& loaded) {
    const auto highest = [](std::optional<std::int64_t> a,
                            std::optional<std::int64_t> b) -> std::optional<std::int64_t> {
        if (a && b) {
            return std::max(*a, *b);
        }
        return a ? a : b;
    };
    IdWatermarks out = persisted;
    out.product = highest(loaded.product, persisted.product);
    out.billable_product = highest(loaded.billable_product, persisted.billable_product);
    out.custom_field = highest(loaded.custom_field, persisted.custom_field);
    out.custom_field_option = highest(loaded.custom_field_option, persisted.custom_field_option);
    return out;
}

}  // namespace deals::projections
