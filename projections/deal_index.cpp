#include "projections/deal_index.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "projections/collation.hpp"

namespace deals::projections {

namespace {

constexpr std::size_t kFields = 16;

std::size_t at(DealSortField field) { return static_cast<std::size_t>(field); }

template <class T>
std::uint64_t opt_key(const std::optional<T>& v, auto&& value_of) {
    return v ? DealIndex::encode(value_of(*v)) : 0;
}

/// The first eight bytes of a collation key, big-endian: comparing them orders as the key does
/// (a key shorter than eight bytes is padded with zeros, which sort first).
std::uint64_t prefix_of(const std::string& key) {
    std::uint64_t out = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        out = out << 8 | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0);
    }
    return out;
}

}  // namespace

int DealIndex::NameTie::compare(std::uint32_t a, std::uint32_t b) const {
    return index_.name_key_[a].compare(index_.name_key_[b]);
}

/// The index of one custom field: an ordered index over every deal here (unset values have
/// key 0 and sort first), and for Text the collation keys, folded texts and substring index.
struct DealIndex::CustomColumn {
    class Tie : public OrderedIndex::Tie {
    public:
        explicit Tie(const CustomColumn& column) : column_(column) {}
        [[nodiscard]] int compare(std::uint32_t a, std::uint32_t b) const override {
            return column_.collation_of(a).compare(column_.collation_of(b));
        }

    private:
        const CustomColumn& column_;
    };

    CustomColumn(CustomFieldId field, CustomFieldType kind) : id(field), type(kind), tie(*this) {
        if (type == CustomFieldType::kText) {
            order.set_tie(&tie);
        }
    }

    /// A present text's collation key behind a 0x01 byte, so that it sorts after every unset
    /// value (empty) even when the collation ignores all of it (a lone soft hyphen).
    static std::string present_key(std::string_view text) {
        return '\x01' + collation_key(text);
    }
    [[nodiscard]] std::string_view collation_of(std::uint32_t slot) const {
        auto it = collation.find(slot);
        return it == collation.end() ? std::string_view{} : std::string_view(it->second);
    }
    [[nodiscard]] std::string_view folded_of(std::uint32_t slot) const {
        auto it = folded.find(slot);
        return it == folded.end() ? std::string_view{} : std::string_view(it->second);
    }
    /// The key of a value (0: none). Text keys are a prefix of the collation key.
    [[nodiscard]] std::uint64_t key(const CustomValue* value) const {
        if (value == nullptr) {
            return 0;
        }
        return std::visit(
            [this](const auto& v) -> std::uint64_t {
                using V = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<V, Money>) {
                    return DealIndex::encode(v.thousandths);
                } else if constexpr (std::is_same_v<V, Date>) {
                    return DealIndex::encode(v.days);
                } else if constexpr (std::is_same_v<V, std::vector<std::int64_t>>) {
                    return v.empty() ? 0 : DealIndex::encode(v.front());
                } else if constexpr (std::is_same_v<V, std::string>) {
                    return type == CustomFieldType::kText ? prefix_of(present_key(v)) : 0;
                } else {
                    return 0;
                }
            },
            value->value);
    }
    void enter(std::uint32_t slot, const CustomValue* value) {
        if (type == CustomFieldType::kText && value != nullptr) {
            const auto& t = std::get<std::string>(value->value);
            collation[slot] = present_key(t);
            auto& f = folded[slot] = fold(t);
            text.add(slot, f);
        }
    }
    void leave(std::uint32_t slot) {
        if (auto it = folded.find(slot); it != folded.end()) {
            text.remove(slot, it->second);
            folded.erase(it);
        }
        collation.erase(slot);
    }

    CustomFieldId id;
    CustomFieldType type;
    Tie tie;
    OrderedIndex order;
    std::unordered_map<std::uint32_t, std::string> collation;
    std::unordered_map<std::uint32_t, std::string> folded;
    TextIndex text;
};

namespace {

/// Whether a custom field of this type is indexed (sorted or searched).
bool indexed(CustomFieldType type) {
    return type == CustomFieldType::kText || type == CustomFieldType::kNumeric ||
           type == CustomFieldType::kDate || type == CustomFieldType::kSelect;
}

}  // namespace

