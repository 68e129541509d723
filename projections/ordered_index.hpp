#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

namespace deals::projections {

/// The key of a byte string (a collation key): its first eight bytes, big-endian. Comparing
/// keys orders as the strings do (a string shorter than eight bytes is padded with zeros,
/// which sort first); strings with the same key are ordered by the index's `Tie`.
inline std::uint64_t prefix_key(std::string_view bytes) {
    std::uint64_t out = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        out = out << 8 | (i < bytes.size() ? static_cast<unsigned char>(bytes[i]) : 0);
    }
    return out;
}

/// The entries of one sort key in order: sorted blocks of at most `kBlock` entries (a B-tree's
/// leaves without the tree). An insert or erase moves entries inside one block; finding the
/// n-th entry walks the block sizes, so a deep page costs no walk over the entries before it.
///
/// An entry is a 64-bit key and a slot (the deal's id). Entries order by key, then by the
/// `Tie` (when keys are only a prefix of the value, as for text), then by slot: ties in the
/// value always break by id ascending.
class OrderedIndex {
public:
    // Packed to 12 bytes (4-byte aligned) instead of 16: there are sixteen indexes of every
    // deal, so the padding alone cost 64 MB at a million deals.
#pragma pack(push, 4)
    struct Entry {
        std::uint64_t key = 0;
        std::uint32_t slot = 0;
    };
#pragma pack(pop)
    static_assert(sizeof(Entry) == 12);
    /// Orders the values behind two equal keys: negative, zero or positive.
    class Tie {
    public:
        virtual ~Tie() = default;
        [[nodiscard]] virtual int compare(std::uint32_t a, std::uint32_t b) const = 0;
    };

    explicit OrderedIndex(const Tie* tie = nullptr) : tie_(tie) {}
    void set_tie(const Tie* tie) { tie_ = tie; }

    void insert(Entry entry);
    /// Removes an entry that is present (same key and slot).
    void erase(Entry entry);
    /// Replaces the content by `entries` (any order): one sort instead of many inserts.
    void assign(std::vector<Entry> entries);
    [[nodiscard]] std::size_t size() const { return size_; }

    /// Whether `a` and `b` hold the same value (they differ at most by slot).
    [[nodiscard]] bool same_value(const Entry& a, const Entry& b) const;

    /// Calls `visit(slot)` in order, skipping the first `skip` entries, until it returns
    /// false. Descending order keeps ties by slot ascending, as ascending order does. With
    /// `only`, blocks it does not mark (see `blocks_holding`) are skipped.
    template <class Visit>
    void walk(bool descending, std::size_t skip, Visit&& visit,
              const std::vector<char>* only = nullptr) const;

    /// Calls `visit(run)` for each run of entries holding the same value, in order (runs
    /// descending when `descending`; inside a run always slot ascending), until it returns false.
    template <class Visit>
    void walk_runs(bool descending, Visit&& visit, const std::vector<char>* only = nullptr) const;

    /// Calls `visit(slot)` for the entries of one value, slot ascending, until it returns
    /// false: the entries with key `key` for which `compare(slot)`, the entry's value against
    /// the one wanted (as the `Tie` orders them), is zero. Two binary searches find the first.
    template <class Compare, class Visit>
    void walk_value(std::uint64_t key, Compare&& compare, Visit&& visit) const;

    /// Which blocks (by position) hold an entry of one of `slots` (each slot must have an
    /// entry): a walk that needs only those slots can skip the other blocks.
    [[nodiscard]] std::vector<char> blocks_holding(const std::vector<std::uint32_t>& slots) const;

    /// How many entries have a key below `key` (or not above it, when `inclusive`).
    [[nodiscard]] std::size_t rank(std::uint64_t key, bool inclusive = false) const;
    /// How many entries have key `key`.
    [[nodiscard]] std::size_t count(std::uint64_t key) const {
        return rank(key, true) - rank(key, false);
    }

    /// The slots whose entries have key `key` (all of them, when there is no `Tie`), ascending.
    void slots_with_key(std::uint64_t key, std::vector<std::uint32_t>& out) const;

private:
    static constexpr std::size_t kBlock = 512;
    [[nodiscard]] bool less(const Entry& a, const Entry& b) const;
    /// The block that holds, or would hold, `entry`.
    [[nodiscard]] std::size_t block_of(const Entry& entry) const;
    std::uint32_t new_block_id();
    void place(std::uint32_t slot, std::uint32_t block_id);
    void renumber();

