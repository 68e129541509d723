#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "projections/postings.hpp"

namespace deals::projections {

/// A substring index over folded text (see `fold`): each text is cut into words (maximal runs
/// of letters and digits; any non-ASCII byte counts as a letter), each word keeps the slots
/// whose text holds it, and a trigram index over the distinct words finds the words that
/// contain a search term. A term without separators can only occur inside one word, so its
/// matches are the union of those words' slots, exactly; a term with separators is narrowed
/// by its words and then checked against the text.
class TextIndex {
public:
    void add(std::uint32_t slot, std::string_view folded);
    /// `add` in two steps, for many slots with the same text: the ids of its distinct words
    /// (registered when new), then a slot added under those ids.
    [[nodiscard]] std::vector<std::uint32_t> word_ids(std::string_view folded);
    void add_ids(std::uint32_t slot, const std::vector<std::uint32_t>& ids);
    void remove(std::uint32_t slot, std::string_view folded);

    /// The slots (ascending) whose text contains `needle` (folded); `text_of(slot)` gives a
    /// slot's folded text, for terms that must be checked. Empty optional when the index cannot
    /// narrow the term (it holds no letter or digit): the caller scans.
    [[nodiscard]] std::optional<std::vector<std::uint32_t>> containing(
        std::string_view needle, const std::function<std::string_view(std::uint32_t)>& text_of) const;

    /// The words of `folded` text, in order.
    static std::vector<std::string_view> words(std::string_view folded);

private:
    /// Ids of the words that contain `piece`.
    [[nodiscard]] std::vector<std::uint32_t> words_containing(std::string_view piece) const;
    /// The union of the slots of `words`, ascending.
    [[nodiscard]] std::vector<std::uint32_t> slots_of(const std::vector<std::uint32_t>& words) const;

    /// Looked up by string_view, without building a string for every word of every deal.
    struct WordHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view word) const {
            return std::hash<std::string_view>{}(word);
        }
    };
    std::unordered_map<std::string, std::uint32_t, WordHash, std::equal_to<>> ids_;
    std::vector<std::string> text_;                       ///< word id -> word
    std::vector<Postings> postings_;                      ///< word id -> slots
    std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> trigrams_;  ///< -> word ids
    std::uint32_t max_slot_ = 0;
};

}  // namespace deals::projections