DealIndex::DealIndex() : name_tie_(*this) { orders_[at(DealSortField::kName)].set_tie(&name_tie_); }

DealIndex::~DealIndex() = default;

DealIndex::DealIndex(DealIndex&& other) noexcept : name_tie_(*this) { *this = std::move(other); }

DealIndex& DealIndex::operator=(DealIndex&& other) noexcept {
    orders_ = std::move(other.orders_);
    orders_[at(DealSortField::kName)].set_tie(&name_tie_);
    deals_ = std::move(other.deals_);
    name_key_ = std::move(other.name_key_);
    name_folded_ = std::move(other.name_folded_);
    lost_folded_ = std::move(other.lost_folded_);
    names_ = std::move(other.names_);
    lost_reasons_ = std::move(other.lost_reasons_);
    count_ = std::exchange(other.count_, 0);
    pending_ = std::move(other.pending_);
    sealed_ = std::exchange(other.sealed_, true);
    custom_ = std::move(other.custom_);
    return *this;
}

std::uint64_t DealIndex::key_of(DealSortField field, const Deal& d) {
    switch (field) {
        case DealSortField::kId:
            return encode(d.id.value);
        case DealSortField::kName:
            return 0;  // the collation key's prefix, kept by the index
        case DealSortField::kAmount:
            return opt_key(d.amount, [](const Money& m) { return m.thousandths; });
        case DealSortField::kExpectedCloseDate:
            return opt_key(d.expected_close_date, [](const Date& v) { return std::int64_t{v.days}; });
        case DealSortField::kStatus:
            return encode(static_cast<std::int64_t>(d.status));
        case DealSortField::kStageId:
            return encode(d.stage_id.value);
        case DealSortField::kPipelineId:
            return encode(d.pipeline_id.value);
        case DealSortField::kUserId:
            return opt_key(d.user_id, [](const UserId& v) { return v.value; });
        case DealSortField::kCreatedAt:
            return encode(d.created_at.micros);
        case DealSortField::kUpdatedAt:
            return encode(d.updated_at.micros);
        case DealSortField::kWonDate:
            return opt_key(d.won_date, [](const Timestamp& v) { return v.micros; });
        case DealSortField::kLostDate:
            return opt_key(d.lost_date, [](const Timestamp& v) { return v.micros; });
        case DealSortField::kStageChangedDate:
            return opt_key(d.stage_changed_date, [](const Timestamp& v) { return v.micros; });
        case DealSortField::kOwnerAssignedDate:
            return opt_key(d.owner_assigned_date, [](const Timestamp& v) { return v.micros; });
        case DealSortField::kBoardOrder:
            return encode(d.board_order);
        case DealSortField::kProductsCount:
            return encode(d.products_count);
        case DealSortField::kCustom:
            return 0;  // kept by the field's own index (key_for)
    }
    return 0;
}

DealIndex::Keys DealIndex::keys_of(const Deal& deal) {
    Keys keys;
    for (std::size_t f = 0; f < kFields; ++f) {
        keys.sort[f] = key_of(static_cast<DealSortField>(f), deal);
    }
    keys.name = deal.name;
    keys.lost_reason = deal.lost_reason;
    keys.custom = deal.custom_fields;
    return keys;
}

OrderedIndex::Entry DealIndex::entry(DealSortField field, std::uint32_t slot,
                                     std::uint64_t key) const {
    if (field == DealSortField::kName) {
        key = prefix_of(name_key_[slot]);
    }
    return {key, slot};
}

DealIndex::TextKeys DealIndex::text_keys(const Deal& deal) {
    return {collation_key(deal.name), fold(deal.name),
            deal.lost_reason ? std::optional(fold(*deal.lost_reason)) : std::nullopt};
}

void DealIndex::index_text(std::uint32_t slot, TextKeys keys) {
    name_key_[slot] = std::move(keys.name_key);
    name_folded_[slot] = std::move(keys.name_folded);
    names_.add(slot, name_folded_[slot]);
    if (keys.lost_folded) {
        auto& folded = lost_folded_[slot] = std::move(*keys.lost_folded);
        lost_reasons_.add(slot, folded);
    }
}

