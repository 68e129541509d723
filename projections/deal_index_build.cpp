#include "projections/deal_index.hpp"

// The start-up build of a deal index: many deals added at once, their names' keys and their
// fields' entries computed on every core, then one sort per field (`add_unsorted`, `build`,
// `seal`). Keeping the index in step one deal at a time is deal_index.cpp's.

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include "projections/collation.hpp"
#include "projections/custom_column.hpp"
#include "projections/helpers.hpp"

namespace deals::projections {

namespace {

constexpr std::size_t kFields = 16;

std::size_t at(DealSortField field) { return static_cast<std::size_t>(field); }

/// The fields in the order they are sorted: the name's first, the longest (ranks, ties).
constexpr std::array<std::size_t, kFields> kSealOrder{1, 0, 2,  3,  4,  5,  6,  7,
                                                      8, 9, 10, 11, 12, 13, 14, 15};

}  // namespace

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
    Helpers helper;  // joined on the way out, an exception's too
    if (threads > 1 && deals.size() >= 4096) {
        helper.start(fold_lost);
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
    if (helper.empty()) {
        fold_lost();
    } else {
        helper.join();
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
    Helpers helpers;
    for (unsigned t = 1; t < threads; ++t) {
        helpers.start(entries);
    }
    place_all(deals, texts.names, texts.lost);
    if (helpers.empty()) {
        entries();
    }
    helpers.join();
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
    Helpers texts_thread;  // joined on the way out, an exception's too
    if (threads > 1) {
        texts_thread.start([&] {
            place_all(deals, texts.names, texts.lost, true);
            sort_fields();
        });
    } else {
        place_all(deals, texts.names, texts.lost, true);
    }
    run_on(std::max(1u, threads - 1), sort_fields);
    texts_thread.join();
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

}  // namespace deals::projections
