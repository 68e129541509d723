#include "projections/custom_field_projection.hpp"

#include <algorithm>
#include <utility>

#include "projections/map_lookup.hpp"

namespace deals::projections {

namespace {

void sort_options(std::vector<CustomFieldOption>& options) {
    std::stable_sort(options.begin(), options.end(), [](const auto& a, const auto& b) {
        return std::pair(a.display_order, a.id) < std::pair(b.display_order, b.id);
    });
}

std::int64_t highest_option(const std::vector<CustomFieldOption>& options) {
    std::int64_t out = 0;
    for (const auto& o : options) {
        out = std::max(out, o.id);
    }
    return out;
}

}  // namespace

void CustomFieldProjection::apply(const CustomFieldCreated& e, const ApplyContext& c) {
    CustomField field{e.custom_field_id, e.resource_name, e.field_id, e.label,    e.field_type,
                      e.options,         c.at(),          c.at(),     c.version()};
    sort_options(field.options);
    raise_to(c.watermarks.custom_field, e.custom_field_id.value);
    raise_to(c.watermarks.custom_field_option, highest_option(e.options));
    fields_[e.custom_field_id] = std::move(field);
    refresh();
    c.dirty.custom_fields.insert(e.custom_field_id);
}

void CustomFieldProjection::apply(const CustomFieldUpdated& e, const ApplyContext& c) {
    if (CustomField* field = find_in(fields_, e.custom_field_id)) {
        field->label = e.label;
        field->options = e.options;
        sort_options(field->options);
        field->updated_at = c.at();
        field->version = c.version();
    }
    raise_to(c.watermarks.custom_field_option, highest_option(e.options));
    c.dirty.custom_fields.insert(e.custom_field_id);
}

void CustomFieldProjection::apply(const CustomFieldDeleted& e, const ApplyContext& c) {
    fields_.erase(e.custom_field_id);
    refresh();
    c.dirty.custom_fields.insert(e.custom_field_id);  // gone: the checkpoint deletes it
}

void CustomFieldProjection::load(CustomField field, IdWatermarks& watermarks) {
    const CustomFieldId id = field.id;
    raise_to(watermarks.custom_field, id.value);
    raise_to(watermarks.custom_field_option, highest_option(field.options));
    fields_[id] = std::move(field);
    refresh();
}

void CustomFieldProjection::refresh() {
    list_ = values_of(fields_);
    const auto builtin = projections::deal_search_fields();
    search_fields_.assign(builtin.begin(), builtin.end());
    for (const auto& [_, field] : fields_) {
        if (field.searchable()) {
            search_fields_.push_back(SearchField{
                field.field_id,
                field.field_type == CustomFieldType::kText ? SearchOp::kLike : SearchOp::kEquals,
                field.field_type == CustomFieldType::kNumeric});
        }
    }
}

const CustomField* CustomFieldProjection::custom_field(CustomFieldId id) const {
    return find_in(fields_, id);
}

const CustomField* CustomFieldProjection::custom_field_by_key(std::string_view key) const {
    for (const auto& [_, field] : fields_) {
        if (field.field_id == key) {
            return &field;
        }
    }
    return nullptr;
}

}  // namespace deals::projections