std::uint32_t DealIndex::place(const Deal& deal, TextKeys keys) {
    const auto slot = static_cast<std::uint32_t>(deal.id.value);
    if (slot >= deals_.size()) {
        const std::size_t n = std::max<std::size_t>(slot + 1, deals_.size() * 3 / 2 + 16);
        deals_.resize(n, nullptr);
        name_key_.resize(n);
        name_folded_.resize(n);
    }
    deals_[slot] = &deal;
    ++count_;
    index_text(slot, std::move(keys));
    return slot;
}

void DealIndex::add_unsorted(const Deal& deal) { add_unsorted(deal, text_keys(deal)); }

void DealIndex::add_unsorted(const Deal& deal, TextKeys keys) {
    const Deal* one = &deal;
    add_unsorted(std::span(&one, 1), std::span(&keys, 1), 1);
}

void DealIndex::add_unsorted(std::span<const Deal* const> deals, std::span<TextKeys> keys,
                             unsigned threads) {
    const auto name = static_cast<std::size_t>(DealSortField::kName);
    if (deals.size() > 1) {  // not for one: growing by one each time would copy every time
        for (auto& p : pending_) {
            p.reserve(p.size() + deals.size());
        }
    }
    // The other fields' entries depend on the deal alone (a deal's slot is its id).
    std::atomic<std::size_t> next{0};
    const auto entries = [&] {
        for (std::size_t f = next++; f < kFields; f = next++) {
            if (f == name) {
                continue;
            }
            const auto field = static_cast<DealSortField>(f);
            for (const Deal* deal : deals) {
                const auto slot = static_cast<std::uint32_t>(deal->id.value);
                pending_[f].push_back(entry(field, slot, key_of(field, *deal)));
            }
        }
    };
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < std::max(1u, threads); ++t) {
        helpers.emplace_back(entries);
    }
    for (std::size_t i = 0; i < deals.size(); ++i) {
        const auto key = prefix_of(keys[i].name_key);
        pending_[name].push_back({key, place(*deals[i], std::move(keys[i]))});
    }
    if (helpers.empty()) {
        entries();
    }
    for (auto& h : helpers) {
        h.join();
    }
    sealed_ = false;  // the custom fields' indexes are rebuilt by seal()
}

void DealIndex::seal(unsigned threads) {
    if (sealed_) {
        return;
    }
    // Each field's index sorts on its own; a few threads take the fields in turn.
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t f = next++; f < kFields; f = next++) {
            orders_[f].assign(std::exchange(pending_[f], {}));
        }
    };
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < std::max(1u, threads); ++t) {
        helpers.emplace_back(work);
    }
    work();
    for (auto& h : helpers) {
        h.join();
    }
    sealed_ = true;
    for (auto& [id, column] : custom_) {
        define(column->id, column->type);
    }
}

void DealIndex::define(CustomFieldId id, CustomFieldType type) {
    if (!indexed(type)) {
        return;
    }
    seal();
    auto column = std::make_unique<CustomColumn>(id, type);
    std::vector<OrderedIndex::Entry> entries;
    entries.reserve(count_);
    for (std::uint32_t s = 0; s < deals_.size(); ++s) {
        if (deals_[s] != nullptr) {
            const CustomValue* value = deals_[s]->custom_fields.find(id);
            column->enter(s, value);
            entries.push_back({column->key(value), s});
        }
    }
    column->order.assign(std::move(entries));
    custom_[id.value] = std::move(column);
}

void DealIndex::drop(CustomFieldId id) { custom_.erase(id.value); }

const DealIndex::CustomColumn* DealIndex::column(CustomFieldId id) const {
    auto it = custom_.find(id.value);
    return it == custom_.end() ? nullptr : it->second.get();
}

void DealIndex::add_custom(std::uint32_t slot, const CustomFieldValues& values) {
    for (auto& [id, column] : custom_) {
        const CustomValue* value = values.find(column->id);
        column->enter(slot, value);
        column->order.insert({column->key(value), slot});
    }
}

