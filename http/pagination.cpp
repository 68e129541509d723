#include <algorithm>
#include <charconv>
#include <limits>

#include "http/render.hpp"

namespace deals::http {

namespace {

/// The parameter as a whole number; one beyond 64 bits is `saturated`'s edge when asked for.
std::optional<long long> integer_param(const Request& request, std::string_view name,
                                       bool saturated = false) {
    const auto text = request.param(name);
    if (!text) {
        return std::nullopt;
    }
    long long v = 0;
    auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (p != text->data() + text->size()) {
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range && saturated) {
        return text->front() == '-' ? std::numeric_limits<long long>::min()
                                    : std::numeric_limits<long long>::max();
    }
    if (ec != std::errc{}) {
        return std::nullopt;
    }
    return v;
}

/// The request's URL without query: `http://host/api/deals`.
std::string base_url(const Request& request) {
    return "http://" + request.header("host").value_or("localhost") + request.path;
}

/// The URL of page `n`, keeping every other query parameter as the client sent it.
std::string page_url(const Request& request, std::size_t n) {
    std::string query;
    std::string_view rest = request.query_string;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        const std::string_view key = part.substr(0, part.find('='));
        if (part.empty() || key == "page") {
            continue;
        }
        query.append(part).push_back('&');
    }
    return base_url(request) + "?" + query + "page=" + std::to_string(n);
}

void write_link(json::Writer& w, const std::optional<std::string>& url, const std::string& label,
                bool active) {
    w.StartObject();
    w.Key("url");
    if (url) {
        w.String(*url);
    } else {
        w.Null();
    }
    w.Key("label");
    w.String(label);
    w.Key("active");
    w.Bool(active);
    w.EndObject();
}

/// Laravel's UrlWindow with onEachSide = 3: the page numbers shown, 0 standing for "...".
std::vector<std::size_t> page_window(std::size_t current, std::size_t last) {
    std::vector<std::size_t> out;
    auto range = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i <= to; ++i) {
            out.push_back(i);
        }
    };
    if (last < 14) {
        range(1, last);
    } else if (current <= 7) {
        range(1, 10);
        out.push_back(0);
        range(last - 1, last);
    } else if (current > last - 7) {
        range(1, 2);
        out.push_back(0);
        range(last - 9, last);
    } else {
        range(1, 2);
        out.push_back(0);
        range(current - 3, current + 3);
        out.push_back(0);
        range(last - 1, last);
    }
    return out;
}

}  // namespace

PageRequest page_request(const Request& request) {
    PageRequest p;
    if (auto page = integer_param(request, "page"); page && *page >= 1) {
        p.page = static_cast<std::size_t>(*page);
    }
    // A per_page beyond 64 bits is clamped to 100 like any other large one (contract §15).
    if (auto per = integer_param(request, "per_page", true); per && *per > 0) {
        p.per_page = static_cast<std::size_t>(std::min<long long>(*per, 100));
    }
    return p;
}

std::string paginate(const Request& request, const PageRequest& page, std::size_t total,
                     const std::function<void(json::Writer&, std::size_t)>& write_item) {
    const std::size_t last = std::max<std::size_t>(1, (total + page.per_page - 1) / page.per_page);
    const std::size_t first_index = (page.page - 1) * page.per_page;
    const bool has_items = page.page <= last && first_index < total;
    const std::size_t end_index = has_items ? std::min(total, first_index + page.per_page) : 0;

    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("data");
    w.StartArray();
    for (std::size_t i = first_index; has_items && i < end_index; ++i) {
        write_item(w, i);
    }
    w.EndArray();
    const std::optional<std::string> prev =
        page.page > 1 ? std::optional(page_url(request, page.page - 1)) : std::nullopt;
    const std::optional<std::string> next =
        page.page < last ? std::optional(page_url(request, page.page + 1)) : std::nullopt;
    w.Key("links");
    w.StartObject();
    w.Key("first");
    w.String(page_url(request, 1));
    w.Key("last");
    w.String(page_url(request, last));
    w.Key("prev");
    prev ? (void)w.String(*prev) : (void)w.Null();
    w.Key("next");
    next ? (void)w.String(*next) : (void)w.Null();
    w.EndObject();
    w.Key("meta");
    w.StartObject();
    w.Key("current_page");
    w.Uint64(page.page);
    w.Key("from");
    has_items ? (void)w.Uint64(first_index + 1) : (void)w.Null();
    w.Key("last_page");
    w.Uint64(last);
    w.Key("links");
    w.StartArray();
    write_link(w, prev, "Previous", false);
    for (const std::size_t n : page_window(page.page, last)) {
        if (n == 0) {
            write_link(w, std::nullopt, "...", false);
        } else {
            write_link(w, page_url(request, n), std::to_string(n), n == page.page);
        }
    }
    write_link(w, next, "Next", false);
    w.EndArray();
    w.Key("path");
    w.String(base_url(request));
    w.Key("per_page");
    w.Uint64(page.per_page);
    w.Key("to");
    has_items ? (void)w.Uint64(end_index) : (void)w.Null();
    w.Key("total");
    w.Uint64(total);
    w.EndObject();
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace deals::http
