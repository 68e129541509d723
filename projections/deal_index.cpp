#include "projections/deal_index.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <utility>

#include "projections/collation.hpp"
#include "projections/custom_column.hpp"

namespace deals::projections {

namespace {

constexpr std::size_t kFields = 16;

std::size_t at(DealSortField field) { return static_cast<std::size_t>(field); }

/// Calls `work()` on `threads` threads (this one and helpers), until all return.
template <class Work>
void run_on(unsigned threads, const Work& work) {
    std::vector<std::jthread> helpers;  // joined on the way out, an exception's too
    for (unsigned t = 1; t < threads; ++t) {
        helpers.emplace_back(work);
    }
    work();
    for (auto& h : helpers) {
        h.join();
    }
}

/// The fields in the order they are sorted: the name's first, the longest (ranks, ties).
constexpr std::array<std::size_t, kFields> kSealOrder{1, 0, 2,  3,  4,  5,  6,  7,
                                                      8, 9, 10, 11, 12, 13, 14, 15};

template <class T>
std::uint64_t opt_key(const std::optional<T>& v, auto&& value_of) {
    return v ? DealIndex::encode(value_of(*v)) : 0;
}

}  // namespace

int DealIndex::NameTie::compare(std::uint32_t a, std::uint32_t b) const {
    const NameTexts::Text* x = index_.name_text_[a];
    const NameTexts::Text* y = index_.name_text_[b];
    return x == y ? 0 : x->key().compare(y->key());
}

DealIndex::DealIndex() : name_tie_(*this) { orders_[at(DealSortField::kName)].set_tie(&name_tie_); }

DealIndex::~DealIndex() = default;

DealIndex::DealIndex(DealIndex&& other) noexcept : name_tie_(*this) { *this = std::move(other); }

DealIndex& DealIndex::operator=(DealIndex&& other) noexcept {
    orders_ = std::move(other.orders_);
    orders_[at(DealSortField::kName)].set_tie(&name_tie_);
    deals_ = std::move(other.deals_);
    name_texts_ = std::move(other.name_texts_);
    name_text_ = std::move(other.name_text_);
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
            return opt_key(d.expected_close_date,
                           [](const Date& v) { return std::int64_t{v.days}; });
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
        key = prefix_key(name_text_[slot]->key());
    }
    return {key, slot};
}

std::uint32_t DealIndex::place(const Deal& deal, const NameTexts::Text* name,
                               std::optional<std::string> lost_folded,
                               const std::vector<std::uint32_t>* name_words) {
    const auto slot = static_cast<std::uint32_t>(deal.id.value);
    if (slot >= deals_.size()) {
        const std::size_t n = std::max<std::size_t>(slot + 1, deals_.size() * 3 / 2 + 16);
        deals_.resize(n, nullptr);
        name_text_.resize(n, nullptr);
    }
    deals_[slot] = &deal;
    ++count_;
    name_text_[slot] = name;
    place_texts(slot, name, std::move(lost_folded), name_words);
    return slot;
}

void DealIndex::place_texts(std::uint32_t slot, const NameTexts::Text* name,
                            std::optional<std::string> lost_folded,
                            const std::vector<std::uint32_t>* name_words) {
    if (name_words != nullptr) {
        names_.add_ids(slot, *name_words);
    } else {
        names_.add(slot, name->folded());
    }
    if (lost_folded) {
        auto& folded = lost_folded_[slot] = std::move(*lost_folded);
        lost_reasons_.add(slot, folded);
    }
}

void DealIndex::place_all(std::span<const Deal* const> deals,
                          const std::vector<const NameTexts::Text*>& texts,
                          std::vector<std::optional<std::string>>& lost, bool texts_only) {
    const auto name = static_cast<std::size_t>(DealSortField::kName);
    // Many deals share a name (interned in NameTexts): its words are cut and looked up once,
    // while it stays in a small cache, instead of once per deal (about a third of start-up's
    // index build at a million seeded deals, perf).
    struct NameWords {
        const NameTexts::Text* text = nullptr;
        std::vector<std::uint32_t> ids;
    };
    std::vector<NameWords> name_words(
        deals.size() > 1 ? std::bit_ceil(std::min<std::size_t>(deals.size(), 65536)) : 0);
    for (std::size_t i = 0; i < deals.size(); ++i) {
        const std::vector<std::uint32_t>* words = nullptr;
        if (!name_words.empty()) {
            auto& cached =
                name_words[(reinterpret_cast<std::uintptr_t>(texts[i]) >> 4) % name_words.size()];
            if (cached.text != texts[i]) {
                cached.text = texts[i];
                cached.ids = names_.word_ids(texts[i]->folded());
            }
            words = &cached.ids;
        }
        if (texts_only) {
            place_texts(static_cast<std::uint32_t>(deals[i]->id.value), texts[i],
                        std::move(lost[i]), words);
        } else {
            const auto slot = place(*deals[i], texts[i], std::move(lost[i]), words);
            pending_[name].push_back({prefix_key(texts[i]->key()), slot});
        }
    }
}

