#include "projections/text_index.hpp"

#include <algorithm>

#include "projections/slot_set.hpp"

namespace deals::projections {

namespace {

bool is_word_byte(unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::uint32_t trigram(std::string_view s, std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2]));
}

}  // namespace

std::vector<std::string_view> TextIndex::words(std::string_view folded) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < folded.size()) {
        while (i < folded.size() && !is_word_byte(static_cast<unsigned char>(folded[i]))) {
            ++i;
        }
        const std::size_t start = i;
        while (i < folded.size() && is_word_byte(static_cast<unsigned char>(folded[i]))) {
            ++i;
        }
        if (i > start) {
            out.push_back(folded.substr(start, i - start));
        }
    }
    return out;
}

void TextIndex::add(std::uint32_t slot, std::string_view folded) {
    add_ids(slot, word_ids(folded));
}

std::vector<std::uint32_t> TextIndex::word_ids(std::string_view folded) {
    auto words_of_text = words(folded);
    std::sort(words_of_text.begin(), words_of_text.end());
    words_of_text.erase(std::unique(words_of_text.begin(), words_of_text.end()),
                        words_of_text.end());
    std::vector<std::uint32_t> ids;
    ids.reserve(words_of_text.size());
    for (const auto word : words_of_text) {
        auto it = ids_.find(word);
        if (it == ids_.end()) {
            it = ids_.emplace(std::string(word), static_cast<std::uint32_t>(text_.size())).first;
            text_.emplace_back(word);
            postings_.emplace_back();
            std::vector<std::uint32_t> grams;
            for (std::size_t i = 0; i + 3 <= word.size(); ++i) {
                grams.push_back(trigram(word, i));
            }
            std::sort(grams.begin(), grams.end());
            grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
            for (const auto g : grams) {
                trigrams_[g].push_back(it->second);  // word ids grow: each list stays ascending
            }
        }
        ids.push_back(it->second);
    }
    return ids;
}

void TextIndex::add_ids(std::uint32_t slot, const std::vector<std::uint32_t>& ids) {
    max_slot_ = std::max(max_slot_, slot);
    for (const auto id : ids) {
        postings_[id].insert(slot);
    }
}

void TextIndex::remove(std::uint32_t slot, std::string_view folded) {
    for (const auto word : words(folded)) {
        auto it = ids_.find(word);
        if (it == ids_.end()) {
            continue;
        }
        postings_[it->second].erase(slot);
    }
}

std::vector<std::uint32_t> TextIndex::words_containing(std::string_view piece) const {
    std::vector<std::uint32_t> out;
    if (piece.size() < 3) {
        for (std::uint32_t id = 0; id < text_.size(); ++id) {
            if (text_[id].find(piece) != std::string::npos) {
                out.push_back(id);
            }
        }
        return out;
    }
    // The words holding every trigram of the piece, then checked.
    std::vector<const std::vector<std::uint32_t>*> lists;
    for (std::size_t i = 0; i + 3 <= piece.size(); ++i) {
        auto it = trigrams_.find(trigram(piece, i));
        if (it == trigrams_.end()) {
            return out;
        }
        lists.push_back(&it->second);
    }
    std::sort(lists.begin(), lists.end(), [](auto* a, auto* b) { return a->size() < b->size(); });
    std::vector<std::uint32_t> candidates = *lists.front();
    for (std::size_t l = 1; l < lists.size() && !candidates.empty(); ++l) {
        candidates = intersect(candidates, *lists[l]);
    }
    for (const auto id : candidates) {
        if (text_[id].find(piece) != std::string::npos) {
            out.push_back(id);
        }
    }
    return out;
}

std::vector<std::uint32_t> TextIndex::slots_of(const std::vector<std::uint32_t>& words) const {
    std::vector<const Postings*> found;
    for (const auto id : words) {
        if (!postings_[id].empty()) {
            found.push_back(&postings_[id]);
        }
    }
    if (found.size() == 1) {
        return found.front()->slots();  // one word: its blocks in order are the answer
    }
    std::vector<const std::vector<std::uint32_t>*> lists;
    for (const auto* postings : found) {
        for (const auto& block : postings->blocks()) {
            lists.push_back(&block);
        }
    }
    return unite(lists, max_slot_);
}

std::optional<std::vector<std::uint32_t>> TextIndex::containing(
    std::string_view needle, const std::function<std::string_view(std::uint32_t)>& text_of) const {
    const auto pieces = words(needle);
    if (pieces.empty()) {
        return std::nullopt;
    }
    if (pieces.size() == 1 && pieces.front().size() == needle.size()) {
        return slots_of(words_containing(needle));  // inside one word: exact
    }
    std::vector<std::uint32_t> candidates;
    bool first = true;
    for (const auto piece : pieces) {
        auto slots = slots_of(words_containing(piece));
        candidates = first ? std::move(slots) : intersect(candidates, slots);
        first = false;
        if (candidates.empty()) {
            return candidates;
        }
    }
    std::erase_if(candidates, [&](std::uint32_t slot) {
        return text_of(slot).find(needle) == std::string_view::npos;
    });
    return candidates;
}

}  // namespace deals::projections
