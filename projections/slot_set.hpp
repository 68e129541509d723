#pragma once

// Sets of deal slots as ascending vectors, and a bitmap for membership tests during index
// walks. Header-only: small and on every query's path.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace deals::projections {

using Slots = std::vector<std::uint32_t>;

/// The slots in both (ascending inputs, ascending output).
inline Slots intersect(const Slots& a, const Slots& b) {
    Slots out;
    const Slots& small = a.size() <= b.size() ? a : b;
    const Slots& large = a.size() <= b.size() ? b : a;
    out.reserve(small.size());
    if (small.size() * 16 < large.size()) {
        // Few against many: binary search for each, moving forward.
        auto from = large.begin();
        for (const auto s : small) {
            from = std::lower_bound(from, large.end(), s);
            if (from == large.end()) {
                break;
            }
            if (*from == s) {
                out.push_back(s);
            }
        }
        return out;
    }
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

/// Membership of slots 0..n-1.
class SlotBitmap {
public:
    explicit SlotBitmap(std::uint32_t max_slot) : bits_(max_slot / 64 + 1, 0) {}
    void set(std::uint32_t s) { bits_[s >> 6] |= std::uint64_t{1} << (s & 63); }
    [[nodiscard]] bool test(std::uint32_t s) const {
        return (s >> 6) < bits_.size() && ((bits_[s >> 6] >> (s & 63)) & 1) != 0;
    }
    /// The set slots, ascending.
    [[nodiscard]] Slots slots() const {
        Slots out;
        for (std::size_t w = 0; w < bits_.size(); ++w) {
            for (std::uint64_t word = bits_[w]; word != 0; word &= word - 1) {
                out.push_back(static_cast<std::uint32_t>(w * 64 + __builtin_ctzll(word)));
            }
        }
        return out;
    }

private:
    std::vector<std::uint64_t> bits_;
};

/// The union of ascending lists of slots no greater than `max_slot`, ascending.
inline Slots unite(const std::vector<const Slots*>& lists, std::uint32_t max_slot) {
    if (lists.empty()) {
        return {};
    }
    if (lists.size() == 1) {
        return *lists.front();
    }
    std::size_t total = 0;
    for (const auto* l : lists) {
        total += l->size();
    }
    if (total < 65536 || total * 8 < max_slot / 8) {
        Slots out;
        out.reserve(total);
        for (const auto* l : lists) {
            out.insert(out.end(), l->begin(), l->end());
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }
    SlotBitmap bits(max_slot);
    for (const auto* l : lists) {
        for (const auto s : *l) {
            bits.set(s);
        }
    }
    return bits.slots();
}

/// The union of two ascending lists.
inline Slots unite(const Slots& a, const Slots& b) {
    Slots out;
    out.reserve(a.size() + b.size());
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

}  // namespace deals::projections
