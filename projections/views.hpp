#pragma once

#include <functional>
#include <map>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "projections/deal.hpp"
#include "projections/deal_index.hpp"
#include "projections/directory.hpp"
#include "projections/search.hpp"

namespace deals::projections {

/// The catalog's name key: case and accents folded, trailing spaces ignored (MySQL's
/// utf8mb4_unicode_ci, which Concord relies on). Two products may not share one.
std::string product_name_key(std::string_view name);

/// Which deals a listing wants: the live ones or the ones in the trash.
enum class Trash { kLive, kTrashed };

/// A deal listing's question (contract §4): a search, the caller's visibility, an order.
struct DealQuery {
    std::optional<Search> search;     ///< conditions over `deal_search_fields()`
    std::optional<UserId> owner;      ///< only this user's deals (`deals_scope: own`)
    std::vector<DealSortKey> order;   ///< empty: name ascending; ties always by id
};

/// Keys of the views changed since the last `take_dirty()`, for persistence. An id whose view
/// no longer exists (a purged deal) means "delete it".
struct DirtySet {
    std::unordered_set<DealId> deals;
    std::unordered_set<PipelineId> pipelines;
    std::unordered_set<StageId> stages;
    std::unordered_set<UserId> users;
    std::unordered_set<TokenId> tokens;
    std::unordered_set<ProductId> products;
    std::unordered_set<CustomFieldId> custom_fields;
    [[nodiscard]] bool empty() const {
        return deals.empty() && pipelines.empty() && stages.empty() && users.empty() &&
               tokens.empty() && products.empty() && custom_fields.empty();
    }
};

/// The highest id ever used per resource, so that ids are never reused (purged deals too).
struct IdWatermarks {
    std::int64_t deal = 0;
    std::int64_t pipeline = 0;
    std::int64_t stage = 0;
    std::int64_t user = 0;
    std::int64_t token = 0;
    // Optional on the wire: checkpoints written before the catalog existed lack them.
    std::optional<std::int64_t> product;
    std::optional<std::int64_t> billable_product;  ///< product lines of deals
    std::optional<std::int64_t> custom_field;
    std::optional<std::int64_t> custom_field_option;  ///< option ids, across all fields
    friend bool operator==(const IdWatermarks&, const IdWatermarks&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("deal", s.deal), f("pipeline", s.pipeline), f("stage", s.stage), f("user", s.user);
        f("token", s.token), f("product", s.product), f("billable_product", s.billable_product);
        f("custom_field", s.custom_field), f("custom_field_option", s.custom_field_option);
    }
};

/// Every view the API serves, folded from the log by one `apply` path (live and replay alike).
/// Not thread-safe: the owner (store::Store) guards it with a reader/writer lock; the log's
/// writer thread is the only one that applies.
class Views {
public:
    /// Applies one committed event; events must come in sequence order.
    void apply(const RecordedEvent& event);

    [[nodiscard]] Sequence applied_sequence() const { return applied_sequence_; }

    /// A stamp that changes whenever a pipeline or stage changes, and that no other Views object
    /// shares unless it is a copy of this one holding the same pipelines and stages: the key of
    /// caches of their rendered JSON.
    [[nodiscard]] std::uint64_t directory_stamp() const { return directory_stamp_; }
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
        return custom_field_list_;
    }
    /// The searchable deal fields: contract §4.4's, then the searchable custom fields by id.
    /// Valid while the views are not changed (under the same read lock).
    [[nodiscard]] std::span<const SearchField> deal_search_fields() const {
        return search_fields_;
    }

    /// The deal a product line belongs to (lines of purged deals are gone).
    [[nodiscard]] std::optional<DealId> deal_of_line(BillableProductId line) const;

    /// Collects and clears what changed since the last call.
    DirtySet take_dirty();
    /// Puts back what a failed persistence took.
    void mark_dirty(const DirtySet& dirty);

    /// Loading persisted views at start-up (before replaying the tail of the log).
    void load(Deal deal);
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
    /// views only, with no deal index and no dirty set, until `finish_load` indexes every deal
    /// at once, on every core. Call before the first view or event.
    void begin_bulk() { bulk_ = true; }

    /// Calls `visit(view)` for every view: deals, pipelines, stages, users, tokens, catalog
    /// products and custom fields (each a const reference of its own type).
    template <class Visit>
    void each_view(Visit&& visit) const {
        for (const auto& [_, v] : deals_) {
            visit(v);
        }
        for (const auto& [_, v] : pipelines_) {
            visit(v);
        }
        for (const auto& [_, v] : stages_) {
            visit(v);
        }
        for (const auto& [_, v] : users_) {
            visit(v);
        }
        for (const auto& [_, v] : tokens_) {
            visit(v);
        }
        for (const auto& [_, v] : products_) {
            visit(v);
        }
        for (const auto& [_, v] : custom_fields_) {
            visit(v);
        }
    }

private:
    DealIndex& index_of(const Deal& deal) { return deal.trashed() ? trashed_ : live_; }
    [[nodiscard]] const DealIndex& index_of(Trash which) const {
        return which == Trash::kLive ? live_ : trashed_;
    }
    [[nodiscard]] std::vector<IndexCondition> index_conditions(const Search& search) const;
    void custom_condition(const CustomField& field, const SearchCondition& c,
                          IndexCondition& ic) const;
    void apply_directory(const RecordedEvent& event);
    void apply_catalog(const RecordedEvent& event);
    void apply_custom_field(const RecordedEvent& event);
    /// Lists the fields and the searchable ones again after a custom field came or went.
    void refresh_search_fields();
    void index_lines(const Deal& deal, bool add);

    std::unordered_map<DealId, Deal> deals_;
    DealIndex live_;
    DealIndex trashed_;
    std::map<PipelineId, Pipeline> pipelines_;
    std::map<StageId, Stage> stages_;
    std::map<UserId, User> users_;
    std::map<TokenId, Token> tokens_;
    std::unordered_map<std::string, TokenId> token_by_hash_;
    std::map<ProductId, Product> products_;
    std::unordered_map<std::string, ProductId> product_by_folded_name_;
    std::unordered_map<std::string, ProductId> product_by_sku_;
    std::unordered_map<BillableProductId, DealId> deal_of_line_;
    std::map<CustomFieldId, CustomField> custom_fields_;  ///< nodes stay put: see search_fields_
    std::vector<const CustomField*> custom_field_list_;   ///< custom_fields_ by id
    std::vector<SearchField> search_fields_ = std::vector<SearchField>(
        projections::deal_search_fields().begin(), projections::deal_search_fields().end());
    Sequence applied_sequence_ = 0;
    std::uint64_t directory_stamp_ = new_directory_stamp();
    IdWatermarks watermarks_;
    DirtySet dirty_;
    bool bulk_ = false;

    static std::uint64_t new_directory_stamp();
};

}  // namespace deals::projections