void DealIndex::remove_custom(std::uint32_t slot, const CustomFieldValues& values) {
    for (auto& [id, column] : custom_) {
        const CustomValue* value = values.find(column->id);
        column->order.erase({column->key(value), slot});
        column->leave(slot);
    }
}

const OrderedIndex& DealIndex::ordered(DealSortField field, CustomFieldId custom) const {
    if (field == DealSortField::kCustom) {
        const auto* c = column(custom);
        if (c == nullptr) {
            throw std::logic_error("DealIndex: custom field " + custom.str() + " is not indexed");
        }
        return c->order;
    }
    return orders_[at(field)];
}

std::uint64_t DealIndex::key_for(DealSortField field, CustomFieldId custom,
                                 const Deal& deal) const {
    if (field == DealSortField::kCustom) {
        const auto* c = column(custom);
        return c == nullptr ? 0 : c->key(deal.custom_fields.find(custom));
    }
    return key_of(field, deal);
}

void DealIndex::add(const Deal& deal) {
    seal();
    const auto slot = place(deal, text_keys(deal));
    for (std::size_t f = 0; f < kFields; ++f) {
        const auto field = static_cast<DealSortField>(f);
        orders_[f].insert(entry(field, slot, key_of(field, deal)));
    }
    add_custom(slot, deal.custom_fields);
}

void DealIndex::remove(DealId id, const Keys& before) {
    seal();
    const auto slot = static_cast<std::uint32_t>(id.value);
    for (std::size_t f = 0; f < kFields; ++f) {
        orders_[f].erase(entry(static_cast<DealSortField>(f), slot, before.sort[f]));
    }
    remove_custom(slot, before.custom);
    names_.remove(slot, name_folded_[slot]);
    if (auto it = lost_folded_.find(slot); it != lost_folded_.end()) {
        lost_reasons_.remove(slot, it->second);
        lost_folded_.erase(it);
    }
    name_key_[slot].clear();
    name_key_[slot].shrink_to_fit();
    name_folded_[slot].clear();
    name_folded_[slot].shrink_to_fit();
    deals_[slot] = nullptr;
    --count_;
}

void DealIndex::update(const Keys& before, const Deal& deal) {
    seal();
    const auto slot = static_cast<std::uint32_t>(deal.id.value);
    deals_[slot] = &deal;
    const bool renamed = before.name != deal.name;
    for (std::size_t f = 0; f < kFields; ++f) {
        const auto field = static_cast<DealSortField>(f);
        const auto now = key_of(field, deal);
        if (field == DealSortField::kName ? renamed : now != before.sort[f]) {
            orders_[f].erase(entry(field, slot, before.sort[f]));
            if (field == DealSortField::kName) {
                names_.remove(slot, name_folded_[slot]);
                name_key_[slot] = collation_key(deal.name);
                name_folded_[slot] = fold(deal.name);
                names_.add(slot, name_folded_[slot]);
            }
            orders_[f].insert(entry(field, slot, now));
        }
    }
    for (auto& [id, column] : custom_) {
        const CustomValue* was = before.custom.find(column->id);
        const CustomValue* now = deal.custom_fields.find(column->id);
        if (was == now || (was != nullptr && now != nullptr && *was == *now)) {
            continue;
        }
        column->order.erase({column->key(was), slot});
        column->leave(slot);
        column->enter(slot, now);
        column->order.insert({column->key(now), slot});
    }
    if (before.lost_reason != deal.lost_reason) {
        if (auto it = lost_folded_.find(slot); it != lost_folded_.end()) {
            lost_reasons_.remove(slot, it->second);
            lost_folded_.erase(it);
        }
        if (deal.lost_reason) {
            auto& folded = lost_folded_[slot] = fold(*deal.lost_reason);
            lost_reasons_.add(slot, folded);
        }
    }
}

Slots DealIndex::scan(const std::function<bool(std::uint32_t)>& test) const {
    Slots out;
    for (std::uint32_t s = 0; s < deals_.size(); ++s) {
        if (deals_[s] != nullptr && test(s)) {
            out.push_back(s);
        }
    }
    return out;
}

