#include "projections/views.hpp"

#include <atomic>

#include <algorithm>
#include <thread>
#include <utility>

#include "events/decimal.hpp"
#include "projections/collation.hpp"

#include <limits>

namespace deals::projections {

namespace {

template <class Map, class Key>
auto* find_in(Map& map, Key key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
}

template <class Map>
auto values_of(const Map& map) {
    std::vector<const typename Map::mapped_type*> out;
    out.reserve(map.size());
    for (const auto& [_, v] : map) {
        out.push_back(&v);
    }
    return out;
}

bool is_deal_event(const Event& e) {
    return std::visit(
        [](const auto& ev) {
            return requires { ev.deal_id; };
        },
        e);
}

}  // namespace

void Views::apply(const RecordedEvent& event) {
    if (is_deal_event(event.data)) {
        const DealId id = std::visit(
            [](const auto& ev) {
                if constexpr (requires { ev.deal_id; }) {
                    return ev.deal_id;
                } else {
                    return DealId{};
                }
            },
            event.data);
        watermarks_.deal = std::max(watermarks_.deal, id.value);
        if (bulk_) {
            // No index, no dirty set: finish_load indexes every deal once.
            if (std::holds_alternative<DealPurged>(event.data)) {
                if (auto it = deals_.find(id); it != deals_.end()) {
                    index_lines(it->second, false);
                    deals_.erase(it);
                }
            } else {
                Deal& deal = deals_[id];
                if (deal.version != 0) {
                    index_lines(deal, false);
                }
                projections::apply(deal, event.data, event.occurred_at, event.stream_version);
                index_lines(deal, true);
            }
        } else if (std::holds_alternative<DealPurged>(event.data)) {
            if (const Deal* existing = deal(id)) {
                index_of(*existing).remove(id, DealIndex::keys_of(*existing));
                index_lines(*existing, false);
                deals_.erase(id);
            }
        } else {
            Deal& deal = deals_[id];
            std::optional<DealIndex::Keys> before;
            DealIndex* from = nullptr;
            if (deal.version != 0) {
                before = DealIndex::keys_of(deal);
                from = &index_of(deal);
                index_lines(deal, false);
            }
            projections::apply(deal, event.data, event.occurred_at, event.stream_version);
            DealIndex& to = index_of(deal);
            if (from == &to) {
                to.update(*before, deal);
            } else {
                if (from != nullptr) {
                    from->remove(id, *before);
                }
                to.add(deal);
            }
            index_lines(deal, true);
        }
        if (!bulk_) {
            dirty_.deals.insert(id);
        }
    } else if (std::visit(
                   [](const auto& ev) {
                       return requires { ev.product_id; };
                   },
                   event.data)) {
        apply_catalog(event);
    } else if (std::visit(
                   [](const auto& ev) {
                       return requires { ev.custom_field_id; };
                   },
                   event.data)) {
        apply_custom_field(event);
    } else {
        apply_directory(event);
    }
    applied_sequence_ = event.sequence;
}

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

void Views::apply_custom_field(const RecordedEvent& event) {
    const Timestamp at = event.occurred_at;
    if (const auto* e = std::get_if<CustomFieldCreated>(&event.data)) {
        CustomField field{e->custom_field_id, e->resource_name, e->field_id, e->label,
                          e->field_type,      e->options,       at,          at,
                          event.stream_version};
        sort_options(field.options);
        watermarks_.custom_field =
            std::max(watermarks_.custom_field.value_or(0), e->custom_field_id.value);
        watermarks_.custom_field_option =
            std::max(watermarks_.custom_field_option.value_or(0), highest_option(e->options));
        custom_fields_[e->custom_field_id] = std::move(field);
        if (!bulk_) {
            live_.define(e->custom_field_id, e->field_type);
            trashed_.define(e->custom_field_id, e->field_type);
        }
        refresh_search_fields();
        dirty_.custom_fields.insert(e->custom_field_id);
    } else if (const auto* e = std::get_if<CustomFieldUpdated>(&event.data)) {
        if (CustomField* field = find_in(custom_fields_, e->custom_field_id)) {
            field->label = e->label;
            field->options = e->options;
            sort_options(field->options);
            field->updated_at = at;
            field->version = event.stream_version;
        }
        watermarks_.custom_field_option =
            std::max(watermarks_.custom_field_option.value_or(0), highest_option(e->options));
        dirty_.custom_fields.insert(e->custom_field_id);
    } else if (const auto* e = std::get_if<CustomFieldDeleted>(&event.data)) {
        custom_fields_.erase(e->custom_field_id);
        live_.drop(e->custom_field_id);
        trashed_.drop(e->custom_field_id);
        refresh_search_fields();
        dirty_.custom_fields.insert(e->custom_field_id);  // gone: the checkpoint deletes it
    }
}

void Views::refresh_search_fields() {
    custom_field_list_ = values_of(custom_fields_);
    const auto builtin = projections::deal_search_fields();
    search_fields_.assign(builtin.begin(), builtin.end());
    for (const auto& [_, field] : custom_fields_) {
        if (field.searchable()) {
            search_fields_.push_back(
                SearchField{field.field_id,
                            field.field_type == CustomFieldType::kText ? SearchOp::kLike
                                                                        : SearchOp::kEquals,
                            field.field_type == CustomFieldType::kNumeric});
        }
    }
}

const CustomField* Views::custom_field(CustomFieldId id) const {
    return find_in(custom_fields_, id);
}

const CustomField* Views::custom_field_by_key(std::string_view key) const {
    for (const auto& [_, field] : custom_fields_) {
        if (field.field_id == key) {
            return &field;
        }
    }
    return nullptr;
}


void Views::load(CustomField field) {
    const CustomFieldId id = field.id;
    watermarks_.custom_field = std::max(watermarks_.custom_field.value_or(0), id.value);
    watermarks_.custom_field_option =
        std::max(watermarks_.custom_field_option.value_or(0), highest_option(field.options));
    custom_fields_[id] = std::move(field);
    refresh_search_fields();
}

std::uint64_t Views::new_directory_stamp() {
    static std::atomic<std::uint64_t> last{0};
    return ++last;
}

void Views::apply_directory(const RecordedEvent& event) {
    directory_stamp_ = new_directory_stamp();
    const Timestamp at = event.occurred_at;
    // Every event of a pipeline's stream (its stages' too) moves the pipeline's version.
    const auto bump = [&](PipelineId id) {
        if (Pipeline* p = find_in(pipelines_, id)) {
            p->version = event.stream_version;
        }
    };
    if (const auto* e = std::get_if<PipelineCreated>(&event.data)) {
        pipelines_[e->pipeline_id] = Pipeline{e->pipeline_id, e->name, e->flag, e->is_primary,
                                              at,           at,      event.stream_version};
        watermarks_.pipeline = std::max(watermarks_.pipeline, e->pipeline_id.value);
        dirty_.pipelines.insert(e->pipeline_id);
    } else if (const auto* e = std::get_if<StageCreated>(&event.data)) {
        stages_[e->stage_id] = Stage{
            e->stage_id, e->pipeline_id, e->name, e->win_probability, e->display_order, at, at};
        watermarks_.stage = std::max(watermarks_.stage, e->stage_id.value);
        bump(e->pipeline_id);
        dirty_.pipelines.insert(e->pipeline_id);
        dirty_.stages.insert(e->stage_id);
    } else if (const auto* e = std::get_if<PipelineUpdated>(&event.data)) {
        if (Pipeline* p = find_in(pipelines_, e->pipeline_id)) {
            p->name = e->name;
            p->updated_at = at;
        }
        bump(e->pipeline_id);
        dirty_.pipelines.insert(e->pipeline_id);
    } else if (const auto* e = std::get_if<PipelineDeleted>(&event.data)) {
        // Its stages were deleted by the StageDeleted events before it; any left go with it.
        std::erase_if(stages_, [&](const auto& entry) {
            if (entry.second.pipeline_id != e->pipeline_id) {
                return false;
            }
            dirty_.stages.insert(entry.first);
            return true;
        });
        pipelines_.erase(e->pipeline_id);
        dirty_.pipelines.insert(e->pipeline_id);  // gone: the checkpoint deletes it
    } else if (const auto* e = std::get_if<StageUpdated>(&event.data)) {
        if (Stage* s = find_in(stages_, e->stage_id)) {
            s->name = e->name;
            s->win_probability = e->win_probability;
            s->display_order = e->display_order;
            s->updated_at = at;
        }
        bump(e->pipeline_id);
        dirty_.pipelines.insert(e->pipeline_id);
        dirty_.stages.insert(e->stage_id);
    } else if (const auto* e = std::get_if<StageDeleted>(&event.data)) {
        stages_.erase(e->stage_id);
        bump(e->pipeline_id);
        dirty_.pipelines.insert(e->pipeline_id);
        dirty_.stages.insert(e->stage_id);  // gone: the checkpoint deletes it
    } else if (const auto* e = std::get_if<UserCreated>(&event.data)) {
        users_[e->user_id] = User{e->user_id,    e->name,        e->email, e->super_admin,
                                  e->access_api, e->deals_scope, at,       at};
        watermarks_.user = std::max(watermarks_.user, e->user_id.value);
        dirty_.users.insert(e->user_id);
    } else if (const auto* e = std::get_if<TokenIssued>(&event.data)) {
        tokens_[e->token_id] = Token{e->token_id, e->user_id, e->name, e->secret_sha256, false, at};
        token_by_hash_[e->secret_sha256] = e->token_id;
        watermarks_.token = std::max(watermarks_.token, e->token_id.value);
        dirty_.tokens.insert(e->token_id);
    } else if (const auto* e = std::get_if<TokenRevoked>(&event.data)) {
        if (Token* token = find_in(tokens_, e->token_id)) {
            token->revoked = true;
            token_by_hash_.erase(token->secret_sha256);
        }
        dirty_.tokens.insert(e->token_id);
    }
}

std::string product_name_key(std::string_view name) {
    while (!name.empty() && name.back() == ' ') {
        name.remove_suffix(1);
    }
    return fold(name);
}

void Views::apply_catalog(const RecordedEvent& event) {
    const Timestamp at = event.occurred_at;
    const ProductId id = std::visit(
        [](const auto& ev) {
            if constexpr (requires { ev.product_id; }) {
                return ev.product_id;
            } else {
                return ProductId{};
            }
        },
        event.data);
    auto unindex = [this](const Product& p) {
        product_by_folded_name_.erase(product_name_key(p.fields.name));
        if (p.fields.sku) {
            product_by_sku_.erase(fold(*p.fields.sku));
        }
    };
    auto index = [this](const Product& p) {
        product_by_folded_name_[product_name_key(p.fields.name)] = p.id;
        if (p.fields.sku) {
            product_by_sku_[fold(*p.fields.sku)] = p.id;
        }
    };
    if (const auto* e = std::get_if<CatalogProductCreated>(&event.data)) {
        Product p{id, e->fields, e->created_by, at, at, std::nullopt};
        index(p);
        products_[id] = std::move(p);
        watermarks_.product = std::max(watermarks_.product.value_or(0), id.value);
    } else if (Product* p = find_in(products_, id)) {
        if (const auto* u = std::get_if<CatalogProductUpdated>(&event.data)) {
            unindex(*p);
            p->fields = u->fields;
            index(*p);
        } else if (std::holds_alternative<CatalogProductTrashed>(event.data)) {
            p->deleted_at = at;
        } else if (std::holds_alternative<CatalogProductRestored>(event.data)) {
            p->deleted_at.reset();
        }
        p->updated_at = at;
    }
    dirty_.products.insert(id);
}

void Views::index_lines(const Deal& deal, bool add) {
    if (!deal.billable) {
        return;
    }
    for (const auto& l : deal.billable->lines) {
        if (add) {
            deal_of_line_[l.line.id] = deal.id;
            watermarks_.billable_product =
                std::max(watermarks_.billable_product.value_or(0), l.line.id.value);
        } else {
            deal_of_line_.erase(l.line.id);
        }
    }
}

const Product* Views::product(ProductId id) const { return find_in(products_, id); }

const Product* Views::product_by_name(std::string_view name) const {
    auto it = product_by_folded_name_.find(product_name_key(name));
    return it == product_by_folded_name_.end() ? nullptr : product(it->second);
}

const Product* Views::product_by_sku(std::string_view sku) const {
    auto it = product_by_sku_.find(fold(sku));
    return it == product_by_sku_.end() ? nullptr : product(it->second);
}

std::vector<const Product*> Views::products_by_name(Trash which) const {
    std::vector<std::pair<std::string, const Product*>> keyed;
    for (const auto& [_, p] : products_) {
        if (p.trashed() == (which == Trash::kTrashed)) {
            keyed.emplace_back(collation_key(p.fields.name), &p);
        }
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<const Product*> out;
    out.reserve(keyed.size());
    for (const auto& [_, p] : keyed) {
        out.push_back(p);
    }
    return out;
}

std::optional<DealId> Views::deal_of_line(BillableProductId line) const {
    auto it = deal_of_line_.find(line);
    return it == deal_of_line_.end() ? std::nullopt : std::optional(it->second);
}

const Deal* Views::deal(DealId id) const { return find_in(deals_, id); }

std::vector<const Deal*> Views::deals_by_name(Trash which) const {
    const auto& index = index_of(which);
    return index.find({}, false, std::nullopt, {}, 0, index.size()).items;
}

std::size_t Views::deal_count(Trash which) const { return index_of(which).size(); }

const Pipeline* Views::pipeline(PipelineId id) const { return find_in(pipelines_, id); }

const Pipeline* Views::pipeline_by_name(std::string_view name) const {
    const std::string key = fold(name);
    for (const auto& [_, p] : pipelines_) {
        if (fold(p.name) == key) {
            return &p;
        }
    }
    return nullptr;
}

std::vector<const Pipeline*> Views::pipelines() const { return values_of(pipelines_); }

const Stage* Views::stage(StageId id) const { return find_in(stages_, id); }

const Stage* Views::stage_by_name(std::string_view name) const {
    const std::string key = fold(name);
    const Stage* best = nullptr;
    for (const auto& [_, s] : stages_) {
        if (fold(s.name) == key && (best == nullptr || s.display_order < best->display_order)) {
            best = &s;
        }
    }
    return best;
}

std::vector<const Stage*> Views::stages_of(PipelineId id) const {
    std::vector<const Stage*> out;
    for (const auto& [_, s] : stages_) {
        if (s.pipeline_id == id) {
            out.push_back(&s);
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Stage* a, const Stage* b) {
        return a->display_order < b->display_order;
    });
    return out;
}

std::vector<const Stage*> Views::stages_by_name() const {
    auto out = values_of(stages_);
    std::stable_sort(out.begin(), out.end(), [](const Stage* a, const Stage* b) {
        return collation_key(a->name) < collation_key(b->name);
    });
    return out;
}

namespace {

/// The deals of `index` whose `field` holds `value`, counted without materialising them.
std::size_t count_with(const DealIndex& index, DealSortField field, std::int64_t value) {
    const std::vector<IndexCondition> conditions{IndexCondition{
        .kind = IndexCondition::Kind::kKeys, .field = field, .keys = {DealIndex::encode(value)}}};
    return index.find(conditions, true, std::nullopt, {}, 0, 0).total;
}

}  // namespace

std::size_t Views::deals_in(PipelineId id) const {
    return count_with(live_, DealSortField::kPipelineId, id.value) +
           count_with(trashed_, DealSortField::kPipelineId, id.value);
}

std::size_t Views::deals_in(StageId id) const {
    return count_with(live_, DealSortField::kStageId, id.value) +
           count_with(trashed_, DealSortField::kStageId, id.value);
}

const User* Views::user(UserId id) const { return find_in(users_, id); }

const User* Views::user_by_name(std::string_view name) const {
    const std::string key = fold(name);
    for (const auto& [_, u] : users_) {
        if (fold(u.name) == key) {
            return &u;
        }
    }
    return nullptr;
}

const User* Views::user_by_email(std::string_view email) const {
    const std::string key = fold(email);
    for (const auto& [_, u] : users_) {
        if (fold(u.email) == key) {
            return &u;
        }
    }
    return nullptr;
}

std::vector<const User*> Views::users() const { return values_of(users_); }

const Token* Views::token(TokenId id) const { return find_in(tokens_, id); }

const Token* Views::token_by_secret_hash(const std::string& sha256_hex) const {
    auto it = token_by_hash_.find(sha256_hex);
    return it == token_by_hash_.end() ? nullptr : token(it->second);
}

std::vector<const Token*> Views::tokens_of(UserId user) const {
    std::vector<const Token*> out;
    for (const auto& [_, t] : tokens_) {
        if (t.user_id == user && !t.revoked) {
            out.push_back(&t);
        }
    }
    return out;
}

DirtySet Views::take_dirty() { return std::exchange(dirty_, DirtySet{}); }

void Views::mark_dirty(const DirtySet& dirty) {
    dirty_.deals.insert(dirty.deals.begin(), dirty.deals.end());
    dirty_.pipelines.insert(dirty.pipelines.begin(), dirty.pipelines.end());
    dirty_.stages.insert(dirty.stages.begin(), dirty.stages.end());
    dirty_.users.insert(dirty.users.begin(), dirty.users.end());
    dirty_.tokens.insert(dirty.tokens.begin(), dirty.tokens.end());
    dirty_.products.insert(dirty.products.begin(), dirty.products.end());
    dirty_.custom_fields.insert(dirty.custom_fields.begin(), dirty.custom_fields.end());
}

void Views::load(Deal deal) {
    watermarks_.deal = std::max(watermarks_.deal, deal.id.value);
    const DealId id = deal.id;
    const Deal& stored = deals_[id] = std::move(deal);
    if (!bulk_) {
        index_of(stored).add_unsorted(stored);
    }
    index_lines(stored, true);
}

void Views::finish_load() {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    if (bulk_) {
        // Every deal at once: the texts' ICU keys on every core, then placed in one pass.
        bulk_ = false;
        // In id order: the text indexes' postings then grow at their ends. Sorted as (id,
        // pointer) pairs: comparing through the pointers missed the cache on every comparison
        // (a third of a second at a million deals).
        std::vector<std::pair<std::int64_t, const Deal*>> by_id;
        by_id.reserve(deals_.size());
        for (const auto& [id, deal] : deals_) {
            by_id.emplace_back(id.value, &deal);
        }
        std::sort(by_id.begin(), by_id.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<const Deal*> all;
        all.reserve(by_id.size());
        for (const auto& [_, deal] : by_id) {
            all.push_back(deal);
        }
        by_id = {};
        std::vector<DealIndex::TextKeys> keys(all.size());
        std::vector<std::thread> workers;
        for (unsigned t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                for (std::size_t i = t; i < all.size(); i += threads) {
                    keys[i] = DealIndex::text_keys(*all[i]);
                }
            });
        }
        for (auto& w : workers) {
            w.join();
        }
        // Live and trashed deals go to their own indexes, each in id order.
        std::vector<const Deal*> trashed;
        std::vector<DealIndex::TextKeys> trashed_keys;
        std::size_t live = 0;
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (&index_of(*all[i]) == &live_) {
                if (live != i) {  // never a self-move: it may leave the keys empty
                    all[live] = all[i];
                    keys[live] = std::move(keys[i]);
                }
                ++live;
            } else {
                trashed.push_back(all[i]);
                trashed_keys.push_back(std::move(keys[i]));
            }
        }
        all.resize(live);
        keys.resize(live);
        live_.add_unsorted(all, keys, threads);
        trashed_.add_unsorted(trashed, trashed_keys, threads);
    }
    live_.seal(threads);
    trashed_.seal(threads);
    for (const auto& [id, field] : custom_fields_) {
        live_.define(id, field.field_type);
        trashed_.define(id, field.field_type);
    }
}

