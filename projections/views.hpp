#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "projections/catalog_projection.hpp"
#include "projections/custom_field_projection.hpp"
#include "projections/deal.hpp"
#include "projections/deal_index.hpp"
#include "projections/deal_projection.hpp"
#include "projections/deal_query_planner.hpp"
#include "projections/deal_table.hpp"
#include "projections/directory.hpp"
#include "projections/dirty_set.hpp"
#include "projections/id_watermarks.hpp"
#include "projections/pipeline_projection.hpp"
#include "projections/search.hpp"
#include "projections/trash.hpp"
#include "projections/user_projection.hpp"

namespace deals::projections {

/// Every view the API serves, folded from the log by one `apply` path (live and replay alike):
/// one projection per aggregate (deals, pipelines, users and tokens, the catalog, custom
/// fields), each event handed to the projections that apply its type. Not thread-safe: the
/// owner (store::Store) guards it with a reader/writer lock; the log's writer thread is the
/// only one that applies.
class Views {
public:
    /// Applies one committed event; events must come in sequence order.
    void apply(const RecordedEvent& event);
    /// Applies committed events in order, as `apply` each would. A deal that consecutive events
    /// fold into moves in the indexes once (DealProjection::defer_indexing).
    void apply_all(std::span<const RecordedEvent> events);

    [[nodiscard]] Sequence applied_sequence() const { return applied_sequence_; }

    /// A stamp that changes whenever a pipeline or stage changes, and that no other Views object
    /// shares unless it is a copy of this one holding the same pipelines and stages: the key of
    /// caches of their rendered JSON.
    [[nodiscard]] std::uint64_t directory_stamp() const { return pipelines_.stamp(); }
    /// Changes whenever any user changes (UserProjection::users_stamp).
    [[nodiscard]] std::uint64_t users_stamp() const { return users_.users_stamp(); }
    [[nodiscard]] const IdWatermarks& watermarks() const { return watermarks_; }

    [[nodiscard]] const Deal* deal(DealId id) const;
    /// Deals in name order (collation, ties by id).
    [[nodiscard]] std::vector<const Deal*> deals_by_name(Trash which) const;
    [[nodiscard]] std::size_t deal_count(Trash which) const;
    using DealPage = DealIndex::Page;
    /// The deals that answer `query`: `limit` of them from `offset` in its order, and how many
    /// there are. Served from the indexes (no walk over every deal for the searches and
    /// orders of contract §4, except the rare `like` on a numeric field).
    [[nodiscard]] DealPage find_deals(Trash which, const DealQuery& query, std::size_t offset,
                                      std::size_t limit) const;

    [[nodiscard]] const Pipeline* pipeline(PipelineId id) const;
    [[nodiscard]] const Pipeline* pipeline_by_name(std::string_view name) const;
    [[nodiscard]] std::vector<const Pipeline*> pipelines() const;  ///< by id
    [[nodiscard]] const Stage* stage(StageId id) const;
    /// First stage (by display order, then id) whose name equals `name` ignoring case.
    [[nodiscard]] const Stage* stage_by_name(std::string_view name) const;
    [[nodiscard]] std::vector<const Stage*> stages_of(PipelineId id) const;  ///< display order
    [[nodiscard]] std::vector<const Stage*> stages_by_name() const;
    /// How many deals, live and trashed, are in the pipeline / in the stage (from the indexes).
    [[nodiscard]] std::size_t deals_in(PipelineId id) const;
    [[nodiscard]] std::size_t deals_in(StageId id) const;
    [[nodiscard]] const User* user(UserId id) const;
    [[nodiscard]] const User* user_by_name(std::string_view name) const;
    [[nodiscard]] const User* user_by_email(std::string_view email) const;
    [[nodiscard]] std::vector<const User*> users() const;  ///< by id
    [[nodiscard]] const Token* token(TokenId id) const;
    [[nodiscard]] const Token* token_by_secret_hash(const std::string& sha256_hex) const;
    /// The tokens of `user` that still work (not revoked), by id.
    [[nodiscard]] std::vector<const Token*> tokens_of(UserId user) const;
    [[nodiscard]] const Product* product(ProductId id) const;
    /// The product whose name equals `name` ignoring case, accents and trailing spaces, the
    /// trashed ones included (contract §7.4).
    [[nodiscard]] const Product* product_by_name(std::string_view name) const;
    /// The product with this SKU, ignoring case (the trashed ones included).
    [[nodiscard]] const Product* product_by_sku(std::string_view sku) const;
    /// Catalog products in name order (ties by id).
    [[nodiscard]] std::vector<const Product*> products_by_name(Trash which) const;
    [[nodiscard]] const CustomField* custom_field(CustomFieldId id) const;
    /// The live field whose key (`field_id`, `cf_…`) is `key`.
    [[nodiscard]] const CustomField* custom_field_by_key(std::string_view key) const;
    /// The live fields by id (kept with the map: no allocation per rendered deal).
    [[nodiscard]] const std::vector<const CustomField*>& custom_fields() const {
        return custom_fields_.custom_fields();
    }
    /// The searchable deal fields: contract §4.4's, then the searchable custom fields by id.
    /// Valid while the views are not changed (under the same read lock).
    [[nodiscard]] std::span<const SearchField> deal_search_fields() const {
        return custom_fields_.deal_search_fields();
    }

    /// The deal a product line belongs to (lines of purged deals are gone).
    [[nodiscard]] std::optional<DealId> deal_of_line(BillableProductId line) const;

    /// Collects and clears what changed since the last call.
    DirtySet take_dirty();
    /// Puts back what a failed persistence took.
    void mark_dirty(const DirtySet& dirty);

    /// Loading persisted views at start-up (before replaying the tail of the log).
    void load(Deal deal);
    /// The deals of page `n` of the deal table, decoded in place (each one's id is its place).
    void load(std::size_t n, std::unique_ptr<DealTable::Page> page);
    void load(Pipeline pipeline);
    void load(Stage stage);
    void load(User user);
    void load(Token token);
    void load(Product product);
    void load(CustomField field);
    void load_position(Sequence applied, const IdWatermarks& watermarks);
    /// Ends loading: sorts the indexes once (they take loaded deals unsorted).
    void finish_load();

    /// Bulk loading or folding (start-up, a rebuild from the log): `load` and `apply` keep the
    /// deals only, with no deal index and no dirty deals, until `finish_load` indexes every
    /// deal at once, on every core. Call before the first view or event.
    void begin_bulk() { deals_.begin_bulk(); }

    /// Calls `visit(view)` for every view: deals, pipelines, stages, users, tokens, catalog
    /// products and custom fields (each a const reference of its own type).
    template <class Visit>
    void each_view(Visit&& visit) const {
        deals_.each_view(visit);
        pipelines_.each_view(visit);
        users_.each_view(visit);
        catalog_.each_view(visit);
        custom_fields_.each_view(visit);
    }

private:
    /// Applies one event, leaving a deal it folds into unsettled while deferring.
    void apply_one(const RecordedEvent& event);

    DealProjection deals_;
    PipelineProjection pipelines_;
    UserProjection users_;
    CatalogProjection catalog_;
    CustomFieldProjection custom_fields_;
    Sequence applied_sequence_ = 0;
    IdWatermarks watermarks_;
    DirtySet dirty_;
};

}  // namespace deals::projections