void DealIndex::add_unsorted(const Deal& deal) {
    const Deal* one = &deal;
    add_unsorted(std::span(&one, 1), 1);
}

DealIndex::Texts DealIndex::prepare(std::span<const Deal* const> deals, unsigned threads) {
    Texts out{{}, std::vector<std::optional<std::string>>(deals.size())};
    // The lost reasons are folded (ICU) on a helper while this thread interns the names.
    const auto fold_lost = [&out, deals] {
        for (std::size_t i = 0; i < deals.size(); ++i) {
            if (deals[i]->lost_reason) {
                out.lost[i] = fold(*deals[i]->lost_reason);
            }
        }
    };
    std::jthread helper;  // joined on the way out, an exception's too
    if (threads > 1 && deals.size() >= 4096) {
        helper = std::jthread(fold_lost);
    }
    std::uint32_t top = 0;
    std::vector<std::string_view> names;
    names.reserve(deals.size());
    for (const Deal* deal : deals) {
        names.push_back(deal->name);
        top = std::max(top, static_cast<std::uint32_t>(deal->id.value));
    }
    if (deals.size() > 1) {  // not for one: growing by one each time would copy every time
        for (auto& p : pending_) {
            p.reserve(p.size() + deals.size());
        }
        if (top >= deals_.size()) {  // exactly: no slack for a growth that may not come
            deals_.resize(std::size_t{top} + 1, nullptr);
            name_text_.resize(std::size_t{top} + 1, nullptr);
        }
    }
    // The distinct names' keys (ICU) are computed on every thread.
    out.names = name_texts_.acquire_all(names, threads);
    if (helper.joinable()) {
        helper.join();
    } else {
        fold_lost();
    }
    return out;
}

std::array<std::size_t, kFields> DealIndex::grow_pending(std::size_t n, bool with_name,
                                                         unsigned threads) {
    std::array<std::size_t, kFields> base{};
    for (std::size_t f = 0; f < kFields; ++f) {
        base[f] = pending_[f].size();
    }
    // Each field's vector on its own: the new memory is written (zeroed) and faulted in by
    // every thread, not by one (12 MB a field at a million deals).
    std::atomic<std::size_t> next{0};
    run_on(n >= 4096 ? threads : 1, [&] {
        for (std::size_t f = next++; f < kFields; f = next++) {
            if (with_name || f != at(DealSortField::kName)) {
                pending_[f].resize(base[f] + n);
            }
        }
    });
    return base;
}

void DealIndex::fill_entries(std::span<const Deal* const> deals,
                             const std::array<std::size_t, kFields>& base,
                             std::atomic<std::size_t>& next,
                             const std::vector<const NameTexts::Text*>* names) {
    // The fields' entries depend on the deal alone (a deal's slot is its id): all of a deal's
    // at once (one visit of the deal in memory, not one per field), a range at a time.
    constexpr std::size_t kRange = 16384;
    const auto name = at(DealSortField::kName);
    for (std::size_t from = kRange * next++; from < deals.size(); from = kRange * next++) {
        for (std::size_t i = from; i < std::min(deals.size(), from + kRange); ++i) {
            const Deal& deal = *deals[i];
            const auto slot = static_cast<std::uint32_t>(deal.id.value);
            for (std::size_t f = 0; f < kFields; ++f) {
                if (f != name) {
                    pending_[f][base[f] + i] = {key_of(static_cast<DealSortField>(f), deal), slot};
                }
            }
            if (names != nullptr) {
                deals_[slot] = &deal;
                name_text_[slot] = (*names)[i];
                pending_[name][base[name] + i] = {prefix_key((*names)[i]->key()), slot};
            }
        }
    }
}

void DealIndex::add_unsorted(std::span<const Deal* const> deals, unsigned threads) {
    threads = std::max(1u, threads);
    auto texts = prepare(deals, threads);
    const auto base = grow_pending(deals.size(), false, threads);
    // The fields' entries on the helpers while this thread indexes the texts.
    std::atomic<std::size_t> next{0};
    const auto entries = [&] { fill_entries(deals, base, next, nullptr); };
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < threads; ++t) {
        helpers.emplace_back(entries);
    }
    place_all(deals, texts.names, texts.lost);
    if (helpers.empty()) {
        entries();
    }
    for (auto& h : helpers) {
        h.join();
    }
    sealed_ = false;  // the custom fields' indexes are rebuilt by seal()
}

