#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/event.hpp"

namespace deals::projections {

using namespace deals::events;  // NOLINT

/// A pipeline as served by `/api/pipelines`.
struct Pipeline {
    PipelineId id;
    std::string name;
    std::optional<std::string> flag;
    bool is_primary = false;
    Timestamp created_at;
    Timestamp updated_at;
    /// The version of the stream `pipeline-N` (its stages' events included), for optimistic
    /// concurrency; absent in views stored before it was kept.
    std::optional<StreamVersion> version;
    friend bool operator==(const Pipeline&, const Pipeline&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id), f("name", s.name), f("flag", s.flag), f("is_primary", s.is_primary);
        f("created_at", s.created_at), f("updated_at", s.updated_at), f("version", s.version);
    }
};

/// A stage of a pipeline.
struct Stage {
    StageId id;
    PipelineId pipeline_id;
    std::string name;
    std::int64_t win_probability = 0;
    std::int64_t display_order = 0;
    Timestamp created_at;
    Timestamp updated_at;
    friend bool operator==(const Stage&, const Stage&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id), f("pipeline_id", s.pipeline_id), f("name", s.name);
        f("win_probability", s.win_probability), f("display_order", s.display_order);
        f("created_at", s.created_at), f("updated_at", s.updated_at);
    }
};

/// A user of the API.
struct User {
    UserId id;
    std::string name;
    std::string email;
    bool super_admin = false;
    bool access_api = true;
    DealsScope deals_scope = DealsScope::kOwn;
    Timestamp created_at;
    Timestamp updated_at;
    friend bool operator==(const User&, const User&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id), f("name", s.name), f("email", s.email), f("super_admin", s.super_admin);
        f("access_api", s.access_api), f("deals_scope", s.deals_scope);
        f("created_at", s.created_at), f("updated_at", s.updated_at);
    }
};

/// A custom field definition (contract §12) as served by `/api/custom-fields`.
struct CustomField {
    CustomFieldId id;
    std::string resource_name;
    std::string field_id;  ///< the deal key of its values, `cf_…`
    std::string label;
    CustomFieldType field_type = CustomFieldType::kText;
    std::vector<CustomFieldOption> options;  ///< display order, ties by id
    Timestamp created_at;
    Timestamp updated_at;
    StreamVersion version = 0;  ///< of the stream `custom-field-N`

    [[nodiscard]] const CustomFieldOption* option(std::int64_t option_id) const {
        for (const auto& o : options) {
            if (o.id == option_id) {
                return &o;
            }
        }
        return nullptr;
    }
    /// Searched by `q` (contract §12): Text by `like`, Numeric and Select (option name) by `=`.
    [[nodiscard]] bool searchable() const {
        return field_type == CustomFieldType::kText || field_type == CustomFieldType::kNumeric ||
               field_type == CustomFieldType::kSelect;
    }
    /// A key of `order` (contract §4.2): Numeric, Date and Text.
    [[nodiscard]] bool sortable() const {
        return field_type == CustomFieldType::kText || field_type == CustomFieldType::kNumeric ||
               field_type == CustomFieldType::kDate;
    }

    friend bool operator==(const CustomField&, const CustomField&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id), f("resource_name", s.resource_name), f("field_id", s.field_id);
        f("label", s.label), f("field_type", s.field_type), f("options", s.options);
        f("created_at", s.created_at), f("updated_at", s.updated_at), f("version", s.version);
    }
};

/// A personal access token; only the SHA-256 (hex) of its secret is kept.
struct Token {
    TokenId id;
    UserId user_id;
    std::string name;
    std::string secret_sha256;
    bool revoked = false;
    Timestamp created_at;
    friend bool operator==(const Token&, const Token&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id), f("user_id", s.user_id), f("name", s.name);
        f("secret_sha256", s.secret_sha256), f("revoked", s.revoked);
        f("created_at", s.created_at);
    }
};

}  // namespace deals::projections

namespace deals::projections {

/// A product of the catalog (`/api/products`), soft-deletable.
struct Product {
    ProductId id;
    CatalogProductFields fields;
    std::optional<UserId> created_by;
    Timestamp created_at;
    Timestamp updated_at;
    std::optional<Timestamp> deleted_at;
    [[nodiscard]] bool trashed() const { return deleted_at.has_value(); }
    friend bool operator==(const Product&, const Product&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("id", s.id), f("fields", s.fields), f("created_by", s.created_by);
        f("created_at", s.created_at), f("updated_at", s.updated_at);
        f("deleted_at", s.deleted_at);
    }
};

}  // namespace deals::projections
