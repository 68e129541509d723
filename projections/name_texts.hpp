#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "projections/text_index.hpp"

namespace deals::projections {

/// The texts a deal's name is indexed by (its collation key and its folded form), kept once
/// per distinct name: deals with the same name share one entry, counted by its uses. Names
/// repeat ("Acme GmbH — renewal"), and the keys are the costly part of indexing a name (ICU)
/// and of its memory (two strings per deal before). An entry is one allocation holding the
/// name and both texts back to back; a distinct name costs about what one deal's two strings
/// cost before.
///
/// The distinct names are also indexed by their words (`containing`): a search of the names
/// finds the few distinct names that match, not the many deals that bear them.
class NameTexts {
public:
    /// One distinct name and its texts. Its address is stable until its last use is released.
    class Text {
    public:
        [[nodiscard]] std::string_view name() const { return {bytes(), name_size_}; }
        [[nodiscard]] std::string_view key() const { return {bytes() + name_size_, key_size_}; }
        [[nodiscard]] std::string_view folded() const {
            return {bytes() + name_size_ + key_size_, folded_size_};
        }
        /// Its place among the distinct names in key order (equal keys, equal ranks), as the
        /// last `rank()` of the table set it.
        [[nodiscard]] std::uint32_t rank() const { return rank_; }
        /// How many deals bear this name.
        [[nodiscard]] std::uint32_t uses() const { return uses_; }

    private:
        friend class NameTexts;
        Text(std::uint32_t name_size, std::uint32_t key_size, std::uint32_t folded_size)
            : name_size_(name_size), key_size_(key_size), folded_size_(folded_size) {}
        [[nodiscard]] const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
        std::uint32_t uses_ = 0;
        std::uint32_t rank_ = 0;
        std::uint32_t id_ = 0;  ///< its number in the word index, while it lives
        std::uint32_t name_size_;
        std::uint32_t key_size_;
        std::uint32_t folded_size_;
    };

    NameTexts() = default;
    NameTexts(NameTexts&& other) noexcept = default;
    NameTexts& operator=(NameTexts&& other) noexcept;
    NameTexts(const NameTexts&) = delete;
    NameTexts& operator=(const NameTexts&) = delete;
    ~NameTexts();

    /// The entry of `name` with one more use; made (its keys computed) when new.
    const Text* acquire(std::string_view name);
    /// `acquire` of each name; the keys of the new names are computed on up to `threads`
    /// threads. `names` must stay valid during the call only.
    std::vector<const Text*> acquire_all(std::span<const std::string_view> names, unsigned threads);
    /// One use less; the entry goes with its last use.
    void release(const Text* text);

    /// Sets every entry's rank (its place in key order) for a bulk sort by name.
    void rank();
    [[nodiscard]] std::size_t size() const { return texts_.size(); }

    /// The distinct names whose folded form contains `needle` (folded), in no set order;
    /// empty optional when the word index cannot narrow it (no letter or digit) or when more
    /// than `at_most` names match.
    [[nodiscard]] std::optional<std::vector<const Text*>> containing(std::string_view needle,
                                                                     std::size_t at_most) const;

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const {
            return std::hash<std::string_view>{}(name);
        }
        std::size_t operator()(const Text* text) const { return (*this)(text->name()); }
    };
    struct Equal {
        using is_transparent = void;
        static std::string_view name_of(std::string_view name) { return name; }
        static std::string_view name_of(const Text* text) { return text->name(); }
        bool operator()(const auto& a, const auto& b) const { return name_of(a) == name_of(b); }
    };
    /// A new entry (no use yet) for `name` with these texts.
    static Text* make(std::string_view name, std::string_view key, std::string_view folded);
    /// Frees an entry `make` made.
    static void destroy(Text* text);
    void clear();
    /// Takes a new entry into the table and its words into the word index.
    void adopt(Text* text);

    std::unordered_set<Text*, Hash, Equal> texts_;
    TextIndex words_;           ///< folded names by id
    std::vector<Text*> by_id_;  ///< id -> entry, null when free
    std::vector<std::uint32_t> free_ids_;
};

}  // namespace deals::projections
