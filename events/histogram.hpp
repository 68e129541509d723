#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace deals::events {

/// Counts of observed values over fixed upper bounds, as Prometheus reports a histogram: a value
/// goes to the first bucket whose bound it does not exceed (`le`), or past the last bound.
struct Histogram {
    std::vector<double> bounds;         ///< ascending upper bounds
    std::vector<std::uint64_t> counts;  ///< per bucket, not cumulative: bounds.size() + 1
    double sum = 0;
    std::uint64_t count = 0;

    Histogram() = default;
    explicit Histogram(std::vector<double> upper_bounds)
        : bounds(std::move(upper_bounds)), counts(bounds.size() + 1, 0) {}

    void observe(double value) {
        const auto at = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
        ++counts[static_cast<std::size_t>(at)];
        sum += value;
        ++count;
    }
};

}  // namespace deals::events
