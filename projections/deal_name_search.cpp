#include "projections/deal_query_execution.hpp"

// A search of the names answered through the distinct names (NameTexts): when only the names
// can match, in name order, a step per matching name instead of one per matching deal.

#include <algorithm>

namespace deals::projections {

const IndexCondition* DealIndex::QueryExecution::lone_name_search(
    const std::vector<IndexCondition>& conditions, bool match_all) const {
    // A q without search_fields asks every field (OR-ed); most of them match nothing.
    using Kind = IndexCondition::Kind;
    const IndexCondition* name = nullptr;
    for (const auto& c : conditions) {
        if (c.kind == Kind::kContains && c.text == IndexCondition::Text::kName && name == nullptr) {
            name = &c;
        } else if (match_all) {
            return nullptr;
        } else if (c.kind == Kind::kKeys) {
            const auto& index = index_.ordered(c.field, c.custom);
            for (const auto key : c.keys) {
                if (index.count(key) > 0) {
                    return nullptr;
                }
            }
        } else if (c.kind == Kind::kContains && c.text != IndexCondition::Text::kName) {
            if (!evaluate(c).empty()) {
                return nullptr;  // evaluated again by the general path (lost reasons, custom texts)
            }
        } else if (c.kind != Kind::kNothing) {
            return nullptr;
        }
    }
    return name;
}

std::optional<DealIndex::Page> DealIndex::QueryExecution::names_page(const std::string& needle,
                                                                     bool descending,
                                                                     std::size_t offset,
                                                                     std::size_t limit) const {
    using Text = NameTexts::Text;
    // A heap of the names costs about a step per name, the usual walk a step per matching deal
    // at least (27,700 deals under 300 names for "muller" in the bench's million): worth it
    // when the names are fewer than an eighth of their deals, which they cannot be when they
    // are more than an eighth of all deals.
    auto texts = index_.name_texts_.containing(needle, (index_.count_ + 64) / 8);
    if (!texts) {
        return std::nullopt;
    }
    Page page;
    for (const Text* text : *texts) {
        page.total += text->uses();
    }
    if (texts->size() * 8 > page.total + 64) {
        return std::nullopt;
    }
    const auto after = [descending](const Text* a, const Text* b) {
        return descending ? a->key() < b->key() : a->key() > b->key();
    };
    auto& heap = *texts;
    std::make_heap(heap.begin(), heap.end(), after);
    const auto& names = index_.ordered(DealSortField::kName, {});
    std::size_t skip = offset;
    std::vector<const Text*> value;  // the matching names of one collation key
    constexpr std::size_t kStrangers = 4096;
    std::size_t strangers = 0;  // deals walked whose name shares a key but not the needle
    while (!heap.empty() && page.items.size() < limit) {
        value.clear();
        const std::string_view key = heap.front()->key();
        std::size_t uses = 0;
        while (!heap.empty() && heap.front()->key() == key) {
            std::pop_heap(heap.begin(), heap.end(), after);
            value.push_back(heap.back());
            uses += heap.back()->uses();
            heap.pop_back();
        }
        if (skip >= uses) {
            skip -= uses;
            continue;
        }
        // Other names may share the key (collation ignores some differences): each deal's
        // own name is checked. Should many deals bear such names, the general path is cheaper.
        names.walk_value(
            prefix_key(key), [&](std::uint32_t s) { return index_.name_of(s).key().compare(key); },
            [&](std::uint32_t s) {
                if (std::find(value.begin(), value.end(), &index_.name_of(s)) == value.end()) {
                    return ++strangers <= kStrangers;
                }
                if (skip > 0) {
                    --skip;
                    return true;
                }
                page.items.push_back(index_.deals_[s]);
                return page.items.size() < limit;
            });
        if (strangers > kStrangers) {
            return std::nullopt;
        }
    }
    return page;
}

}  // namespace deals::projections
