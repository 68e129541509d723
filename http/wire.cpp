#include "http/wire.hpp"

#include <strings.h>

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <utility>
#include <vector>

namespace deals::http {

namespace {

std::string_view trimmed(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
        v.remove_prefix(1);
    }
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
        v.remove_suffix(1);
    }
    return v;
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string to_wire(const Response& out, const Request& request, std::string_view version,
                    bool keep_alive) {
    // The fields in Beast's order: a later one of the same name replaces an earlier one (erased,
    // then appended at the end).
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    fields.reserve(out.headers.size() + 5);
    auto set = [&fields](std::string_view name, std::string_view value) {
        std::erase_if(fields, [name](const auto& f) { return same_name(f.first, name); });
        fields.emplace_back(name, trimmed(value));
    };
    if (out.status != 204) {
        set("Content-Type", "application/json; charset=utf-8");
    }
    set("X-Request-Id", request.request_id);
    set("X-App-Version", version);
    for (const auto& [name, value] : out.headers) {
        set(name, value);
    }
    if (!keep_alive) {
        set("Connection", "close");
    }
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, out.body.size()).ptr;
    set("Content-Length", std::string_view(digits, static_cast<std::size_t>(end - digits)));

    const bool with_body = request.method != "HEAD";
    const auto reason =
        boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(out.status));
    std::size_t size = 32 + reason.size() + (with_body ? out.body.size() : 0);
    for (const auto& [name, value] : fields) {
        size += name.size() + value.size() + 4;
    }
    std::string wire;
    wire.reserve(size);
    wire.append("HTTP/1.1 ").append(std::to_string(out.status)).append(" ");
    wire.append(reason.data(), reason.size()).append("\r\n");
    for (const auto& [name, value] : fields) {
        wire.append(name).append(": ").append(value).append("\r\n");
    }
    wire.append("\r\n");
    if (with_body) {
        wire.append(out.body);
    }
    return wire;
}

}  // namespace deals::http
