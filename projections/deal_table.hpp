#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "projections/deal.hpp"

namespace deals::projections {

/// The deals by id, in pages of consecutive ids. Ids are handed out one after another, so
/// pages fill up: a deal costs its own size, where a hash map's node added a next pointer and
/// rounded each deal up to the allocator's next size class (and a bucket). Addresses are
/// stable (the indexes point at the deals). Ids outside [0, 2³²) live in a map beside.
class DealTable {
public:
    static constexpr std::size_t kPage = 1024;
    /// The deals of ids [n·kPage, (n + 1)·kPage), page `n`: `present` says which are there.
    struct Page {
        std::array<Deal, kPage> deals;
        std::bitset<kPage> present;
    };
    /// Whether `id` has a page (the others live in a map beside).
    static bool paged(DealId id) { return id.value >= 0 && id.value <= 0xFFFFFFFFLL; }

    /// The deal of `id`, default-constructed (and counted) when absent.
    Deal& operator[](DealId id);
    [[nodiscard]] const Deal* find(DealId id) const;
    /// Forgets the deal of `id`, if present.
    void erase(DealId id);
    [[nodiscard]] std::size_t size() const { return size_; }
    /// Takes the deals of page `n`, filled elsewhere (a start-up's loading threads decode into
    /// pages of their own): when the table has no page `n` yet, `page` becomes it and no deal is
    /// moved; else its deals are moved in, and a deal already there stays unless `page` has one
    /// of the same id.
    void adopt(std::size_t n, std::unique_ptr<Page> page);

    /// Calls `visit(deal)` for every deal, by id for the paged ones.
    template <class Visit>
    void each(Visit&& visit) const {
        for (const auto& page : pages_) {
            if (page == nullptr) {
                continue;
            }
            for (std::size_t i = 0; i < kPage; ++i) {
                if (page->present[i]) {
                    visit(page->deals[i]);
                }
            }
        }
        for (const auto& [_, deal] : others_) {
            visit(deal);
        }
    }

private:
    std::vector<std::unique_ptr<Page>> pages_;
    std::unordered_map<DealId, Deal> others_;
    std::size_t size_ = 0;
};

}  // namespace deals::projections
