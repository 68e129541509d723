#include "projections/ordered_index.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace deals::projections {

namespace {

/// Stable LSD radix sort of entries by key, a byte at a time. The eight bytes are counted in
/// one pass; a byte that is the same in every entry (most of them, for small numbers) then
/// costs no move.
void radix_sort_by_key(std::vector<OrderedIndex::Entry>& entries) {
    std::array<std::array<std::size_t, 256>, 8> counts{};
    for (const auto& e : entries) {
        const std::uint64_t key = e.key;
        for (unsigned b = 0; b < 8; ++b) {
            ++counts[b][(key >> (8 * b)) & 0xFF];
        }
    }
    std::vector<OrderedIndex::Entry> moved;
    for (unsigned b = 0; b < 8; ++b) {
        auto& start = counts[b];
        if (std::find(start.begin(), start.end(), entries.size()) != start.end()) {
            continue;
        }
        moved.resize(entries.size());
        std::size_t at = 0;
        for (auto& s : start) {
            at += std::exchange(s, at);
        }
        const unsigned shift = 8 * b;
        for (const auto& e : entries) {
            moved[start[(e.key >> shift) & 0xFF]++] = e;
        }
        entries.swap(moved);
    }
}

}  // namespace

bool OrderedIndex::less(const Entry& a, const Entry& b) const {
    if (a.key != b.key) {
        return a.key < b.key;
    }
    if (tie_ != nullptr && a.slot != b.slot) {
        const int c = tie_->compare(a.slot, b.slot);
        if (c != 0) {
            return c < 0;
        }
    }
    return a.slot < b.slot;
}

bool OrderedIndex::same_value(const Entry& a, const Entry& b) const {
    return a.key == b.key && (tie_ == nullptr || a.slot == b.slot || tie_->compare(a.slot, b.slot) == 0);
}

std::size_t OrderedIndex::block_of(const Entry& entry) const {
    // The first block whose last entry is not below `entry`; past the end, the last block.
    std::size_t lo = 0;
    std::size_t hi = lasts_.size();
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (less(lasts_[mid], entry)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo == blocks_.size() && lo > 0 ? lo - 1 : lo;
}

std::uint32_t OrderedIndex::new_block_id() {
    if (!free_ids_.empty()) {
        const auto id = free_ids_.back();
        free_ids_.pop_back();
        return id;
    }
    position_of_id_.push_back(0);
    return static_cast<std::uint32_t>(position_of_id_.size() - 1);
}

void OrderedIndex::place(std::uint32_t slot, std::uint32_t block_id) {
    if (slot >= block_of_slot_.size()) {
        block_of_slot_.resize(std::max<std::size_t>(slot + 1, block_of_slot_.size() * 3 / 2), 0);
    }
    block_of_slot_[slot] = block_id;
}

void OrderedIndex::renumber() {
    for (std::size_t b = 0; b < block_ids_.size(); ++b) {
        position_of_id_[block_ids_[b]] = static_cast<std::uint32_t>(b);
    }
}

void OrderedIndex::insert(Entry entry) {
    if (blocks_.empty()) {
        blocks_.push_back({entry});
        lasts_.push_back(entry);
        block_ids_.push_back(new_block_id());
        place(entry.slot, block_ids_.back());
        renumber();
        size_ = 1;
        return;
    }
    const std::size_t b = block_of(entry);
    auto& block = blocks_[b];
    block.insert(std::lower_bound(block.begin(), block.end(), entry,
                                  [this](const Entry& x, const Entry& y) { return less(x, y); }),
                 entry);
    place(entry.slot, block_ids_[b]);
    ++size_;
    lasts_[b] = block.back();
    if (block.size() > 2 * kBlock) {
        std::vector<Entry> upper(block.begin() + static_cast<std::ptrdiff_t>(kBlock), block.end());
        block.resize(kBlock);
        lasts_[b] = block.back();
        const auto id = new_block_id();
        for (const auto& e : upper) {
            place(e.slot, id);
        }
        lasts_.insert(lasts_.begin() + static_cast<std::ptrdiff_t>(b) + 1, upper.back());
        blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
        block_ids_.insert(block_ids_.begin() + static_cast<std::ptrdiff_t>(b) + 1, id);
        renumber();
    }
}

void OrderedIndex::erase(Entry entry) {
    if (blocks_.empty()) {
        throw std::logic_error("OrderedIndex::erase: empty index");
    }
    const std::size_t b = block_of(entry);
    auto& block = blocks_[b];
    auto it = std::lower_bound(block.begin(), block.end(), entry,
                               [this](const Entry& x, const Entry& y) { return less(x, y); });
    if (it == block.end() || it->slot != entry.slot || it->key != entry.key) {
        throw std::logic_error("OrderedIndex::erase: entry not found");
    }
    block.erase(it);
    --size_;
    if (block.empty()) {
        lasts_.erase(lasts_.begin() + static_cast<std::ptrdiff_t>(b));
        blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b));
        free_ids_.push_back(block_ids_[b]);
        block_ids_.erase(block_ids_.begin() + static_cast<std::ptrdiff_t>(b));
        renumber();
    } else if (block.size() < kBlock / 4 && b + 1 < blocks_.size() &&
               block.size() + blocks_[b + 1].size() <= kBlock) {
        // Merge small neighbours so that blocks stay large and few.
        auto& next = blocks_[b + 1];
        for (const auto& e : next) {
            place(e.slot, block_ids_[b]);
        }
        block.insert(block.end(), next.begin(), next.end());
        lasts_[b] = block.back();
        lasts_.erase(lasts_.begin() + static_cast<std::ptrdiff_t>(b) + 1);
        blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1);
        free_ids_.push_back(block_ids_[b + 1]);
        block_ids_.erase(block_ids_.begin() + static_cast<std::ptrdiff_t>(b) + 1);
        renumber();
    } else {
        lasts_[b] = block.back();
    }
}