Slots DealIndex::evaluate(const IndexCondition& c) const {
    using Kind = IndexCondition::Kind;
    switch (c.kind) {
        case Kind::kNothing:
            return {};
        case Kind::kSlots: {
            Slots out;
            for (const auto s : c.slots) {
                if (deal(s) != nullptr) {
                    out.push_back(s);
                }
            }
            std::sort(out.begin(), out.end());
            out.erase(std::unique(out.begin(), out.end()), out.end());
            return out;
        }
        case Kind::kKeys: {
            Slots out;
            const auto& order = ordered(c.field, c.custom);
            for (const auto key : c.keys) {
                order.slots_with_key(key, out);
            }
            if (c.keys.size() > 1) {
                std::sort(out.begin(), out.end());
                out.erase(std::unique(out.begin(), out.end()), out.end());
            }
            return out;
        }
        case Kind::kContains:
        case Kind::kEquals: {
            const bool name = c.text == IndexCondition::Text::kName;
            const CustomColumn* custom =
                c.text == IndexCondition::Text::kCustom ? column(c.custom) : nullptr;
            if (c.text == IndexCondition::Text::kCustom && custom == nullptr) {
                return {};
            }
            auto text_of = [&](std::uint32_t s) -> std::string_view {
                if (name) {
                    return name_folded_[s];
                }
                if (custom != nullptr) {
                    return custom->folded_of(s);
                }
                auto it = lost_folded_.find(s);
                return it == lost_folded_.end() ? std::string_view{} : std::string_view(it->second);
            };
            const auto& index = name ? names_ : (custom != nullptr ? custom->text : lost_reasons_);
            const auto has_text = [&](std::uint32_t s) {
                return name || (custom != nullptr ? custom->folded.contains(s)
                                                  : lost_folded_.contains(s));
            };
            if (c.kind == Kind::kContains) {
                const std::string& needle = c.needles.at(0);
                if (auto found = index.containing(needle, text_of)) {
                    return std::move(*found);
                }
                return scan([&](std::uint32_t s) {
                    return has_text(s) && text_of(s).find(needle) != std::string_view::npos;
                });
            }
            // Equality: the texts that contain the value, then compared whole (trailing spaces
            // of the text ignored, as the value's were).
            Slots out;
            for (const auto& needle : c.needles) {
                auto candidates = index.containing(needle, text_of);
                auto equal = [&](std::uint32_t s) {
                    if (!has_text(s)) {
                        return false;
                    }
                    auto t = text_of(s);
                    while (!t.empty() && t.back() == ' ') {
                        t.remove_suffix(1);
                    }
                    return t == needle;
                };
                Slots found;
                if (candidates) {
                    for (const auto s : *candidates) {
                        if (equal(s)) {
                            found.push_back(s);
                        }
                    }
                } else {
                    found = scan(equal);
                }
                out = unite(out, found);
            }
            return out;
        }
        case Kind::kScan:
            return scan([&](std::uint32_t s) { return c.test(*deals_[s]); });
    }
    return {};
}

int DealIndex::compare(const DealSortKey& key, std::uint32_t a, std::uint32_t b) const {
    if (key.field == DealSortField::kName) {
        return name_key_[a].compare(name_key_[b]);
    }
    if (key.field == DealSortField::kCustom) {
        const auto* c = column(key.custom);
        if (c != nullptr && c->type == CustomFieldType::kText) {
            return c->collation_of(a).compare(c->collation_of(b));
        }
    }
    const auto x = key_for(key.field, key.custom, *deals_[a]);
    const auto y = key_for(key.field, key.custom, *deals_[b]);
    return x < y ? -1 : (y < x ? 1 : 0);
}

bool DealIndex::before(const std::vector<DealSortKey>& order, std::uint32_t a,
                       std::uint32_t b) const {
    for (const auto& key : order) {
        const int c = compare(key, a, b);
        if (c != 0) {
            return key.descending ? c > 0 : c < 0;
        }
    }
    return a < b;
}