void Views::load(Pipeline pipeline) {
    directory_stamp_ = new_directory_stamp();
    const PipelineId id = pipeline.id;
    pipelines_[id] = std::move(pipeline);
}

void Views::load(Stage stage) {
    directory_stamp_ = new_directory_stamp();
    const StageId id = stage.id;
    stages_[id] = std::move(stage);
}

void Views::load(User user) {
    const UserId id = user.id;
    users_[id] = std::move(user);
}

void Views::load(Token token) {
    if (!token.revoked) {
        token_by_hash_[token.secret_sha256] = token.id;
    }
    const TokenId id = token.id;
    tokens_[id] = std::move(token);
}

void Views::load(Product product) {
    product_by_folded_name_[product_name_key(product.fields.name)] = product.id;
    if (product.fields.sku) {
        product_by_sku_[fold(*product.fields.sku)] = product.id;
    }
    const ProductId id = product.id;
    watermarks_.product = std::max(watermarks_.product.value_or(0), id.value);
    products_[id] = std::move(product);
}

void Views::load_position(Sequence applied, const IdWatermarks& watermarks) {
    applied_sequence_ = applied;
    // What the loaded views hold counts too (older checkpoints lack some watermarks).
    auto highest = [](std::optional<std::int64_t> a,
                      std::optional<std::int64_t> b) -> std::optional<std::int64_t> {
        if (a && b) {
            return std::max(*a, *b);
        }
        return a ? a : b;
    };
    const auto product = highest(watermarks_.product, watermarks.product);
    const auto line = highest(watermarks_.billable_product, watermarks.billable_product);
    const auto field = highest(watermarks_.custom_field, watermarks.custom_field);
    const auto option = highest(watermarks_.custom_field_option, watermarks.custom_field_option);
    watermarks_ = watermarks;
    watermarks_.product = product;
    watermarks_.billable_product = line;
    watermarks_.custom_field = field;
    watermarks_.custom_field_option = option;
}

}  // namespace deals::projections

