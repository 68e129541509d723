#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "projections/apply_context.hpp"
#include "projections/deal.hpp"
#include "projections/deal_index.hpp"
#include "projections/deal_table.hpp"
#include "projections/directory.hpp"
#include "projections/trash.hpp"

namespace deals::projections {

/// The events of a deal's stream that are folded into the deal (all but `DealPurged`).
template <class E>
inline constexpr bool kFoldedIntoDeal =
    std::is_same_v<E, DealCreated> || std::is_same_v<E, DealUpdated> ||
    std::is_same_v<E, StageChanged> || std::is_same_v<E, OwnerAssigned> ||
    std::is_same_v<E, StatusChanged> || std::is_same_v<E, DealTrashed> ||
    std::is_same_v<E, DealRestored> || std::is_same_v<E, AssociationsChanged> ||
    std::is_same_v<E, TaxTypeChanged> || std::is_same_v<E, ProductAdded> ||
    std::is_same_v<E, ProductUpdated> || std::is_same_v<E, ProductRemoved> ||
    std::is_same_v<E, CustomFieldValuesChanged>;

/// The deals, folded from the `deal-N` streams, with their indexes (one for the live deals,
/// one for the trash: projections/README.md) and the deal of each product line. A deal and its
/// index entries change in the same `Views::apply` (or `apply_all`, a commit's events), so a
/// reader never sees one without the other.
/// Part of `Views`: not thread-safe, guarded by the views' lock.
class DealProjection {
public:
    // Each event of a deal's stream is folded into its deal (`projections::apply`), which then
    // moves in the indexes (once for a run of its events while deferring); a purge removes the
    // deal.
    template <class E>
    requires kFoldedIntoDeal<E>
    void apply(const E& e, const ApplyContext& c) { fold(e.deal_id, c); }
    void apply(const DealPurged& e, const ApplyContext& c);
    // A custom field's values are indexed from its creation (from the deals present) until its
    // deletion.
    void apply(const CustomFieldCreated& e, const ApplyContext& c);
    void apply(const CustomFieldDeleted& e, const ApplyContext& c);

    /// While deferring, a deal that consecutive events fold into moves in the indexes once: when
    /// an event folded into another deal comes, or any other change to the deals (a purge, a
    /// custom field's definition, a load: each settles first), or at `settle`. A billable of three
    /// lines is four events of one deal, and each moved it (the amount, `updated_at`). Until then
    /// its index entries are those from before the first of them, so a reader must not see the
    /// views between (Views::apply_all settles before it returns).
    void defer_indexing(bool on) {
        settle();
        deferring_ = on;
    }
    /// Moves the deal left unsettled, if any, in the indexes.
    void settle();

    /// Takes a persisted deal at start-up, raising the deal and product line watermarks.
    void load(Deal deal, IdWatermarks& watermarks);
    /// `load` of every deal of page `n` (DealTable::adopt). Each one's id must be its place
    /// (the loader checks it against the stored key).
    void load_page(std::size_t n, std::unique_ptr<DealTable::Page> page, IdWatermarks& watermarks);
    /// From now until `finish_load`, `load` and `apply` keep the deals only: no index, no
    /// dirty keys (see `Views::begin_bulk`).
    void begin_bulk() { bulk_ = true; }
    /// Ends loading: indexes what bulk loading left unindexed (every deal at once, on every
    /// core), sorts the indexes once and indexes the values of the custom `fields`.
    void finish_load(std::span<const CustomField* const> fields);

    [[nodiscard]] const Deal* deal(DealId id) const;
    /// Deals in name order (collation, ties by id).
    [[nodiscard]] std::vector<const Deal*> deals_by_name(Trash which) const;
    [[nodiscard]] std::size_t deal_count(Trash which) const { return index(which).size(); }
    [[nodiscard]] const DealIndex& index(Trash which) const {
        return which == Trash::kLive ? live_ : trashed_;
    }
    /// How many deals, live and trashed, are in the pipeline / in the stage (from the indexes).
    [[nodiscard]] std::size_t deals_in(PipelineId id) const;
    [[nodiscard]] std::size_t deals_in(StageId id) const;
    /// The deal a product line belongs to (lines of purged deals are gone).
    [[nodiscard]] std::optional<DealId> deal_of_line(BillableProductId line) const;

    /// Calls `visit(view)` for every deal.
    template <class Visit>
    void each_view(Visit&& visit) const {
        deals_.each(visit);
    }

private:
    /// Folds the event of `c` into deal `id` and moves the deal in the indexes (see
    /// `defer_indexing`).
    void fold(DealId id, const ApplyContext& c);
    /// Folds `event` into deal `id`, moving it within or between the indexes (once for a run
    /// of its events while deferring).
    void fold_indexed(DealId id, Deal& deal, const RecordedEvent& event);
    DealIndex& index_of(const Deal& deal) { return deal.trashed() ? trashed_ : live_; }
    /// A deal just loaded: the watermarks raised, indexed (unless in bulk), its lines entered.
    void track_loaded(const Deal& stored, IdWatermarks& watermarks);
    DealIndex& index_of(Trash which) { return which == Trash::kLive ? live_ : trashed_; }
    /// Enters the line an event adds to `deal`, or removes the one it removes, in
    /// `deal_of_line_`.
    void index_line(DealId deal, const Event& event, IdWatermarks& watermarks);
    /// Enters (`add`) or removes a deal's product lines in `deal_of_line_`.
    void index_lines(const Deal& deal, bool add, IdWatermarks& watermarks);
    /// Indexes every deal at once, the texts' ICU keys on `threads` threads (bulk loading).
    void index_all(unsigned threads);
    /// The deals, live and trashed, whose `field` holds `value`.
    [[nodiscard]] std::size_t count_with(DealSortField field, std::int64_t value) const;

    /// The deal folded last while deferring, and where it was in the indexes before: which of
    /// them (not a pointer, which a move of this object would leave behind) and its keys there.
    struct Unsettled {
        DealId id;
        std::optional<DealIndex::Keys> before;  ///< none for a new deal
        Trash from = Trash::kLive;
    };

    DealTable deals_;
    std::optional<Unsettled> unsettled_;
    bool deferring_ = false;
    DealIndex live_;
    DealIndex trashed_;
    std::unordered_map<BillableProductId, DealId> deal_of_line_;
    bool bulk_ = false;
};

}  // namespace deals::projections