bool DealIndex::sorting_is_cheaper(std::size_t matches, std::size_t wanted,
                                   bool one_key) const {
    // Sorting costs about m·log(k) comparisons; walking the primary index about k·n/m steps.
    const double m = static_cast<double>(std::max<std::size_t>(matches, 1));
    const double walk = static_cast<double>(wanted) * static_cast<double>(count_) / m;
    const double sort = m * std::log2(static_cast<double>(wanted) + 2.0) * 8.0;
    return sort < walk || (!one_key && m < 100'000);
}

std::vector<std::uint32_t> DealIndex::ordered_page(const std::vector<DealSortKey>& order,
                                                   std::size_t total, const Slots* matches,
                                                   const std::function<bool(std::uint32_t)>* test,
                                                   std::size_t offset, std::size_t limit,
                                                   const std::function<Slots()>& materialise) const {
    std::vector<std::uint32_t> page;
    if (offset >= total || limit == 0) {
        return page;
    }
    const std::size_t wanted = offset + std::min(limit, total - offset);  // no overflow
    const auto& primary = ordered(order.front().field, order.front().custom);
    const bool descending = order.front().descending;
    const std::vector<DealSortKey> rest(order.begin() + 1, order.end());
    const bool filtered = matches != nullptr || test != nullptr;

    // Few matches: sort them. Otherwise walk the primary index, testing membership.
    if (matches && sorting_is_cheaper(matches->size(), wanted, rest.empty())) {
        std::vector<std::uint32_t> all(matches->begin(), matches->end());
        auto less = [&](std::uint32_t a, std::uint32_t b) { return before(order, a, b); };
        std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(wanted), all.end(),
                          less);
        page.assign(all.begin() + static_cast<std::ptrdiff_t>(offset),
                    all.begin() + static_cast<std::ptrdiff_t>(wanted));
        return page;
    }
    std::optional<SlotBitmap> members;
    if (matches) {
        members.emplace(static_cast<std::uint32_t>(deals_.size()));
        for (const auto s : *matches) {
            members->set(s);
        }
    }
    const auto keep = [&](std::uint32_t s) {
        return members ? members->test(s) : (test == nullptr || (*test)(s));
    };
    if (rest.empty()) {
        // A filtered walk expects wanted·n/total steps when matches are spread evenly. When
        // they cluster (every "Müller" deal sits under M in name order) it gives up after a
        // few times that, and walks only the blocks that hold a match.
        const std::size_t expected = filtered ? wanted * count_ / std::max<std::size_t>(total, 1) : 0;
        const std::size_t budget = filtered ? 4 * expected + 4096 : count_ + 1;
        std::size_t skip = offset;
        std::size_t steps = 0;
        bool gave_up = false;
        const auto step = [&](std::uint32_t s) {
            if (++steps > budget) {
                gave_up = true;
                return false;
            }
            if (!keep(s)) {
                return true;
            }
            if (filtered && skip > 0) {
                --skip;
                return true;
            }
            page.push_back(s);
            return page.size() < limit;
        };
        primary.walk(descending, filtered ? 0 : offset, step);
        if (gave_up) {
            page.clear();
            skip = offset;
            const Slots materialised = matches ? Slots{} : materialise();
            const auto marks = primary.blocks_holding(matches ? *matches : materialised);
            const auto step_all = [&](std::uint32_t s) {
                if (!keep(s)) {
                    return true;
                }
                if (skip > 0) {
                    --skip;
                    return true;
                }
                page.push_back(s);
                return page.size() < limit;
            };
            primary.walk(descending, 0, step_all, &marks);
        }
        return page;
    }
    // Several keys: runs of equal primary values, each sorted by the other keys.
    std::size_t skip = offset;
    primary.walk_runs(descending, [&](const std::vector<std::uint32_t>& run) {
        std::vector<std::uint32_t> kept;
        for (const auto s : run) {
            if (keep(s)) {
                kept.push_back(s);
            }
        }
        if (skip >= kept.size()) {
            skip -= kept.size();
            return true;
        }
        std::sort(kept.begin(), kept.end(),
                  [&](std::uint32_t a, std::uint32_t b) { return before(rest, a, b); });
        for (std::size_t i = skip; i < kept.size() && page.size() < limit; ++i) {
            page.push_back(kept[i]);
        }
        skip = 0;
        return page.size() < limit;
    });
    return page;
}

