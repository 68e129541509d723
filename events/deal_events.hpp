#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/ids.hpp"
#include "events/money.hpp"
#include "events/time.hpp"

namespace deals::events {

/// The three states of a deal. The wire names are `open`, `won` and `lost`.
enum class DealStatus { kOpen, kWon, kLost };

std::string_view to_string(DealStatus status);
std::optional<DealStatus> parse_deal_status(std::string_view text);

/// An old and a new value of one field, as carried by `DealUpdated`.
template <class T>
struct Change {
    T old_value{};
    T new_value{};
    friend bool operator==(const Change&, const Change&) = default;
};

// Each event lists its fields once in `describe`, which the codecs in store/ walk. Field names
// are the wire names; a field is never renamed or reused (events/README.md).

/// A deal was created. When `status` is won or lost the won/lost date is the event's time.
struct DealCreated {
    static constexpr std::string_view kType = "DealCreated";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    std::string name;
    PipelineId pipeline_id;
    StageId stage_id;
    std::optional<Money> amount;
    std::optional<Date> expected_close_date;
    DealStatus status = DealStatus::kOpen;
    std::optional<std::string> lost_reason;
    std::optional<UserId> user_id;
    std::optional<std::string> swatch_color;
    friend bool operator==(const DealCreated&, const DealCreated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("name", s.name), f("pipeline_id", s.pipeline_id);
        f("stage_id", s.stage_id), f("amount", s.amount);
        f("expected_close_date", s.expected_close_date), f("status", s.status);
        f("lost_reason", s.lost_reason), f("user_id", s.user_id);
        f("swatch_color", s.swatch_color);
    }
};

/// Plain fields of a deal changed; only the changed ones are present, each with old and new.
struct DealUpdated {
    static constexpr std::string_view kType = "DealUpdated";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    std::optional<Change<std::string>> name;
    std::optional<Change<std::optional<Money>>> amount;
    std::optional<Change<std::optional<Date>>> expected_close_date;
    std::optional<Change<std::optional<std::string>>> lost_reason;
    std::optional<Change<std::optional<std::string>>> swatch_color;
    friend bool operator==(const DealUpdated&, const DealUpdated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("name", s.name), f("amount", s.amount);
        f("expected_close_date", s.expected_close_date), f("lost_reason", s.lost_reason);
        f("swatch_color", s.swatch_color);
    }
};

/// The deal moved to another stage (and so perhaps to another pipeline).
struct StageChanged {
    static constexpr std::string_view kType = "StageChanged";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    StageId from_stage_id;
    StageId to_stage_id;
    PipelineId from_pipeline_id;
    PipelineId to_pipeline_id;
    friend bool operator==(const StageChanged&, const StageChanged&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("from_stage_id", s.from_stage_id);
        f("to_stage_id", s.to_stage_id), f("from_pipeline_id", s.from_pipeline_id);
        f("to_pipeline_id", s.to_pipeline_id);
    }
};

/// The deal's owner changed (to nobody when `to_user_id` is absent).
struct OwnerAssigned {
    static constexpr std::string_view kType = "OwnerAssigned";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    std::optional<UserId> from_user_id;
    std::optional<UserId> to_user_id;
    friend bool operator==(const OwnerAssigned&, const OwnerAssigned&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("from_user_id", s.from_user_id);
        f("to_user_id", s.to_user_id);
    }
};

/// The deal's status changed. `lost_reason` is the reason when `to` is lost, else absent.
struct StatusChanged {
    static constexpr std::string_view kType = "StatusChanged";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    DealStatus from = DealStatus::kOpen;
    DealStatus to = DealStatus::kOpen;
    std::optional<std::string> lost_reason;
    friend bool operator==(const StatusChanged&, const StatusChanged&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("from", s.from), f("to", s.to);
        f("lost_reason", s.lost_reason);
    }
};

/// Ids of associated records per type (contract §8): contacts, companies, activities. Each
/// list ascending, without repeats.
struct AssociatedIds {
    /// Views stored before associations existed have none (see store/reflect_json.hpp).
    static constexpr bool kDefaultWhenAbsent = true;
    std::vector<std::int64_t> contacts;
    std::vector<std::int64_t> companies;
    std::vector<std::int64_t> activities;
    [[nodiscard]] bool empty() const {
        return contacts.empty() && companies.empty() && activities.empty();
    }
    friend bool operator==(const AssociatedIds&, const AssociatedIds&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("contacts", s.contacts), f("companies", s.companies), f("activities", s.activities);
    }
};

/// Records were associated with the deal or no longer are: one event per call that changes
/// anything (attach, sync, detach, or the keys of a create or update). `added` and `removed`
/// are disjoint; applying them to the previous ids gives the new ones.
struct AssociationsChanged {
    static constexpr std::string_view kType = "AssociationsChanged";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    AssociatedIds added;
    AssociatedIds removed;
    friend bool operator==(const AssociationsChanged&, const AssociationsChanged&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("added", s.added), f("removed", s.removed);
    }
};

/// The deal moved to the trash; it keeps everything and leaves lists.
struct DealTrashed {
    static constexpr std::string_view kType = "DealTrashed";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    friend bool operator==(const DealTrashed&, const DealTrashed&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id);
    }
};

/// The deal came back from the trash.
struct DealRestored {
    static constexpr std::string_view kType = "DealRestored";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    friend bool operator==(const DealRestored&, const DealRestored&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id);
    }
};

/// The deal was deleted for good from the trash; its events stay in the log.
struct DealPurged {
    static constexpr std::string_view kType = "DealPurged";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    friend bool operator==(const DealPurged&, const DealPurged&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id);
    }
};

}  // namespace deals::events
