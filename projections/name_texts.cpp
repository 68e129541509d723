#include "projections/name_texts.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "projections/collation.hpp"

namespace deals::projections {

NameTexts& NameTexts::operator=(NameTexts&& other) noexcept {
    if (this != &other) {
        clear();
        texts_ = std::move(other.texts_);
        other.texts_.clear();
    }
    return *this;
}

NameTexts::~NameTexts() { clear(); }

void NameTexts::clear() {
    for (Text* text : texts_) {
        text->~Text();
        ::operator delete(text);
    }
    texts_.clear();
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

const NameTexts::Text* NameTexts::acquire(std::string_view name) {
    auto it = texts_.find(name);
    if (it == texts_.end()) {
        it = texts_.insert(make(name, collation_key(name), fold(name))).first;
    }
    ++(*it)->uses_;
    return *it;
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
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < n; ++t) {
        helpers.emplace_back(work, t, n);
    }
    work(0, n);
    for (auto& h : helpers) {
        h.join();
    }
    // …and every name takes its use.
    texts_.reserve(texts_.size() + made.size());
    for (Text* text : made) {
        texts_.insert(text);
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
        owned->~Text();
        ::operator delete(owned);
    }
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
