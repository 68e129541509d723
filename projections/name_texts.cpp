#include "projections/name_texts.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <unordered_map>
#include <utility>

#include "projections/collation.hpp"
#include "projections/helpers.hpp"

namespace deals::projections {

NameTexts& NameTexts::operator=(NameTexts&& other) noexcept {
    if (this != &other) {
        clear();
        texts_ = std::move(other.texts_);
        words_ = std::move(other.words_);
        by_id_ = std::move(other.by_id_);
        free_ids_ = std::move(other.free_ids_);
        other.texts_.clear();
        other.words_ = TextIndex{};
        other.by_id_.clear();
        other.free_ids_.clear();
    }
    return *this;
}

NameTexts::~NameTexts() { clear(); }

void NameTexts::clear() {
    for (Text* text : texts_) {
        destroy(text);
    }
    texts_.clear();
    words_ = TextIndex{};
    by_id_.clear();
    free_ids_.clear();
}

void NameTexts::adopt(Text* text) {
    texts_.insert(text);
    if (free_ids_.empty()) {
        text->id_ = static_cast<std::uint32_t>(by_id_.size());
        by_id_.push_back(text);
    } else {
        text->id_ = free_ids_.back();
        free_ids_.pop_back();
        by_id_[text->id_] = text;
    }
    words_.add(text->id_, text->folded());
}

NameTexts::Text* NameTexts::make(std::string_view name, std::string_view key,
                                 std::string_view folded) {
    void* at = ::operator new(sizeof(Text) + name.size() + key.size() + folded.size());
    auto* text = new (at)
        Text(static_cast<std::uint32_t>(name.size()), static_cast<std::uint32_t>(key.size()),
             static_cast<std::uint32_t>(folded.size()));
    char* bytes = reinterpret_cast<char*>(text + 1);
    std::memcpy(bytes, name.data(), name.size());
    std::memcpy(bytes + name.size(), key.data(), key.size());
    std::memcpy(bytes + name.size() + key.size(), folded.data(), folded.size());
    return text;
}

void NameTexts::destroy(Text* text) {
    text->~Text();
    ::operator delete(text);
}

const NameTexts::Text* NameTexts::acquire(std::string_view name) {
    Text* text = nullptr;
    if (auto it = texts_.find(name); it != texts_.end()) {
        text = *it;
    } else {
        text = make(name, collation_key(name), fold(name));
        adopt(text);
    }
    ++text->uses_;
    return text;
}

std::vector<const NameTexts::Text*> NameTexts::acquire_all(std::span<const std::string_view> names,
                                                           unsigned threads) {
    // First the distinct names not in the table yet (on this thread: a hash lookup each)…
    std::vector<const Text*> out(names.size(), nullptr);
    std::unordered_map<std::string_view, std::uint32_t> fresh;  // name -> index in `pending`
    std::vector<std::string_view> pending;
    std::vector<std::uint32_t> fresh_of(names.size(), 0);
    const bool empty = texts_.empty();  // start-up's case: no lookup to make there
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (auto it = empty ? texts_.end() : texts_.find(names[i]); it != texts_.end()) {
            out[i] = *it;
        } else {
            auto [at, added] =
                fresh.try_emplace(names[i], static_cast<std::uint32_t>(pending.size()));
            if (added) {
                pending.push_back(names[i]);
            }
            fresh_of[i] = at->second;
        }
    }
    // …then their keys (ICU, the costly part) on every thread…
    std::vector<Text*> made(pending.size(), nullptr);
    const auto work = [&](unsigned t, unsigned n) {
        for (std::size_t i = t; i < pending.size(); i += n) {
            made[i] = make(pending[i], collation_key(pending[i]), fold(pending[i]));
        }
    };
    const unsigned n = std::max(1u, std::min<unsigned>(threads, pending.size() / 256 + 1));
    try {
        Helpers helpers;  // an exception in one (bad_alloc, ICU) reaches the caller
        for (unsigned t = 1; t < n; ++t) {
            helpers.start([&work, t, n] { work(t, n); });
        }
        work(0, n);
        helpers.join();
    } catch (...) {
        // Every helper has stopped (joined on the way out of the block): free what they made.
        for (Text* text : made) {
            if (text != nullptr) {
                destroy(text);
            }
        }
        throw;
    }
    // …and every name takes its use.
    texts_.reserve(texts_.size() + made.size());
    for (Text* text : made) {
        adopt(text);
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (out[i] == nullptr) {
            out[i] = made[fresh_of[i]];
        }
        ++const_cast<Text*>(out[i])->uses_;  // NOLINT: the table owns every entry
    }
    return out;
}

void NameTexts::release(const Text* text) {
    if (text == nullptr) {
        return;
    }
    auto* owned = const_cast<Text*>(text);  // NOLINT: the table owns every entry
    if (--owned->uses_ == 0) {
        texts_.erase(owned);
        words_.remove(owned->id_, owned->folded());
        by_id_[owned->id_] = nullptr;
        free_ids_.push_back(owned->id_);
        destroy(owned);
    }
}

std::optional<std::vector<const NameTexts::Text*>> NameTexts::containing(
    std::string_view needle, std::size_t at_most) const {
    auto ids = words_.containing(needle, [this](std::uint32_t id) { return by_id_[id]->folded(); });
    if (!ids || ids->size() > at_most) {
        return std::nullopt;
    }
    std::vector<const Text*> out;
    out.reserve(ids->size());
    for (const auto id : *ids) {
        out.push_back(by_id_[id]);
    }
    return out;
}

void NameTexts::rank() {
    std::vector<Text*> by_key(texts_.begin(), texts_.end());
    std::sort(by_key.begin(), by_key.end(),
              [](const Text* a, const Text* b) { return a->key() < b->key(); });
    std::uint32_t rank = 0;
    for (std::size_t i = 0; i < by_key.size(); ++i) {
        if (i > 0 && by_key[i]->key() != by_key[i - 1]->key()) {
            ++rank;
        }
        by_key[i]->rank_ = rank;
    }
}

}  // namespace deals::projections
