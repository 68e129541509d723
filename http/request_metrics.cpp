#include "http/request_metrics.hpp"

#include <array>
#include <atomic>
#include <charconv>

#include "http/router.hpp"

namespace deals::http {

namespace {

constexpr std::array<double, 16> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                            0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                            1,      2.5,     5,      10};
constexpr std::array<std::string_view, 8> kMethods = {"GET",   "HEAD",   "POST",    "PUT",
                                                      "PATCH", "DELETE", "OPTIONS", "OTHER"};
constexpr std::size_t kStatuses = 24;  ///< distinct statuses per series; more: status="other"

std::size_t method_index(std::string_view method) {
    for (std::size_t i = 0; i + 1 < kMethods.size(); ++i) {
        if (kMethods[i] == method) {
            return i;
        }
    }
    return kMethods.size() - 1;
}

/// The shortest text that reads back as `v`.
std::string number(double v, std::chars_format format = std::chars_format::general) {
    char text[384];  // fixed notation of any double fits
    const auto end = std::to_chars(text, text + sizeof text, v, format).ptr;
    return std::string(text, end);
}

}  // namespace

struct RequestMetrics::Series {
    std::array<std::atomic<unsigned long>, kBounds.size() + 1> buckets{};
    std::atomic<unsigned long> count{0};
    std::atomic<unsigned long> sum_nanos{0};
    std::array<std::atomic<int>, kStatuses> statuses{};  ///< 0: free
    std::array<std::atomic<unsigned long>, kStatuses> by_status{};
    std::atomic<unsigned long> other_statuses{0};
};

void histogram_lines(std::string& out, std::string_view name, std::string_view labels,
                     const double* bounds, const unsigned long* counts, std::size_t bound_count,
                     double sum) {
    const std::string sep = labels.empty() ? "" : ",";
    unsigned long cumulative = 0;
    for (std::size_t i = 0; i <= bound_count; ++i) {
        cumulative += counts[i];
        out.append(name).append("_bucket{").append(labels).append(sep).append("le=\"");
        out.append(i < bound_count ? number(bounds[i], std::chars_format::fixed) : "+Inf");
        out.append("\"} ");
        out.append(std::to_string(cumulative)).append("\n");
    }
    const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
    out.append(name).append("_sum").append(braces).append(" ").append(number(sum)).append("\n");
    out.append(name).append("_count").append(braces).append(" ");
    out.append(std::to_string(cumulative)).append("\n");  // as +Inf, whatever came meanwhile
}

RequestMetrics::RequestMetrics()
    : series_(std::make_unique<Series[]>((routes().size() + 1) * kMethods.size())) {}

RequestMetrics::~RequestMetrics() = default;

void RequestMetrics::observe(int route, std::string_view method, int status,
                             std::chrono::nanoseconds took) {
    const std::size_t r = route < 0 ? routes().size() : static_cast<std::size_t>(route);
    Series& s = series_[r * kMethods.size() + method_index(method)];
    const double seconds = std::chrono::duration<double>(took).count();
    std::size_t bucket = 0;
    while (bucket < kBounds.size() && seconds > kBounds[bucket]) {
        ++bucket;
    }
    s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
    s.sum_nanos.fetch_add(static_cast<unsigned long>(took.count()), std::memory_order_relaxed);
    // The status's slot: the one holding it, or the first free one, claimed.
    std::size_t i = 0;
    for (; i < kStatuses; ++i) {
        int held = s.statuses[i].load(std::memory_order_acquire);
        if (held == 0 && s.statuses[i].compare_exchange_strong(held, status)) {
            held = status;
        }
        if (held == status) {
            s.by_status[i].fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
    if (i == kStatuses) {
        s.other_statuses.fetch_add(1, std::memory_order_relaxed);
    }
    s.count.fetch_add(1, std::memory_order_release);
}

void RequestMetrics::render(std::string& out) const {
    const std::size_t route_count = routes().size() + 1;
    auto labels = [](std::size_t r, std::size_t m) {
        const std::string_view route = r < routes().size() ? routes()[r].pattern : "unmatched";
        return "route=\"" + std::string(route) + "\",method=\"" + std::string(kMethods[m]) + "\"";
    };
    out +=
        "# HELP deals_http_requests_total Requests answered, by route template, method and "
        "status.\n# TYPE deals_http_requests_total counter\n";
    for (std::size_t r = 0; r < route_count; ++r) {
        for (std::size_t m = 0; m < kMethods.size(); ++m) {
            const Series& s = series_[r * kMethods.size() + m];
            for (std::size_t i = 0; i < kStatuses && s.count.load() > 0; ++i) {
                const int status = s.statuses[i].load(std::memory_order_acquire);
                if (status != 0) {
                    out += "deals_http_requests_total{" + labels(r, m) + ",status=\"" +
                           std::to_string(status) + "\"} " + std::to_string(s.by_status[i].load()) +
                           "\n";
                }
            }
            if (const auto other = s.other_statuses.load(); other > 0) {
                out += "deals_http_requests_total{" + labels(r, m) + ",status=\"other\"} " +
                       std::to_string(other) + "\n";
            }
        }
    }
    out +=
        "# HELP deals_http_request_duration_seconds Time from a request read to its answer, "
        "by route template and method.\n"
        "# TYPE deals_http_request_duration_seconds histogram\n";
    for (std::size_t r = 0; r < route_count; ++r) {
        for (std::size_t m = 0; m < kMethods.size(); ++m) {
            const Series& s = series_[r * kMethods.size() + m];
            const unsigned long count = s.count.load(std::memory_order_acquire);
            if (count == 0) {
                continue;
            }
            std::array<unsigned long, kBounds.size() + 1> counts{};
            for (std::size_t b = 0; b < counts.size(); ++b) {
                counts[b] = s.buckets[b].load(std::memory_order_relaxed);
            }
            histogram_lines(out, "deals_http_request_duration_seconds", labels(r, m),
                            kBounds.data(), counts.data(), kBounds.size(),
                            static_cast<double>(s.sum_nanos.load()) / 1e9);
        }
    }
}

}  // namespace deals::http
