#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "projections/deal.hpp"
#include "projections/deal_order.hpp"
#include "projections/index_condition.hpp"
#include "projections/name_texts.hpp"
#include "projections/ordered_index.hpp"
#include "projections/text_index.hpp"

namespace deals::projections {

/// The deals of one place (live or trash) indexed for the query language: an ordered index
/// per sortable field (contract §4.2) and substring indexes over the folded name and lost
/// reason; for each custom field that is sorted or searched (contract §12), an ordered index
/// of its values and, for Text, a substring index. Kept in step by `add`/`update`/`remove` as
/// events are applied (deal_index.cpp); built from the views at start-up (`build`: what
/// `add_unsorted` then `seal` do, on every core). `find` answers a query
/// (deal_query_execution.cpp). A deal's slot is its id.
class DealIndex {
public:
    DealIndex();
    /// Moves keep the deals' addresses valid (Views moves the map they live in along).
    DealIndex(DealIndex&& other) noexcept;
    ~DealIndex();
    DealIndex& operator=(DealIndex&& other) noexcept;
    DealIndex(const DealIndex&) = delete;
    DealIndex& operator=(const DealIndex&) = delete;

    /// The values a deal is indexed by, taken before an event changes it.
    struct Keys {
        std::array<std::uint64_t, 16> sort{};
        std::string name;
        std::optional<std::string> lost_reason;
        CustomFieldValues custom;
    };
    static Keys keys_of(const Deal& deal);
    /// A field's order-preserving key (a missing value is the lowest).
    static std::uint64_t key_of(DealSortField field, const Deal& deal);
    /// An integer's key: `index_key(value)`.
    static std::uint64_t encode(std::int64_t value) { return index_key(value); }

    void add(const Deal& deal);
    /// `deal` has changed from `before` (and stays in this index).
    void update(const Keys& before, const Deal& deal);
    void remove(DealId id, const Keys& before);
    /// Start-up: adds without ordering; `seal()` sorts once. Nothing else may happen between.
    void add_unsorted(const Deal& deal);
    /// `add_unsorted` of many deals (best in id order): the keys of their distinct names and
    /// their lost reasons are computed on up to `threads` threads (ICU, the costly part), then
    /// the texts are indexed on this thread while the others compute the fields' entries.
    void add_unsorted(std::span<const Deal* const> deals, unsigned threads);
    /// Sorts what `add_unsorted` took, the fields' indexes on up to `threads` threads.
    void seal(unsigned threads = 1);
    /// `add_unsorted(deals, threads)` then `seal(threads)`, into an empty index (start-up), with
    /// the same result: the text indexes are built on one thread while the others sort the
    /// fields' indexes, which are independent of them.
    void build(std::span<const Deal* const> deals, unsigned threads);

    /// Indexes a custom field's values (Numeric, Date, Text, Select; other types are only
    /// stored), from the deals here; again from scratch when it is indexed already.
    void define(CustomFieldId id, CustomFieldType type);
    /// Forgets a deleted custom field's index.
    void drop(CustomFieldId id);

    [[nodiscard]] std::size_t size() const { return count_; }
    [[nodiscard]] const Deal* deal(std::uint32_t slot) const {
        return slot < deals_.size() ? deals_[slot] : nullptr;
    }

    struct Page {
        std::vector<const Deal*> items;
        std::size_t total = 0;
    };
    /// The deals that match `conditions` (OR-ed, or AND-ed when `match_all`; all deals when
    /// there are none) and belong to `owner` when given, in `order` (name when empty, ties by
    /// id): `limit` of them from `offset`, and how many there are.
    [[nodiscard]] Page find(const std::vector<IndexCondition>& conditions, bool match_all,
                            std::optional<UserId> owner, const std::vector<DealSortKey>& order,
                            std::size_t offset, std::size_t limit) const;

private:
    struct CustomColumn;   // custom_column.hpp
    class QueryExecution;  // deal_query_execution.hpp
    class NameTie : public OrderedIndex::Tie {
    public:
        explicit NameTie(const DealIndex& index) : index_(index) {}
        [[nodiscard]] int compare(std::uint32_t a, std::uint32_t b) const override;

