#pragma once

// Custom fields (contract §12): definitions on their own streams (`custom-field-N`), values on
// the deal's stream.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "events/ids.hpp"
#include "events/money.hpp"
#include "events/time.hpp"

namespace deals::events {

using CustomFieldId = Id<struct CustomFieldTag>;

/// The kinds of custom field. The wire names are Concord's: `Text`, `Textarea`, `Numeric`,
/// `Date`, `Boolean`, `Select`, `MultiSelect`.
enum class CustomFieldType { kText, kTextarea, kNumeric, kDate, kBoolean, kSelect, kMultiSelect };

std::string_view to_string(CustomFieldType type);
std::optional<CustomFieldType> parse_custom_field_type(std::string_view text);

/// Whether the type's values are option ids (Select, MultiSelect).
inline bool has_options(CustomFieldType type) {
    return type == CustomFieldType::kSelect || type == CustomFieldType::kMultiSelect;
}

/// A value of a custom field, in the form its type holds: text (Text, Textarea), a number
/// (Numeric, in thousandths like an amount), a date, a boolean, or option ids (Select: one;
/// MultiSelect: one or more, ascending). On the wire it is the plain JSON value (`"abc"`,
/// `1250.5`, `"2026-03-03"`, `true`, `[4,7]`); the field's type, carried beside it, says how
/// to read it.
struct CustomValue {
    std::variant<std::string, Money, Date, bool, std::vector<std::int64_t>> value;
    friend bool operator==(const CustomValue&, const CustomValue&) = default;
};

/// One custom field's value on a deal, as a deal view keeps it.
struct CustomFieldValue {
    CustomFieldId custom_field_id;
    CustomFieldType field_type = CustomFieldType::kText;
    CustomValue value;
    friend bool operator==(const CustomFieldValue&, const CustomFieldValue&) = default;
};

/// A deal's custom field values, ascending by field id; a field without a value has no entry.
struct CustomFieldValues {
    /// Deal views stored before custom fields existed have none (store/reflect_json.hpp).
    static constexpr bool kDefaultWhenAbsent = true;
    std::vector<CustomFieldValue> values;
    [[nodiscard]] const CustomValue* find(CustomFieldId id) const {
        for (const auto& v : values) {
            if (v.custom_field_id == id) {
                return &v.value;
            }
        }
        return nullptr;
    }
    friend bool operator==(const CustomFieldValues&, const CustomFieldValues&) = default;
};

/// An option of a Select or MultiSelect field. Option ids are unique across all fields.
struct CustomFieldOption {
    std::int64_t id = 0;
    std::string name;
    std::int64_t display_order = 0;
    friend bool operator==(const CustomFieldOption&, const CustomFieldOption&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id), f("name", s.name), f("display_order", s.display_order);
    }
};

/// A custom field was defined (stream `custom-field-N`). `field_id` (`cf_…`) is the key its
/// values take on a deal; it and the type never change.
struct CustomFieldCreated {
    static constexpr std::string_view kType = "CustomFieldCreated";
    static constexpr int kSchemaVersion = 1;
    CustomFieldId custom_field_id;
    std::string resource_name;  ///< always `deals` here
    std::string field_id;
    std::string label;
    CustomFieldType field_type = CustomFieldType::kText;
    std::vector<CustomFieldOption> options;  ///< Select and MultiSelect only
    friend bool operator==(const CustomFieldCreated&, const CustomFieldCreated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("custom_field_id", s.custom_field_id), f("resource_name", s.resource_name);
        f("field_id", s.field_id), f("label", s.label), f("field_type", s.field_type);
        f("options", s.options);
    }
};

/// A custom field's label or options changed: its state after the change. Options are only
/// ever added or renamed, never removed, so a deal's stored option ids stay valid.
struct CustomFieldUpdated {
    static constexpr std::string_view kType = "CustomFieldUpdated";
    static constexpr int kSchemaVersion = 1;
    CustomFieldId custom_field_id;
    std::string field_id;
    std::string label;
    std::vector<CustomFieldOption> options;
    friend bool operator==(const CustomFieldUpdated&, const CustomFieldUpdated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("custom_field_id", s.custom_field_id), f("field_id", s.field_id);
        f("label", s.label), f("options", s.options);
    }
};

/// A custom field was deleted: its key leaves every deal, and its values are no longer read
/// (they stay in the deals' history). Its id and option ids are never used again.
struct CustomFieldDeleted {
    static constexpr std::string_view kType = "CustomFieldDeleted";
    static constexpr int kSchemaVersion = 1;
    CustomFieldId custom_field_id;
    std::string field_id;
    friend bool operator==(const CustomFieldDeleted&, const CustomFieldDeleted&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("custom_field_id", s.custom_field_id), f("field_id", s.field_id);
    }
};

/// One custom field's value before and after a change (null: no value). The field's key and
/// type travel with it, so a consumer needs no call back to read it.
struct CustomFieldChange {
    CustomFieldId custom_field_id;
    std::string field_id;
    CustomFieldType field_type = CustomFieldType::kText;
    std::optional<CustomValue> old_value;
    std::optional<CustomValue> new_value;
    friend bool operator==(const CustomFieldChange&, const CustomFieldChange&) = default;
};

/// Custom field values of a deal changed (on the deal's stream): by a create, which appends it
/// right after `DealCreated`, or by an update. Only the fields that changed, ascending by id.
struct CustomFieldValuesChanged {
    static constexpr std::string_view kType = "CustomFieldValuesChanged";
    static constexpr int kSchemaVersion = 1;
    DealId deal_id;
    std::vector<CustomFieldChange> changes;
    friend bool operator==(const CustomFieldValuesChanged&, const CustomFieldValuesChanged&) =
        default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal_id", s.deal_id), f("changes", s.changes);
    }
};

}  // namespace deals::events
