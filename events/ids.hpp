#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace deals::events {

/// A strongly typed positive integer id, one type per resource, so that a `UserId` can never be
/// passed where a `DealId` is expected. Ids are allocated per resource type and never reused.
template <class Tag>
struct Id {
    std::int64_t value = 0;

    friend auto operator<=>(const Id&, const Id&) = default;
    [[nodiscard]] std::string str() const { return std::to_string(value); }
};

using DealId = Id<struct DealTag>;
using PipelineId = Id<struct PipelineTag>;
using StageId = Id<struct StageTag>;
using UserId = Id<struct UserTag>;
using TokenId = Id<struct TokenTag>;
using ProductId = Id<struct ProductTag>;              ///< a catalog product
using BillableProductId = Id<struct BillableProductTag>;  ///< a product line of a deal

/// A global, gapless log position, from 1. 0 means "before the first event".
using Sequence = std::uint64_t;
/// A per-stream version, from 1. 0 means "the stream does not exist yet".
using StreamVersion = std::uint64_t;

}  // namespace deals::events

template <class Tag>
struct std::hash<deals::events::Id<Tag>> {
    std::size_t operator()(const deals::events::Id<Tag>& id) const noexcept {
        return std::hash<std::int64_t>{}(id.value);
    }
};
