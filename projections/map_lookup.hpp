#pragma once

// Lookups in the projections' maps of views (by id).

#include <vector>

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

}  // namespace deals::projections