    private:
        const DealIndex& index_;
    };

    [[nodiscard]] OrderedIndex::Entry entry(DealSortField field, std::uint32_t slot,
                                            std::uint64_t key) const;
    /// Takes `deal` into its slot, with its name's entry and its folded lost reason, and
    /// indexes their words (the name's by `name_words`, its word ids, when given); returns
    /// the slot.
    std::uint32_t place(const Deal& deal, const NameTexts::Text* name,
                        std::optional<std::string> lost_folded,
                        const std::vector<std::uint32_t>* name_words = nullptr);
    /// Indexes the words of a placed slot's name (by `name_words`, its word ids, when given)
    /// and of its folded lost reason.
    void place_texts(std::uint32_t slot, const NameTexts::Text* name,
                     std::optional<std::string> lost_folded,
                     const std::vector<std::uint32_t>* name_words);
    /// `place` for each of `deals` (with its name's text and folded lost reason), and their
    /// name entries; or, when they are placed already (`texts_only`), `place_texts`.
    void place_all(std::span<const Deal* const> deals,
                   const std::vector<const NameTexts::Text*>& texts,
                   std::vector<std::optional<std::string>>& lost, bool texts_only = false);
    /// What indexing many deals starts with: their names' entries (ICU keys computed on up to
    /// `threads` threads) and folded lost reasons, room for their slots and entries.
    struct Texts {
        std::vector<const NameTexts::Text*> names;
        std::vector<std::optional<std::string>> lost;
    };
    Texts prepare(std::span<const Deal* const> deals, unsigned threads);
    /// Makes room for `n` more entries of each field (the name's too when `with_name`), on up
    /// to `threads` threads, and answers where they start.
    std::array<std::size_t, 16> grow_pending(std::size_t n, bool with_name, unsigned threads);
    /// The fields' entries of `deals` (from `base`), ranges of them taken from `next` until
    /// none is left: called by each thread that shares the work. With `names` it places the
    /// deals in their slots and makes their name entries too.
    void fill_entries(std::span<const Deal* const> deals, const std::array<std::size_t, 16>& base,
                      std::atomic<std::size_t>& next,
                      const std::vector<const NameTexts::Text*>* names);
    /// Sorts field `f`'s pending entries into its index (`seal`).
    void seal_field(std::size_t f);
    /// A slot's name entry (the slot must hold a deal).
    [[nodiscard]] const NameTexts::Text& name_of(std::uint32_t slot) const {
        return *name_text_[slot];
    }
    /// The name index's entries in name order (by the names' ranks, ties by slot), for `seal`.
    [[nodiscard]] std::vector<OrderedIndex::Entry> name_entries_in_order(
        std::vector<OrderedIndex::Entry> entries);
    /// The ordered index of a field (a built-in one, or `custom`'s).
    [[nodiscard]] const OrderedIndex& ordered(DealSortField field, CustomFieldId custom) const;
    /// A field's key for `deal`, as `ordered(field, custom)` holds it.
    [[nodiscard]] std::uint64_t key_for(DealSortField field, CustomFieldId custom,
                                        const Deal& deal) const;
    [[nodiscard]] const CustomColumn* column(CustomFieldId id) const;
    /// Enters / leaves a deal in every custom field's index (`values` are its values).
    void add_custom(std::uint32_t slot, const CustomFieldValues& values);
    void remove_custom(std::uint32_t slot, const CustomFieldValues& values);

    NameTie name_tie_;
    std::array<OrderedIndex, 16> orders_;
    std::vector<const Deal*> deals_;                 ///< slot -> deal, null when not here
    NameTexts name_texts_;                           ///< one entry per distinct name
    std::vector<const NameTexts::Text*> name_text_;  ///< slot -> its name's entry
    std::unordered_map<std::uint32_t, std::string> lost_folded_;
    TextIndex names_;
    TextIndex lost_reasons_;
    std::size_t count_ = 0;
    std::array<std::vector<OrderedIndex::Entry>, 16> pending_;  ///< add_unsorted, until seal
    bool sealed_ = true;
    std::map<std::int64_t, std::unique_ptr<CustomColumn>> custom_;  ///< by custom field id
};

}  // namespace deals::projections