void DealIndex::build(std::span<const Deal* const> deals, unsigned threads) {
    threads = std::max(1u, threads);
    if (count_ != 0 || !sealed_ || deals.size() < 2) {
        add_unsorted(deals, threads);
        seal(threads);
        return;
    }
    auto texts = prepare(deals, threads);
    const auto base = grow_pending(deals.size(), true, threads);
    std::atomic<std::size_t> next{0};
    run_on(threads, [&] { fill_entries(deals, base, next, &texts.names); });
    count_ += deals.size();
    sealed_ = false;
    // The text indexes on one thread while the others sort the fields' indexes (the name's,
    // the longest, first), which read only the slots' deals and names placed above.
    std::atomic<std::size_t> next_field{0};
    const auto sort_fields = [&] {
        for (std::size_t i = next_field++; i < kFields; i = next_field++) {
            seal_field(kSealOrder[i]);
        }
    };
    std::jthread texts_thread;  // joined on the way out, an exception's too
    if (threads > 1) {
        texts_thread = std::jthread([&] {
            place_all(deals, texts.names, texts.lost, true);
            sort_fields();
        });
    } else {
        place_all(deals, texts.names, texts.lost, true);
    }
    run_on(std::max(1u, threads - 1), sort_fields);
    if (texts_thread.joinable()) {
        texts_thread.join();
    }
    sealed_ = true;
    for (auto& [id, column] : custom_) {
        define(column->id, column->type);
    }
}

void DealIndex::seal_field(std::size_t f) {
    auto entries = std::exchange(pending_[f], {});
    if (f == at(DealSortField::kName)) {
        entries = name_entries_in_order(std::move(entries));
    }
    orders_[f].assign(std::move(entries));
}

void DealIndex::seal(unsigned threads) {
    if (sealed_) {
        return;
    }
    // Each field's index sorts on its own; a few threads take the fields in turn.
    std::atomic<std::size_t> next{0};
    run_on(threads, [&] {
        for (std::size_t i = next++; i < kFields; i = next++) {
            seal_field(kSealOrder[i]);
        }
    });
    sealed_ = true;
    for (auto& [id, column] : custom_) {
        define(column->id, column->type);
    }
}

std::vector<OrderedIndex::Entry> DealIndex::name_entries_in_order(
    std::vector<OrderedIndex::Entry> entries) {
    // Sorting the names themselves compared long equal prefixes ("Müller GmbH — …") over and
    // over; their ranks among the distinct names order them with one integer each.
    name_texts_.rank();
    std::vector<std::uint32_t> ranks(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        ranks[i] = name_text_[entries[i].slot]->rank();
    }
    const auto by_slot = [](const OrderedIndex::Entry& a, const OrderedIndex::Entry& b) {
        return a.slot < b.slot;
    };
    if (!std::is_sorted(entries.begin(), entries.end(), by_slot)) {
        std::vector<std::uint64_t> order(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i) {
            order[i] = std::uint64_t{ranks[i]} << 32 | entries[i].slot;
        }
        std::sort(order.begin(), order.end());
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const auto slot = static_cast<std::uint32_t>(order[i]);
            entries[i] = {prefix_key(name_text_[slot]->key()), slot};
        }
        return entries;
    }
    // In slot order (start-up's): a counting sort by rank keeps each rank's slots ascending.
    std::vector<std::size_t> start(name_texts_.size() + 1, 0);
    for (const auto r : ranks) {
        ++start[r + 1];
    }
    for (std::size_t r = 1; r < start.size(); ++r) {
        start[r] += start[r - 1];
    }
    std::vector<OrderedIndex::Entry> out(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        out[start[ranks[i]]++] = entries[i];
    }
    return out;
}

void DealIndex::define(CustomFieldId id, CustomFieldType type) {
    if (!CustomColumn::indexed(type)) {
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
    const auto slot =
        place(deal, name_texts_.acquire(deal.name),
              deal.lost_reason ? std::optional(fold(*deal.lost_reason)) : std::nullopt);
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
    names_.remove(slot, name_text_[slot]->folded());
    if (auto it = lost_folded_.find(slot); it != lost_folded_.end()) {
        lost_reasons_.remove(slot, it->second);
        lost_folded_.erase(it);
    }
    name_texts_.release(std::exchange(name_text_[slot], nullptr));
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
                names_.remove(slot, name_text_[slot]->folded());
                name_texts_.release(
                    std::exchange(name_text_[slot], name_texts_.acquire(deal.name)));
                names_.add(slot, name_text_[slot]->folded());
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

}  // namespace deals::projections
