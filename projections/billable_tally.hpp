#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "projections/billable_math.hpp"

namespace deals::projections {

/// A billable's exact figures as one change after another leaves them (the totals an event
/// carries): each change costs the time of its own line, not of the whole billable, so a save
/// of n lines is linear in n. At every point the figures equal compute_billable over the lines
/// then (billable_tally_test checks it), except the display-only `raw_total`s, which the tally
/// does not keep.
class BillableTally {
public:
    /// The figures, exact and unrounded: BillableFigures without `raw_total` and `line_amounts`.
    struct Figures {
        events::Decimal subtotal;
        events::Decimal total_discount;
        events::Decimal total_tax;
        events::Decimal total;
        bool has_discount = false;
        std::vector<TaxGroup> taxes;  ///< ordered by rate, then first appearance; raw_total 0
    };

    explicit BillableTally(events::TaxType tax_type) : tax_type_(tax_type) {}

    /// Adds a line, or replaces the line of the same id; the line's own figures.
    const LineFigures& put(const events::BillableLine& line);
    /// Removes a line; nothing when there is none of that id.
    void remove(events::BillableProductId id);
    /// Changes the tax type (every line's tax again: linear once).
    void set_tax_type(events::TaxType tax_type);

    [[nodiscard]] Figures figures() const;

private:
    /// Where a line stands in display order: (display_order, id).
    using Position = std::pair<std::int64_t, std::int64_t>;
    /// A tax group's key: the label exactly, and the rate.
    using GroupKey = std::pair<std::string, std::int64_t>;
    struct Entry {
        LineInput input;
        Position position;
        LineFigures figures;
    };
    struct Group {
        events::Money rate;
        events::Decimal total;
        std::set<Position> lines;  ///< the first is the group's first appearance
    };

    void count(const Entry& entry, int sign);

    events::TaxType tax_type_;
    std::unordered_map<std::int64_t, Entry> lines_;
    events::Decimal subtotal_;
    events::Decimal discount_;
    events::Decimal tax_;
    std::map<GroupKey, Group> groups_;
};

}  // namespace deals::projections
