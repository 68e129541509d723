#include "projections/deal_query_execution.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "projections/custom_column.hpp"

namespace deals::projections {

namespace {

void sort_unique(Slots& slots) {
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
}

}  // namespace

DealIndex::Page DealIndex::find(const std::vector<IndexCondition>& conditions, bool match_all,
                                std::optional<UserId> owner, const std::vector<DealSortKey>& order,
                                std::size_t offset, std::size_t limit) const {
    return QueryExecution(*this).find(conditions, match_all, owner, order, offset, limit);
}

DealIndex::Page DealIndex::QueryExecution::find(const std::vector<IndexCondition>& conditions,
                                                bool match_all, std::optional<UserId> owner,
                                                const std::vector<DealSortKey>& order,
                                                std::size_t offset, std::size_t limit) const {
    if (!index_.sealed_) {
        throw std::logic_error("DealIndex::find before Views::finish_load");
    }
    // A condition on a field's keys is counted from its index and not materialised until
    // it must be combined with another; alone, the walk tests each deal against it.
    const IndexCondition owner_condition{.kind = IndexCondition::Kind::kKeys,
                                         .field = DealSortField::kUserId,
                                         .keys = {owner ? index_key(owner->value) : 0}};
    static const std::vector<DealSortKey> by_name{{DealSortField::kName, false}};
    const auto& sort = order.empty() ? by_name : order;
    if (!owner && sort.size() == 1 && sort.front().field == DealSortField::kName) {
        if (const auto* name = lone_name_search(conditions, match_all)) {
            if (auto page =
                    names_page(name->needles.at(0), sort.front().descending, offset, limit)) {
                return std::move(*page);
            }
        }
    }
    Split s = split(conditions, match_all);
    if (owner) {
        s.lazy.push_back(&owner_condition);  // AND-ed, below
    }
    if (s.nothing) {
        return {};
    }
    const bool empty_or = !match_all && s.matches && s.matches->empty();
    if (s.lazy.size() == 1 && (!s.matches || (empty_or && !owner))) {
        return single_key_page(*s.lazy.front(), sort, offset, limit);
    }
    return combined_page(std::move(s), owner ? &owner_condition : nullptr, match_all, sort, offset,
                         limit);
}

DealIndex::QueryExecution::Split DealIndex::QueryExecution::split(
    const std::vector<IndexCondition>& conditions, bool match_all) const {
    Split s;
    for (const auto& condition : conditions) {
        if (condition.kind == IndexCondition::Kind::kKeys) {
            std::size_t n = 0;
            const auto& index = index_.ordered(condition.field, condition.custom);
            for (const auto key : condition.keys) {
                n += index.count(key);
            }
            if (n > 0) {
                s.lazy.push_back(&condition);
            } else if (match_all) {
                s.nothing = true;
            }
            continue;
        }
        auto slots = evaluate(condition);
        if (!s.matches) {
            s.matches = std::move(slots);
        } else if (match_all) {
            s.matches = intersect(*s.matches, slots);
        } else if (!slots.empty()) {
            s.matches = s.matches->empty() ? std::move(slots) : unite(*s.matches, slots);
        }
        s.nothing = s.nothing || (match_all && s.matches->empty());
    }
    if (!conditions.empty() && s.lazy.empty() && !s.matches) {
        s.nothing = true;  // only key conditions, none of which matches a deal
    }
    return s;
}

DealIndex::Page DealIndex::QueryExecution::single_key_page(const IndexCondition& only,
                                                           const std::vector<DealSortKey>& order,
                                                           std::size_t offset,
                                                           std::size_t limit) const {
    // Counted from its index; then either its few deals are sorted, or the walk tests each.
    Page page;
    const auto& index = index_.ordered(only.field, only.custom);
    for (const auto key : only.keys) {
        page.total += index.count(key);
    }
    const std::function<bool(std::uint32_t)> test = [&](std::uint32_t s) {
        const auto k = index_.key_for(only.field, only.custom, *index_.deals_[s]);
        return std::find(only.keys.begin(), only.keys.end(), k) != only.keys.end();
    };
    std::vector<std::uint32_t> slots;
    if (sorting_is_cheaper(page.total, std::min(page.total, offset + limit), order.size() == 1)) {
        const auto all = evaluate(only);
        slots = ordered_page(order, all.size(), &all, nullptr, offset, limit, {});
    } else {
        slots = ordered_page(order, page.total, nullptr, &test, offset, limit,
                             [&] { return evaluate(only); });
    }
    for (const auto s : slots) {
        page.items.push_back(index_.deals_[s]);
    }
    return page;
}

DealIndex::Page DealIndex::QueryExecution::combined_page(Split split, const IndexCondition* owner,
                                                         bool match_all,
                                                         const std::vector<DealSortKey>& order,
                                                         std::size_t offset,
                                                         std::size_t limit) const {
    // The key conditions materialised and combined: OR-ed or AND-ed among the search
    // conditions, always AND-ed with the owner's.
    auto& matches = split.matches;
    for (const auto* condition : split.lazy) {
        if (condition == owner) {
            continue;
        }
        auto slots = evaluate(*condition);
        if (!matches) {
            matches = std::move(slots);
        } else {
            matches = match_all ? intersect(*matches, slots) : unite(*matches, slots);
        }
    }
    if (owner != nullptr) {
        auto own = evaluate(*owner);
        matches = matches ? intersect(*matches, own) : std::move(own);
    }
    Page page;
    page.total = matches ? matches->size() : index_.count_;
    for (const auto s : ordered_page(order, page.total, matches ? &*matches : nullptr, nullptr,
                                     offset, limit, {})) {
        page.items.push_back(index_.deals_[s]);
    }
    return page;
}

Slots DealIndex::QueryExecution::evaluate(const IndexCondition& c) const {
    using Kind = IndexCondition::Kind;
    switch (c.kind) {
        case Kind::kNothing:
            return {};
        case Kind::kSlots:
            return present(c.slots);
        case Kind::kKeys:
            return with_keys(c);
        case Kind::kContains:
        case Kind::kEquals: {
            std::optional<TextColumn> column;
            if (c.text == IndexCondition::Text::kName) {
                column.emplace(index_.names_, index_.name_text_);
            } else if (c.text == IndexCondition::Text::kLostReason) {
                column.emplace(index_.lost_reasons_, index_.lost_folded_);
            } else if (const CustomColumn* custom = index_.column(c.custom)) {
                column.emplace(custom->text, custom->folded);
            } else {
                return {};  // a field that is not indexed (any more)
            }
            return c.kind == Kind::kContains ? containing(*column, c.needles.at(0))
                                             : equal_to(*column, c.needles);
        }
        case Kind::kScan:
            return scan([&](std::uint32_t s) { return c.test(*index_.deals_[s]); });
    }
    return {};
}

Slots DealIndex::QueryExecution::present(const Slots& slots) const {
    Slots out;
    for (const auto s : slots) {
        if (index_.deal(s) != nullptr) {
            out.push_back(s);
        }
    }
    sort_unique(out);
    return out;
}

Slots DealIndex::QueryExecution::with_keys(const IndexCondition& c) const {
    Slots out;
    const auto& order = index_.ordered(c.field, c.custom);
    for (const auto key : c.keys) {
        order.slots_with_key(key, out);
    }
    if (c.keys.size() > 1) {
        sort_unique(out);
    }
    return out;
}

Slots DealIndex::QueryExecution::containing(const TextColumn& column,
                                            const std::string& needle) const {
    if (auto found = column.index().containing(
            needle, [&column](std::uint32_t s) { return column.text_of(s); })) {
        return std::move(*found);
    }
    return scan([&](std::uint32_t s) {
        return column.has_text(s) && column.text_of(s).find(needle) != std::string_view::npos;
    });
}

Slots DealIndex::QueryExecution::equal_to(const TextColumn& column,
                                          const std::vector<std::string>& needles) const {
    // The texts that contain the value, then compared whole (trailing spaces of the text
    // ignored, as the value's were).
    Slots out;
    for (const auto& needle : needles) {
        auto candidates = column.index().containing(
            needle, [&column](std::uint32_t s) { return column.text_of(s); });
        auto equal = [&](std::uint32_t s) {
            if (!column.has_text(s)) {
                return false;
            }
            auto t = column.text_of(s);
            while (!t.empty() && t.back() == ' ') {
                t.remove_suffix(1);
            }
            return t == needle;
        };
        Slots found;
        if (candidates) {
            for (const auto s : *candidates) {
                if (equal(s)) {
                    found.push_back(s);
                }
            }
        } else {
            found = scan(equal);
        }
        out = unite(out, found);
    }
    return out;
}

Slots DealIndex::QueryExecution::scan(const std::function<bool(std::uint32_t)>& test) const {
    Slots out;
    for (std::uint32_t s = 0; s < index_.deals_.size(); ++s) {
        if (index_.deals_[s] != nullptr && test(s)) {
            out.push_back(s);
        }
    }
    return out;
}

int DealIndex::QueryExecution::compare(const DealSortKey& key, std::uint32_t a,
                                       std::uint32_t b) const {
    if (key.field == DealSortField::kName) {
        return index_.name_of(a).key().compare(index_.name_of(b).key());
    }
    if (key.field == DealSortField::kCustom) {
        const auto* c = index_.column(key.custom);
        if (c != nullptr && c->type == CustomFieldType::kText) {
            return c->collation_of(a).compare(c->collation_of(b));
        }
    }
    const auto x = index_.key_for(key.field, key.custom, *index_.deals_[a]);
    const auto y = index_.key_for(key.field, key.custom, *index_.deals_[b]);
    return x < y ? -1 : (y < x ? 1 : 0);
}

bool DealIndex::QueryExecution::before(const std::vector<DealSortKey>& order, std::uint32_t a,
                                       std::uint32_t b) const {
    for (const auto& key : order) {
        const int c = compare(key, a, b);
        if (c != 0) {
            return key.descending ? c > 0 : c < 0;
        }
    }
    return a < b;
}

bool DealIndex::QueryExecution::sorting_is_cheaper(std::size_t matches, std::size_t wanted,
                                                   bool one_key) const {
    // Sorting costs about m·log(k) comparisons; walking the primary index about k·n/m steps.
    const double m = static_cast<double>(std::max<std::size_t>(matches, 1));
    const double walk = static_cast<double>(wanted) * static_cast<double>(index_.count_) / m;
    const double sort = m * std::log2(static_cast<double>(wanted) + 2.0) * 8.0;
    return sort < walk || (!one_key && m < 100'000);
}

std::vector<std::uint32_t> DealIndex::QueryExecution::ordered_page(
    const std::vector<DealSortKey>& order, std::size_t total, const Slots* matches,
    const std::function<bool(std::uint32_t)>* test, std::size_t offset, std::size_t limit,
    const std::function<Slots()>& materialise) const {
    if (offset >= total || limit == 0) {
        return {};
    }
    const std::size_t wanted = offset + std::min(limit, total - offset);  // no overflow
    // Few matches: sort them. Otherwise walk the primary index, testing membership.
    if (matches && sorting_is_cheaper(matches->size(), wanted, order.size() == 1)) {
        return sorted_page(order, *matches, offset, wanted);
    }
    Filter filter{.test = test};
    if (matches) {
        filter.members.emplace(static_cast<std::uint32_t>(index_.deals_.size()));
        for (const auto s : *matches) {
            filter.members->set(s);
        }
    }
    if (order.size() == 1) {
        return walked_page(order.front(), filter, matches, total, wanted, offset, limit,
                           materialise);
    }
    return runs_page(order, filter, offset, limit);
}

std::vector<std::uint32_t> DealIndex::QueryExecution::sorted_page(
    const std::vector<DealSortKey>& order, const Slots& matches, std::size_t offset,
    std::size_t wanted) const {
    std::vector<std::uint32_t> all(matches.begin(), matches.end());
    auto less = [&](std::uint32_t a, std::uint32_t b) { return before(order, a, b); };
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(wanted), all.end(),
                      less);
    return {all.begin() + static_cast<std::ptrdiff_t>(offset),
            all.begin() + static_cast<std::ptrdiff_t>(wanted)};
}

std::vector<std::uint32_t> DealIndex::QueryExecution::walked_page(
    const DealSortKey& key, const Filter& filter, const Slots* matches, std::size_t total,
    std::size_t wanted, std::size_t offset, std::size_t limit,
    const std::function<Slots()>& materialise) const {
    // A filtered walk expects wanted·n/total steps when matches are spread evenly. When they
    // cluster (every "Müller" deal sits under M in name order) it gives up after a few times
    // that, and walks only the blocks that hold a match.
    const auto& primary = index_.ordered(key.field, key.custom);
    const bool filtered = filter.filters();
    const std::size_t count = index_.count_;
    const std::size_t expected = filtered ? wanted * count / std::max<std::size_t>(total, 1) : 0;
    const std::size_t budget = filtered ? 4 * expected + 4096 : count + 1;
    std::vector<std::uint32_t> page;
    std::size_t skip = filtered ? offset : 0;  // unfiltered, the walk itself skips the offset
    std::size_t steps = 0;
    bool gave_up = false;
    const auto take = [&](std::uint32_t s) {
        if (!filter.keep(s)) {
            return true;
        }
        if (skip > 0) {
            --skip;
            return true;
        }
        page.push_back(s);
        return page.size() < limit;
    };
    primary.walk(key.descending, filtered ? 0 : offset, [&](std::uint32_t s) {
        if (++steps > budget) {
            gave_up = true;
            return false;
        }
        return take(s);
    });
    if (gave_up) {
        page.clear();
        skip = offset;
        const Slots materialised = matches ? Slots{} : materialise();
        const auto marks = primary.blocks_holding(matches ? *matches : materialised);
        primary.walk(key.descending, 0, take, &marks);
    }
    return page;
}

std::vector<std::uint32_t> DealIndex::QueryExecution::runs_page(
    const std::vector<DealSortKey>& order, const Filter& filter, std::size_t offset,
    std::size_t limit) const {
    const auto& primary = index_.ordered(order.front().field, order.front().custom);
    const std::vector<DealSortKey> rest(order.begin() + 1, order.end());
    std::vector<std::uint32_t> page;
    std::size_t skip = offset;
    primary.walk_runs(order.front().descending, [&](const std::vector<std::uint32_t>& run) {
        std::vector<std::uint32_t> kept;
        for (const auto s : run) {
            if (filter.keep(s)) {
                kept.push_back(s);
            }
        }
        if (skip >= kept.size()) {
            skip -= kept.size();
            return true;
        }
        std::sort(kept.begin(), kept.end(),
                  [&](std::uint32_t a, std::uint32_t b) { return before(rest, a, b); });
        for (std::size_t i = skip; i < kept.size() && page.size() < limit; ++i) {
            page.push_back(kept[i]);
        }
        skip = 0;
        return page.size() < limit;
    });
    return page;
}

}  // namespace deals::projections