void OrderedIndex::assign(std::vector<Entry> entries) {
    const auto by_order = [this](const Entry& x, const Entry& y) { return less(x, y); };
    const auto by_slot = [](const Entry& x, const Entry& y) { return x.slot < y.slot; };
    if (std::is_sorted(entries.begin(), entries.end(), by_order)) {
        // Already in order (an id, or a time that grows with it): nothing to do.
    } else if (std::is_sorted(entries.begin(), entries.end(), by_slot)) {
        // In slot order, as start-up adds them: a stable sort by key gives (key, slot) order,
        // and only runs of equal keys need the tie's comparison.
        radix_sort_by_key(entries);
        if (tie_ != nullptr) {
            for (auto run = entries.begin(); run != entries.end();) {
                const auto end = std::find_if(run, entries.end(),
                                              [&](const Entry& e) { return e.key != run->key; });
                if (end - run > 1) {
                    std::sort(run, end, by_order);
                }
                run = end;
            }
        }
    } else {
        std::sort(entries.begin(), entries.end(), by_order);
    }
    blocks_.clear();
    lasts_.clear();
    block_ids_.clear();
    free_ids_.clear();
    position_of_id_.clear();
    size_ = entries.size();
    std::uint32_t top = 0;
    for (const auto& e : entries) {
        top = std::max(top, e.slot);
    }
    if (!entries.empty() && top >= block_of_slot_.size()) {
        block_of_slot_.resize(std::size_t{top} + 1);  // exactly: place() would grow by half
    }
    for (std::size_t i = 0; i < entries.size(); i += kBlock) {
        const std::size_t end = std::min(entries.size(), i + kBlock);
        blocks_.emplace_back(entries.begin() + static_cast<std::ptrdiff_t>(i),
                             entries.begin() + static_cast<std::ptrdiff_t>(end));
        lasts_.push_back(blocks_.back().back());
        block_ids_.push_back(new_block_id());
        for (const auto& e : blocks_.back()) {
            place(e.slot, block_ids_.back());
        }
    }
    renumber();
}

std::vector<char> OrderedIndex::blocks_holding(const std::vector<std::uint32_t>& slots) const {
    // Each slot's block id is a miss of the cache (the slot map is 4 bytes a deal): this loop
    // was a third of a query matching 27,000 of a million deals, waiting on one miss at a time.
    // Asking for the slot map's line some slots ahead overlaps the misses.
    constexpr std::size_t kAhead = 16;
    std::vector<char> marks(blocks_.size(), 0);
    const std::uint32_t* block_of_slot = block_of_slot_.data();
    const std::size_t known = block_of_slot_.size();
    const std::size_t n = slots.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i + kAhead < n && slots[i + kAhead] < known) {
            __builtin_prefetch(block_of_slot + slots[i + kAhead]);
        }
        if (const auto s = slots[i]; s < known) {
            marks[position_of_id_[block_of_slot[s]]] = 1;
        }
    }
    return marks;
}

std::size_t OrderedIndex::rank(std::uint64_t key, bool inclusive) const {
    const auto below = [&](std::uint64_t k) { return inclusive ? k <= key : k < key; };
    std::size_t lo = 0;
    std::size_t hi = lasts_.size();
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (below(lasts_[mid].key)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    std::size_t n = 0;
    for (std::size_t b = 0; b < lo; ++b) {
        n += blocks_[b].size();
    }
    if (lo < blocks_.size()) {
        const auto& block = blocks_[lo];
        n += static_cast<std::size_t>(
            std::partition_point(block.begin(), block.end(),
                                 [&](const Entry& e) { return below(e.key); }) -
            block.begin());
    }
    return n;
}

void OrderedIndex::slots_with_key(std::uint64_t key, std::vector<std::uint32_t>& out) const {
    // First block whose last key is >= key.
    std::size_t lo = 0;
    std::size_t hi = lasts_.size();
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (lasts_[mid].key < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    const std::size_t begin = out.size();
    for (std::size_t b = lo; b < blocks_.size(); ++b) {
        const auto& block = blocks_[b];
        auto it = std::lower_bound(block.begin(), block.end(), key,
                                   [](const Entry& e, std::uint64_t k) { return e.key < k; });
        for (; it != block.end() && it->key == key; ++it) {
            out.push_back(it->slot);
        }
        if (it != block.end()) {
            break;
        }
    }
    if (tie_ != nullptr) {
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(begin), out.end());
    }
}

}  // namespace deals::projections