    const Tie* tie_;
    std::vector<std::vector<Entry>> blocks_;
    /// Block position -> its last entry: what finding a block searches. Side by side, unlike the
    /// blocks' own last entries, each in its own allocation: a search through those missed the
    /// cache at every step, most of a follower's time applying new deals (issue 23).
    std::vector<Entry> lasts_;
    // Where each slot's entry is: slot -> block id (stable while the block lives) -> block
    // position (renumbered when blocks split, merge or go).
    std::vector<std::uint32_t> block_ids_;       ///< block position -> id
    std::vector<std::uint32_t> position_of_id_;  ///< id -> block position
    std::vector<std::uint32_t> free_ids_;
    std::vector<std::uint32_t> block_of_slot_;   ///< slot -> block id
    std::size_t size_ = 0;
};

template <class Compare, class Visit>
void OrderedIndex::walk_value(std::uint64_t key, Compare&& compare, Visit&& visit) const {
    const auto before = [&](const Entry& e) {
        return e.key < key || (e.key == key && compare(e.slot) < 0);
    };
    const auto first = static_cast<std::size_t>(
        std::partition_point(lasts_.begin(), lasts_.end(), before) - lasts_.begin());
    for (std::size_t b = first; b < blocks_.size(); ++b) {
        const auto& block = blocks_[b];
        auto it =
            b == first ? std::partition_point(block.begin(), block.end(), before) : block.begin();
        for (; it != block.end(); ++it) {
            if (it->key != key || compare(it->slot) != 0 || !visit(it->slot)) {
                return;
            }
        }
    }
}

template <class Visit>
void OrderedIndex::walk(bool descending, std::size_t skip, Visit&& visit,
                        const std::vector<char>* only) const {
    if (!descending) {
        std::size_t b = 0;
        while (b < blocks_.size() && skip >= blocks_[b].size()) {
            skip -= blocks_[b++].size();
        }
        for (; b < blocks_.size(); ++b, skip = 0) {
            if (only != nullptr && (*only)[b] == 0) {
                continue;
            }
            const auto& block = blocks_[b];
            for (std::size_t i = skip; i < block.size(); ++i) {
                if (!visit(block[i].slot)) {
                    return;
                }
            }
        }
        return;
    }
    walk_runs(
        true,
        [&](const std::vector<std::uint32_t>& run) {
            if (skip >= run.size()) {
                skip -= run.size();
                return true;
            }
            for (std::size_t i = skip; i < run.size(); ++i) {
                if (!visit(run[i])) {
                    return false;
                }
            }
            skip = 0;
            return true;
        },
        only);
}

template <class Visit>
void OrderedIndex::walk_runs(bool descending, Visit&& visit,
                             const std::vector<char>* only) const {
    // Skipping unmarked blocks keeps runs right: a run that spans skipped blocks holds the
    // same value throughout, and equality is transitive.
    std::vector<std::uint32_t> run;
    const Entry* first = nullptr;
    auto step = [&](const Entry& e) {
        if (first != nullptr && !same_value(*first, e)) {
            if (descending) {
                std::reverse(run.begin(), run.end());
            }
            if (!visit(run)) {
                return false;
            }
            run.clear();
        }
        first = &e;
        run.push_back(e.slot);
        return true;
    };
    if (descending) {
        for (std::size_t b = blocks_.size(); b-- > 0;) {
            if (only != nullptr && (*only)[b] == 0) {
                continue;
            }
            for (auto e = blocks_[b].rbegin(); e != blocks_[b].rend(); ++e) {
                if (!step(*e)) {
                    return;
                }
            }
        }
    } else {
        for (std::size_t b = 0; b < blocks_.size(); ++b) {
            if (only != nullptr && (*only)[b] == 0) {
                continue;
            }
            for (const auto& e : blocks_[b]) {
                if (!step(e)) {
                    return;
                }
            }
        }
    }
    if (!run.empty()) {
        if (descending) {
            std::reverse(run.begin(), run.end());
        }
        visit(run);
    }
}

}  // namespace deals::projections