namespace deals::projections {

namespace {

/// A deal status as Concord stores it (open 1, won 2, lost 3), and a searched value mapped
/// the same way (`won` → `2`, any case); other values stay as they are.
std::string status_number(DealStatus status) { return std::to_string(static_cast<int>(status) + 1); }

std::string status_value(std::string_view value) {
    if (auto status = parse_deal_status(fold(value))) {
        return status_number(*status);
    }
    return std::string(value);
}

/// The values of a condition: its value, or its comma-separated values for `in`.
std::vector<std::string> values_of(const SearchCondition& c) {
    return c.op == SearchOp::kIn ? in_values(c.value) : std::vector<std::string>{c.value};
}

/// Keys of an integer field (`id`, `stage_id`, …) equal to the condition's values.
std::vector<std::int64_t> integer_values(const SearchCondition& c) {
    std::vector<std::int64_t> out;
    for (const auto& v : values_of(c)) {
        if (auto t = thousandths(v); t && *t % 1000 == 0) {
            out.push_back(*t / 1000);
        }
    }
    return out;
}

}  // namespace

void Views::custom_condition(const CustomField& field, const SearchCondition& c,
                             IndexCondition& ic) const {
    using Kind = IndexCondition::Kind;
    const bool like = c.op == SearchOp::kLike;
    ic.custom = field.id;
    switch (field.field_type) {
        case CustomFieldType::kText:
            ic.text = IndexCondition::Text::kCustom;
            if (like) {
                ic.kind = Kind::kContains;
                ic.needles = {fold(c.value)};
            } else {
                ic.kind = Kind::kEquals;
                for (const auto& v : values_of(c)) {
                    ic.needles.push_back(equality_key(v));
                }
            }
            return;
        case CustomFieldType::kNumeric:
            if (like) {
                // The stored DECIMAL(15,3) text, as for `amount`: rare, so a scan.
                ic.kind = Kind::kScan;
                ic.test = [value = c.value, id = field.id](const Deal& d) {
                    const auto* v = d.custom_fields.find(id);
                    const auto* m = v ? std::get_if<Money>(&v->value) : nullptr;
                    return m && Decimal::from_money(*m).fixed(3).find(value) != std::string::npos;
                };
                return;
            }
            ic.kind = Kind::kKeys;
            ic.field = DealSortField::kCustom;
            for (const auto& v : values_of(c)) {
                if (auto t = thousandths(v)) {
                    ic.keys.push_back(DealIndex::encode(*t));
                }
            }
            return;
        case CustomFieldType::kSelect:
            // The option's name, through the relation (reference §3.4).
            ic.kind = Kind::kKeys;
            ic.field = DealSortField::kCustom;
            for (const auto& o : field.options) {
                if (value_matches(c.op, c.value, o.name, std::nullopt)) {
                    ic.keys.push_back(DealIndex::encode(o.id));
                }
            }
            return;
        default:
            ic.kind = Kind::kNothing;  // not searchable: parse_search never names it
            return;
    }
}

std::vector<IndexCondition> Views::index_conditions(const Search& search) const {
    using Kind = IndexCondition::Kind;
    std::vector<IndexCondition> out;
    for (const auto& c : search.conditions) {
        IndexCondition ic;
        const std::string_view name = deal_search_fields()[c.field].name;
        const bool like = c.op == SearchOp::kLike;
        // An integer field: ids by equality, or their text by `like`.
        auto integer_field = [&](DealSortField field, auto&& value_of) {
            if (like) {
                ic.kind = Kind::kScan;
                ic.test = [value = c.value, value_of](const Deal& d) {
                    const auto v = value_of(d);
                    return v && std::to_string(*v).find(value) != std::string::npos;
                };
                return;
            }
            ic.kind = Kind::kKeys;
            ic.field = field;
            for (const auto v : integer_values(c)) {
                ic.keys.push_back(DealIndex::encode(v));
            }
        };
        // A relation's name (pipeline, stage, owner): the ids whose name matches.
        auto by_name = [&](DealSortField field, const auto& entities) {
            ic.kind = Kind::kKeys;
            ic.field = field;
            for (const auto& [id, entity] : entities) {
                if (value_matches(c.op, c.value, entity.name, std::nullopt)) {
                    ic.keys.push_back(DealIndex::encode(id.value));
                }
            }
        };
        auto text_field = [&](IndexCondition::Text text) {
            ic.text = text;
            if (like) {
                ic.kind = Kind::kContains;
                ic.needles = {fold(c.value)};
            } else {
                ic.kind = Kind::kEquals;
                for (const auto& v : values_of(c)) {
                    ic.needles.push_back(equality_key(v));
                }
            }
        };
        if (name == "id") {
            if (like) {
                integer_field(DealSortField::kId,
                              [](const Deal& d) { return std::optional(d.id.value); });
            } else {
                ic.kind = Kind::kSlots;
                for (const auto v : integer_values(c)) {
                    if (v > 0 && v <= std::numeric_limits<std::uint32_t>::max()) {
                        ic.slots.push_back(static_cast<std::uint32_t>(v));
                    }
                }
            }
        } else if (name == "name") {
            text_field(IndexCondition::Text::kName);
        } else if (name == "pipeline.name") {
            by_name(DealSortField::kPipelineId, pipelines_);
        } else if (name == "pipeline_id") {
            integer_field(DealSortField::kPipelineId,
                          [](const Deal& d) { return std::optional(d.pipeline_id.value); });
        } else if (name == "stage.name") {
            by_name(DealSortField::kStageId, stages_);
        } else if (name == "stage_id") {
            integer_field(DealSortField::kStageId,
                          [](const Deal& d) { return std::optional(d.stage_id.value); });
        } else if (name == "amount") {
            if (like) {
                ic.kind = Kind::kScan;
                ic.test = [value = c.value](const Deal& d) {
                    return d.amount &&
                           Decimal::from_money(*d.amount).fixed(3).find(value) != std::string::npos;
                };
            } else {
                ic.kind = Kind::kKeys;
                ic.field = DealSortField::kAmount;
                for (const auto& v : values_of(c)) {
                    if (auto t = thousandths(v)) {
                        ic.keys.push_back(DealIndex::encode(*t));
                    }
                }
            }
        } else if (name == "status") {
            ic.kind = Kind::kKeys;
            ic.field = DealSortField::kStatus;
            for (const auto status : {DealStatus::kOpen, DealStatus::kWon, DealStatus::kLost}) {
                const std::string number = status_number(status);
                bool match = false;
                for (const auto& v : values_of(c)) {
                    const std::string wanted = status_value(v);
                    match = match || (like ? number.find(wanted) != std::string::npos
                                           : thousandths(wanted) == thousandths(number));
                }
                if (match) {
                    ic.keys.push_back(DealIndex::encode(static_cast<std::int64_t>(status)));
                }
            }
        } else if (name == "lost_reason") {
            text_field(IndexCondition::Text::kLostReason);
        } else if (name == "user.name") {
            by_name(DealSortField::kUserId, users_);
        } else if (name == "user_id") {
            integer_field(DealSortField::kUserId, [](const Deal& d) {
                return d.user_id ? std::optional(d.user_id->value) : std::nullopt;
            });
        } else if (const CustomField* cf = custom_field_by_key(name)) {
            custom_condition(*cf, c, ic);
        }
        std::sort(ic.keys.begin(), ic.keys.end());
        ic.keys.erase(std::unique(ic.keys.begin(), ic.keys.end()), ic.keys.end());
        if (ic.kind == Kind::kKeys && ic.keys.empty()) {
            ic.kind = Kind::kNothing;
        }
        out.push_back(std::move(ic));
    }
    return out;
}

Views::DealPage Views::find_deals(Trash which, const DealQuery& query, std::size_t offset,
                                  std::size_t limit) const {
    std::vector<IndexCondition> conditions;
    bool match_all = false;
    if (query.search) {
        conditions = index_conditions(*query.search);
        match_all = query.search->match_all;
    }
    return index_of(which).find(conditions, match_all, query.owner, query.order, offset, limit);
}

}  // namespace deals::projections
