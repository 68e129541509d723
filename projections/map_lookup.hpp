#pragma once

// Lookups in the projections' maps of views: by id, by a folded text.

#include <string>
#include <string_view>
#include <vector>

#include "projections/collation.hpp"

namespace deals::projections {

/// The view under `key`, or null.
template <class Map, class Key>
auto* find_in(Map& map, const Key& key) {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
}

/// Pointers to every view of `map`, in its order.
template <class Map>
auto values_of(const Map& map) {
    std::vector<const typename Map::mapped_type*> out;
    out.reserve(map.size());
    for (const auto& [_, v] : map) {
        out.push_back(&v);
    }
    return out;
}

/// The first view (in `map`'s order) whose text `member` equals `text` ignoring case and
/// accents, or null.
template <class Map, class Member>
const typename Map::mapped_type* find_folded(const Map& map, std::string_view text, Member member) {
    const std::string key = fold(text);
    for (const auto& [_, v] : map) {
        if (fold(v.*member) == key) {
            return &v;
        }
    }
    return nullptr;
}

}  // namespace deals::projections