DealIndex::Page DealIndex::find(const std::vector<IndexCondition>& conditions, bool match_all,
                                std::optional<UserId> owner,
                                const std::vector<DealSortKey>& order, std::size_t offset,
                                std::size_t limit) const {
    if (!sealed_) {
        throw std::logic_error("DealIndex::find before Views::finish_load");
    }
    // A condition on a field's keys is counted from its index and not materialised until
    // it must be combined with another; alone, the walk tests each deal against it.
    const IndexCondition owner_condition{.kind = IndexCondition::Kind::kKeys,
                                         .field = DealSortField::kUserId,
                                         .keys = {owner ? encode(owner->value) : 0}};
    std::vector<const IndexCondition*> lazy;
    std::optional<Slots> matches;
    bool nothing = false;
    for (const auto& condition : conditions) {
        if (condition.kind == IndexCondition::Kind::kKeys) {
            std::size_t n = 0;
            const auto& index = ordered(condition.field, condition.custom);
            for (const auto key : condition.keys) {
                n += index.count(key);
            }
            if (n > 0) {
                lazy.push_back(&condition);
            } else if (match_all) {
                nothing = true;
            }
            continue;
        }
        auto slots = evaluate(condition);
        if (!matches) {
            matches = std::move(slots);
        } else if (match_all) {
            matches = intersect(*matches, slots);
        } else if (!slots.empty()) {
            matches = matches->empty() ? std::move(slots) : unite(*matches, slots);
        }
        nothing = nothing || (match_all && matches->empty());
    }
    if (!conditions.empty() && lazy.empty() && !matches) {
        nothing = true;  // only key conditions, none of which matches a deal
    }
    if (owner) {
        lazy.push_back(&owner_condition);  // AND-ed, below
    }
    static const std::vector<DealSortKey> by_name{{DealSortField::kName, false}};
    const auto& sort = order.empty() ? by_name : order;
    Page page;
    if (nothing) {
        return page;
    }
    const bool empty_or = !match_all && matches && matches->empty();
    if (lazy.size() == 1 && (!matches || (empty_or && !owner))) {
        // One key condition alone: count it, walk with a test.
        const IndexCondition& only = *lazy.front();
        const auto& index = ordered(only.field, only.custom);
        for (const auto key : only.keys) {
            page.total += index.count(key);
        }
        const std::function<bool(std::uint32_t)> test = [&](std::uint32_t s) {
            const auto k = key_for(only.field, only.custom, *deals_[s]);
            return std::find(only.keys.begin(), only.keys.end(), k) != only.keys.end();
        };
        std::vector<std::uint32_t> slots;
        if (sorting_is_cheaper(page.total, std::min(page.total, offset + limit),
                               sort.size() == 1)) {
            const auto all = evaluate(only);
            slots = ordered_page(sort, all.size(), &all, nullptr, offset, limit, {});
        } else {
            slots = ordered_page(sort, page.total, nullptr, &test, offset, limit,
                                 [&] { return evaluate(only); });
        }
        for (const auto s : slots) {
            page.items.push_back(deals_[s]);
        }
        return page;
    }
    // Otherwise materialise the key conditions and combine: OR-ed or AND-ed among the search
    // conditions, always AND-ed with the owner's.
    for (const auto* condition : lazy) {
        if (condition == &owner_condition) {
            continue;
        }
        auto slots = evaluate(*condition);
        if (!matches) {
            matches = std::move(slots);
        } else {
            matches = match_all ? intersect(*matches, slots) : unite(*matches, slots);
        }
    }
    if (owner) {
        auto own = evaluate(owner_condition);
        matches = matches ? intersect(*matches, own) : std::move(own);
    }
    page.total = matches ? matches->size() : count_;
    for (const auto s :
         ordered_page(sort, page.total, matches ? &*matches : nullptr, nullptr, offset, limit, {})) {
        page.items.push_back(deals_[s]);
    }
    return page;
}

}  // namespace deals::projections
