#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace deals::projections {

/// The slots holding one word, ascending, in sorted blocks of at most `kBlock` slots: adding
/// or removing a slot in the middle moves at most one block. As one vector, renaming one of a
/// million deals moved the whole posting of each of its words (the common words of a name are
/// in hundreds of thousands of deals): a quarter of an update's time at a million deals.
class Postings {
public:
    static constexpr std::size_t kBlock = 1024;

    /// Adds `slot` (no effect when present).
    void insert(std::uint32_t slot) {
        if (blocks_.empty()) {
            blocks_.push_back({slot});
            ++size_;
            return;
        }
        auto& last = blocks_.back();
        if (last.back() < slot) {  // the usual case: a new deal has the highest id
            if (last.size() < kBlock) {
                last.push_back(slot);
            } else {
                blocks_.push_back({slot});
            }
            ++size_;
            return;
        }
        const std::size_t b = block_of(slot);
        auto& block = blocks_[b];
        const auto at = std::lower_bound(block.begin(), block.end(), slot);
        if (at != block.end() && *at == slot) {
            return;
        }
        block.insert(at, slot);
        ++size_;
        if (block.size() > 2 * kBlock) {
            std::vector<std::uint32_t> upper(block.begin() + kBlock, block.end());
            block.resize(kBlock);
            blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
        }
    }

    /// Removes `slot` (no effect when absent).
    void erase(std::uint32_t slot) {
        if (blocks_.empty()) {
            return;
        }
        const std::size_t b = block_of(slot);
        auto& block = blocks_[b];
        const auto at = std::lower_bound(block.begin(), block.end(), slot);
        if (at == block.end() || *at != slot) {
            return;
        }
        block.erase(at);
        --size_;
        if (block.empty()) {
            blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b));
        } else if (b + 1 < blocks_.size() && block.size() + blocks_[b + 1].size() <= kBlock) {
            auto& next = blocks_[b + 1];
            block.insert(block.end(), next.begin(), next.end());
            blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1);
        }
    }

    [[nodiscard]] bool empty() const { return size_ == 0; }
    [[nodiscard]] std::size_t size() const { return size_; }
    /// The blocks, each ascending, all in order: every slot of one is below those of the next.
    [[nodiscard]] const std::vector<std::vector<std::uint32_t>>& blocks() const { return blocks_; }

    /// All the slots, ascending.
    [[nodiscard]] std::vector<std::uint32_t> slots() const {
        std::vector<std::uint32_t> out;
        out.reserve(size_);
        for (const auto& block : blocks_) {
            out.insert(out.end(), block.begin(), block.end());
        }
        return out;
    }

private:
    /// The first block whose last slot is not below `slot`; past the end, the last block.
    [[nodiscard]] std::size_t block_of(std::uint32_t slot) const {
        const auto it = std::lower_bound(blocks_.begin(), blocks_.end(), slot,
                                         [](const std::vector<std::uint32_t>& block,
                                            std::uint32_t s) { return block.back() < s; });
        return it == blocks_.end() ? blocks_.size() - 1
                                   : static_cast<std::size_t>(it - blocks_.begin());
    }

    std::vector<std::vector<std::uint32_t>> blocks_;
    std::size_t size_ = 0;
};

}  // namespace deals::projections
