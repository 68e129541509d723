#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/event.hpp"

namespace deals::projections {

using namespace deals::events;  // NOLINT: the projections speak the events' vocabulary

/// One visit of a deal to a stage while the deal was open; `left_at` is empty while it lasts.
struct StageVisit {
    StageId stage_id;
    Timestamp entered_at;
    std::optional<Timestamp> left_at;
    friend bool operator==(const StageVisit&, const StageVisit&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("stage_id", s.stage_id), f("entered_at", s.entered_at), f("left_at", s.left_at);
    }
};

/// A product line of a deal's billable: the stored values and when it was added and changed.
struct BillableLineView {
    BillableLine line;
    Timestamp created_at;
    Timestamp updated_at;
    friend bool operator==(const BillableLineView&, const BillableLineView&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("line", s.line), f("created_at", s.created_at), f("updated_at", s.updated_at);
    }
};

/// A deal's billable, once it has been saved (its id is the deal's id). Lines are kept in
/// display order, ties by line id.
struct BillableView {
    TaxType tax_type = TaxType::kNoTax;
    std::vector<BillableLineView> lines;
    Timestamp created_at;
    friend bool operator==(const BillableView&, const BillableView&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("tax_type", s.tax_type), f("lines", s.lines), f("created_at", s.created_at);
    }
};

/// The state of one deal: the fold of its stream, used by decide() and served by the API.
/// Plain data; owned by `Views`, copied out for decisions.
struct Deal {
    DealId id;
    std::string name;
    PipelineId pipeline_id;
    StageId stage_id;
    std::optional<Money> amount;
    std::optional<Date> expected_close_date;
    DealStatus status = DealStatus::kOpen;
    std::optional<std::string> lost_reason;
    std::optional<Timestamp> won_date;
    std::optional<Timestamp> lost_date;
    std::optional<Timestamp> stage_changed_date;
    std::optional<UserId> user_id;
    std::optional<Timestamp> owner_assigned_date;
    std::optional<std::string> swatch_color;
    std::int64_t board_order = 0;
    std::int64_t products_count = 0;
    std::vector<StageVisit> stage_history;
    Timestamp created_at;
    Timestamp updated_at;
    std::optional<Timestamp> deleted_at;  ///< set while the deal is in the trash
    std::optional<BillableView> billable;
    AssociatedIds associations;  ///< contacts, companies, activities (contract §8)
    /// Custom field values (contract §12), ascending by field id. Values of a deleted field
    /// stay here unread; its id is never used again.
    CustomFieldValues custom_fields;
    StreamVersion version = 0;

    [[nodiscard]] bool trashed() const { return deleted_at.has_value(); }

    friend bool operator==(const Deal&, const Deal&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id), f("name", s.name), f("pipeline_id", s.pipeline_id);
        f("stage_id", s.stage_id), f("amount", s.amount);
        f("expected_close_date", s.expected_close_date), f("status", s.status);
        f("lost_reason", s.lost_reason), f("won_date", s.won_date), f("lost_date", s.lost_date);
        f("stage_changed_date", s.stage_changed_date), f("user_id", s.user_id);
        f("owner_assigned_date", s.owner_assigned_date), f("swatch_color", s.swatch_color);
        f("board_order", s.board_order), f("products_count", s.products_count);
        f("stage_history", s.stage_history), f("created_at", s.created_at);
        f("updated_at", s.updated_at), f("deleted_at", s.deleted_at), f("billable", s.billable);
        f("associations", s.associations), f("custom_fields", s.custom_fields);
        f("version", s.version);
    }
};

/// Folds one deal event into `deal` (which is default-constructed before `DealCreated`).
/// `at` is the event's time and `version` its stream version. Never fails: events are facts.
void apply(Deal& deal, const Event& event, Timestamp at, StreamVersion version);

/// Seconds spent in each stage, summed over visits; a visit still open counts up to `now`.
/// Ordered as Concord orders them: the most recently entered stage first.
std::vector<std::pair<StageId, double>> time_in_stages(const Deal& deal, Timestamp now);

/// Open, with a close date whose midnight (UTC) has passed.
bool falls_behind_expected_close_date(const Deal& deal, Timestamp now);

}  // namespace deals::projections
