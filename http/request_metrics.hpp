#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace deals::http {

/// Prometheus text lines of one histogram series: `<name>_bucket{<labels>,le="…"}` cumulative
/// over `bounds` and +Inf, then `_sum` and `_count`. `counts` has bounds.size() + 1 entries, per
/// bucket (not cumulative); `_count` is their total. `labels` is `a="x",b="y"` or empty.
void histogram_lines(std::string& out, std::string_view name, std::string_view labels,
                     const double* bounds, const unsigned long* counts, std::size_t bound_count,
                     double sum);

/// `deals_http_requests_total{route,method,status}` and
/// `deals_http_request_duration_seconds{route,method}` (contract §14): every answered request,
/// by the route template it matched (`unmatched` for none), its method (an unknown one as
/// `OTHER`) and status. Lock-free: each series is a set of relaxed atomic counters, allocated
/// once for the route table.
class RequestMetrics {
public:
    RequestMetrics();
    ~RequestMetrics();
    RequestMetrics(const RequestMetrics&) = delete;
    RequestMetrics& operator=(const RequestMetrics&) = delete;

    /// `route` indexes routes() (router.hpp); -1 when the request matched none.
    void observe(int route, std::string_view method, int status, std::chrono::nanoseconds took);
    /// Appends both metrics' HELP, TYPE and every series seen so far.
    void render(std::string& out) const;

private:
    struct Series;
    std::unique_ptr<Series[]> series_;
};

}  // namespace deals::http
