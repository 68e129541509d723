#pragma once

#include <map>
#include <span>
#include <string_view>
#include <vector>

#include "projections/apply_context.hpp"
#include "projections/directory.hpp"
#include "projections/search.hpp"

namespace deals::projections {

/// The custom field definitions (contract §12), folded from the `custom-field-N` streams, and
/// the deal fields a search may name: contract §4.4's, then the searchable custom fields. Part
/// of `Views`: not thread-safe, guarded by the views' lock.
class CustomFieldProjection {
public:
    void apply(const CustomFieldCreated& e, const ApplyContext& c);
    void apply(const CustomFieldUpdated& e, const ApplyContext& c);
    void apply(const CustomFieldDeleted& e, const ApplyContext& c);

    /// Takes a persisted view at start-up (raising the field and option watermarks).
    void load(CustomField field, IdWatermarks& watermarks);

    [[nodiscard]] const CustomField* custom_field(CustomFieldId id) const;
    /// The live field whose key (`field_id`, `cf_…`) is `key`.
    [[nodiscard]] const CustomField* custom_field_by_key(std::string_view key) const;
    /// The live fields by id (kept with the map: no allocation per rendered deal).
    [[nodiscard]] const std::vector<const CustomField*>& custom_fields() const { return list_; }
    /// The searchable deal fields: contract §4.4's, then the searchable custom fields by id.
    /// Valid while the fields are not changed.
    [[nodiscard]] std::span<const SearchField> deal_search_fields() const { return search_fields_; }

    /// Calls `visit(view)` for every field.
    template <class Visit>
    void each_view(Visit&& visit) const {
        for (const auto& [_, v] : fields_) {
            visit(v);
        }
    }

private:
    /// Lists the fields and the searchable ones again after a field came or went.
    void refresh();

    std::map<CustomFieldId, CustomField> fields_;  ///< nodes stay put: see search_fields_
    std::vector<const CustomField*> list_;         ///< fields_ by id
    /// Names of the custom ones point into `fields_`.
    std::vector<SearchField> search_fields_ = std::vector<SearchField>(
        projections::deal_search_fields().begin(), projections::deal_search_fields().end());
};

}  // namespace deals::projections
