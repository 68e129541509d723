#include "projections/views.hpp"

#include <type_traits>
#include <utility>
#include <variant>

#include "projections/apply_context.hpp"

namespace deals::projections {

namespace {

/// Hands `event` to each projection that applies its type, in the order given; an event type
/// that none applies does not compile.
template <class E, class... Projections>
void dispatch(const E& event, const ApplyContext& context, Projections&... projections) {
    static_assert((Applies<Projections, E> || ...), "an event that no projection applies");
    const auto to = [&](auto& projection) {
        if constexpr (Applies<std::remove_reference_t<decltype(projection)>, E>) {
            projection.apply(event, context);
        }
    };
    (to(projections), ...);
}

}  // namespace

void Views::apply(const RecordedEvent& event) {
    apply_one(event);
    deals_.settle();
}

void Views::apply_all(std::span<const RecordedEvent> events) {
    deals_.defer_indexing(true);
    try {
        for (const auto& event : events) {
            apply_one(event);
        }
    } catch (...) {
        deals_.defer_indexing(false);  // the events before it are applied whole
        throw;
    }
    deals_.defer_indexing(false);  // settles the deal folded last
}

void Views::apply_one(const RecordedEvent& event) {
    const ApplyContext context{event, watermarks_, dirty_};
    std::visit(
        [&](const auto& e) {
            dispatch(e, context, deals_, pipelines_, users_, catalog_, custom_fields_);
        },
        event.data);
    applied_sequence_ = event.sequence;
}

Views::DealPage Views::find_deals(Trash which, const DealQuery& query, std::size_t offset,
                                  std::size_t limit) const {
    std::vector<IndexCondition> conditions;
    bool match_all = false;
    if (query.search) {
        conditions = plan_conditions(*query.search, pipelines_, users_, custom_fields_);
        match_all = query.search->match_all;
    }
    return deals_.index(which).find(conditions, match_all, query.owner, query.order, offset, limit);
}

// ---- loading and persistence ----

DirtySet Views::take_dirty() { return std::exchange(dirty_, DirtySet{}); }

void Views::mark_dirty(const DirtySet& dirty) { dirty_.merge(dirty); }

void Views::load(Deal deal) { deals_.load(std::move(deal), watermarks_); }
void Views::load(std::size_t n, std::unique_ptr<DealTable::Page> page) {
    deals_.load_page(n, std::move(page), watermarks_);
}
void Views::load(Pipeline pipeline) { pipelines_.load(std::move(pipeline)); }
void Views::load(Stage stage) { pipelines_.load(std::move(stage)); }
void Views::load(User user) { users_.load(std::move(user)); }
void Views::load(Token token) { users_.load(std::move(token)); }
void Views::load(Product product) { catalog_.load(std::move(product), watermarks_); }
void Views::load(CustomField field) { custom_fields_.load(std::move(field), watermarks_); }

void Views::load_position(Sequence applied, const IdWatermarks& watermarks) {
    applied_sequence_ = applied;
    // What the loaded views hold counts too (older checkpoints lack some watermarks).
    watermarks_ = restored(watermarks, watermarks_);
}

void Views::finish_load() { deals_.finish_load(custom_fields_.custom_fields()); }

// ---- lookups, each answered by its aggregate's projection ----

const Deal* Views::deal(DealId id) const { return deals_.deal(id); }
std::vector<const Deal*> Views::deals_by_name(Trash which) const {
    return deals_.deals_by_name(which);
}
std::size_t Views::deal_count(Trash which) const { return deals_.deal_count(which); }
std::size_t Views::deals_in(PipelineId id) const { return deals_.deals_in(id); }
std::size_t Views::deals_in(StageId id) const { return deals_.deals_in(id); }
std::optional<DealId> Views::deal_of_line(BillableProductId line) const {
    return deals_.deal_of_line(line);
}

const Pipeline* Views::pipeline(PipelineId id) const { return pipelines_.pipeline(id); }
const Pipeline* Views::pipeline_by_name(std::string_view name) const {
    return pipelines_.pipeline_by_name(name);
}
std::vector<const Pipeline*> Views::pipelines() const { return pipelines_.pipelines(); }
const Stage* Views::stage(StageId id) const { return pipelines_.stage(id); }
const Stage* Views::stage_by_name(std::string_view name) const {
    return pipelines_.stage_by_name(name);
}
std::vector<const Stage*> Views::stages_of(PipelineId id) const { return pipelines_.stages_of(id); }
std::vector<const Stage*> Views::stages_by_name() const { return pipelines_.stages_by_name(); }

const User* Views::user(UserId id) const { return users_.user(id); }
const User* Views::user_by_name(std::string_view name) const { return users_.user_by_name(name); }
const User* Views::user_by_email(std::string_view email) const {
    return users_.user_by_email(email);
}
std::vector<const User*> Views::users() const { return users_.users(); }
const Token* Views::token(TokenId id) const { return users_.token(id); }
const Token* Views::token_by_secret_hash(const std::string& sha256_hex) const {
    return users_.token_by_secret_hash(sha256_hex);
}
std::vector<const Token*> Views::tokens_of(UserId user) const { return users_.tokens_of(user); }

const Product* Views::product(ProductId id) const { return catalog_.product(id); }
const Product* Views::product_by_name(std::string_view name) const {
    return catalog_.product_by_name(name);
}
const Product* Views::product_by_sku(std::string_view sku) const {
    return catalog_.product_by_sku(sku);
}
std::vector<const Product*> Views::products_by_name(Trash which) const {
    return catalog_.products_by_name(which);
}

const CustomField* Views::custom_field(CustomFieldId id) const {
    return custom_fields_.custom_field(id);
}
const CustomField* Views::custom_field_by_key(std::string_view key) const {
    return custom_fields_.custom_field_by_key(key);
}

}  // namespace deals::projections
