#pragma once

// Query execution over a DealIndex (internal to projections/): conditions to slot lists, and a
// page of them in order. Keeping the index in step with the deals is deal_index.cpp's.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "projections/deal_index.hpp"
#include "projections/slot_set.hpp"

namespace deals::projections {

/// One run of `DealIndex::find` over the index as it stands: evaluates the conditions to slot
/// lists and combines them, then takes the page from a sort of the matches or from a walk of
/// the order's index, whichever is cheaper (projections/README.md, "The deal indexes").
class DealIndex::QueryExecution {
public:
    explicit QueryExecution(const DealIndex& index) : index_(index) {}

    [[nodiscard]] Page find(const std::vector<IndexCondition>& conditions, bool match_all,
                            std::optional<UserId> owner, const std::vector<DealSortKey>& order,
                            std::size_t offset, std::size_t limit) const;

private:
    /// The folded texts that a text condition searches, with their substring index: the names
    /// (every deal has one), or the lost reasons or a custom field's texts (some deals have one).
    class TextColumn {
    public:
        TextColumn(const TextIndex& index, const std::vector<const NameTexts::Text*>& names)
            : index_(index), names_(&names) {}
        TextColumn(const TextIndex& index,
                   const std::unordered_map<std::uint32_t, std::string>& texts)
            : index_(index), texts_(&texts) {}

        [[nodiscard]] const TextIndex& index() const { return index_; }
        [[nodiscard]] bool has_text(std::uint32_t s) const {
            return names_ != nullptr || texts_->contains(s);
        }
        [[nodiscard]] std::string_view text_of(std::uint32_t s) const {
            if (names_ != nullptr) {
                const NameTexts::Text* name = (*names_)[s];
                return name == nullptr ? std::string_view{} : name->folded();
            }
            auto it = texts_->find(s);
            return it == texts_->end() ? std::string_view{} : std::string_view(it->second);
        }

    private:
        const TextIndex& index_;
        const std::vector<const NameTexts::Text*>* names_ = nullptr;
        const std::unordered_map<std::uint32_t, std::string>* texts_ = nullptr;
    };

    /// Which slots a walk keeps: those of a bitmap of the matches, those a test accepts, or all.
    struct Filter {
        std::optional<SlotBitmap> members;
        const std::function<bool(std::uint32_t)>* test = nullptr;

        [[nodiscard]] bool filters() const { return members.has_value() || test != nullptr; }
        [[nodiscard]] bool keep(std::uint32_t s) const {
            return members ? members->test(s) : (test == nullptr || (*test)(s));
        }
    };

    /// The conditions sorted out: the key conditions that some deal meets, counted from their
    /// index and evaluated only when combined (`lazy`); the others evaluated and combined
    /// (`matches`); or `nothing` when no deal can match.
    struct Split {
        std::vector<const IndexCondition*> lazy;
        std::optional<Slots> matches;
        bool nothing = false;
    };
    [[nodiscard]] Split split(const std::vector<IndexCondition>& conditions, bool match_all) const;
    /// The one condition that can match when it is a search of the names (a `kContains`):
    /// the others, OR-ed, match no deal. Null otherwise.
    [[nodiscard]] const IndexCondition* lone_name_search(
        const std::vector<IndexCondition>& conditions, bool match_all) const;
    /// A page of the deals whose name contains `needle`, in name order, found through the
    /// distinct names that contain it (see `NameTexts::containing`): for each matching name
    /// in order, its deals are read from the name index. Empty optional when the names are too
    /// many beside their deals for that to pay (or the needle cannot be narrowed).
    [[nodiscard]] std::optional<Page> names_page(const std::string& needle, bool descending,
                                                 std::size_t offset, std::size_t limit) const;
    /// A page of the deals that one key condition alone selects.
    [[nodiscard]] Page single_key_page(const IndexCondition& only,
                                       const std::vector<DealSortKey>& order, std::size_t offset,
                                       std::size_t limit) const;
    /// A page of the combination of all conditions, AND-ed with the owner's when given.
    [[nodiscard]] Page combined_page(Split split, const IndexCondition* owner, bool match_all,
                                     const std::vector<DealSortKey>& order, std::size_t offset,
                                     std::size_t limit) const;

    [[nodiscard]] Slots evaluate(const IndexCondition& condition) const;
    [[nodiscard]] Slots present(const Slots& slots) const;
    [[nodiscard]] Slots with_keys(const IndexCondition& condition) const;
    [[nodiscard]] Slots containing(const TextColumn& column, const std::string& needle) const;
    [[nodiscard]] Slots equal_to(const TextColumn& column,
                                 const std::vector<std::string>& needles) const;
    [[nodiscard]] Slots scan(const std::function<bool(std::uint32_t)>& test) const;

    [[nodiscard]] int compare(const DealSortKey& key, std::uint32_t a, std::uint32_t b) const;
    [[nodiscard]] bool before(const std::vector<DealSortKey>& order, std::uint32_t a,
                              std::uint32_t b) const;
    /// Whether sorting `matches` deals beats walking an index for the first `wanted`.
    [[nodiscard]] bool sorting_is_cheaper(std::size_t matches, std::size_t wanted,
                                          bool one_key) const;
    /// Slots `offset`..`offset+limit` in `order` of the `total` deals that `matches` holds or
    /// `test` accepts (every deal when neither is given); `materialise` lists what `test`
    /// accepts, for a walk that skips the blocks without a match.
    [[nodiscard]] std::vector<std::uint32_t> ordered_page(
        const std::vector<DealSortKey>& order, std::size_t total, const Slots* matches,
        const std::function<bool(std::uint32_t)>* test, std::size_t offset, std::size_t limit,
        const std::function<Slots()>& materialise) const;
    /// `ordered_page` by sorting the first `wanted` of the matches.
    [[nodiscard]] std::vector<std::uint32_t> sorted_page(const std::vector<DealSortKey>& order,
                                                         const Slots& matches, std::size_t offset,
                                                         std::size_t wanted) const;
    /// `ordered_page` for one sort key: a walk of its index.
    [[nodiscard]] std::vector<std::uint32_t> walked_page(
        const DealSortKey& key, const Filter& filter, const Slots* matches, std::size_t total,
        std::size_t wanted, std::size_t offset, std::size_t limit,
        const std::function<Slots()>& materialise) const;
    /// `ordered_page` for several sort keys: runs of equal first keys, each sorted by the rest.
    [[nodiscard]] std::vector<std::uint32_t> runs_page(const std::vector<DealSortKey>& order,
                                                       const Filter& filter, std::size_t offset,
                                                       std::size_t limit) const;

    const DealIndex& index_;
};

}  // namespace deals::projections
