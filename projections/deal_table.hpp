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
    /// The deal of `id`, default-constructed (and counted) when absent.
    Deal& operator[](DealId id);
    [[nodiscard]] const Deal* find(DealId id) const;
    /// Forgets the deal of `id`, if present.
    void erase(DealId id);
    [[nodiscard]] std::size_t size() const { return size_; }

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
    static constexpr std::size_t kPage = 1024;
    struct Page {
        std::array<Deal, kPage> deals;
        std::bitset<kPage> present;
    };
    static bool paged(DealId id) { return id.value >= 0 && id.value <= 0xFFFFFFFFLL; }

    std::vector<std::unique_ptr<Page>> pages_;
    std::unordered_map<DealId, Deal> others_;
    std::size_t size_ = 0;
};

}  // namespace deals::projections
