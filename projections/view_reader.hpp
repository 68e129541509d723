#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "projections/views.hpp"

namespace deals::projections {

/// The port to the views: commands and handlers read them through it, under their read lock
/// (store::Store implements it). Keep each read short: the log's applier waits for the lock to
/// apply every batch.
class ViewReader {
public:
    virtual ~ViewReader() = default;

    /// Runs `f` under the read lock.
    virtual void with_views(const std::function<void(const Views&)>& f) const = 0;

    /// Runs `f(const Views&)` under the read lock and returns what it returns (by value).
    template <class F>
    auto read(F&& f) const -> std::remove_cvref_t<std::invoke_result_t<F&, const Views&>> {
        using R = std::remove_cvref_t<std::invoke_result_t<F&, const Views&>>;
        if constexpr (std::is_void_v<R>) {
            with_views(f);
        } else {
            std::optional<R> out;
            with_views([&](const Views& views) { out.emplace(f(views)); });
            return std::move(*out);
        }
    }
};

}  // namespace deals::projections
