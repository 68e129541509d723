#include "http/request.hpp"

#include <algorithm>
#include <cctype>

namespace deals::http {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/// Percent-decodes `in`; '+' becomes a space when `plus_is_space` (query strings).
std::optional<std::string> decode(std::string_view in, bool plus_is_space) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%') {
            const int hi = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
            const int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (plus_is_space && in[i] == '+') {
            out.push_back(' ');
        } else {
            out.push_back(in[i]);
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> Request::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k == name) {
            return v;
        }
    }
    return std::nullopt;
}

std::optional<std::string> Request::param(std::string_view name) const {
    // PHP keeps the last of repeated plain parameters.
    std::optional<std::string> found;
    for (const auto& [k, v] : query) {
        if (k == name) {
            found = v;
        }
    }
    return found;
}

bool parse_target(Request& request) {
    const std::string_view target = request.target;
    const auto q = target.find('?');
    const auto path = decode(target.substr(0, q), false);
    if (!path || path->empty() || path->front() != '/' || path->find('\0') != std::string::npos) {
        return false;
    }
    request.path = *path;
    request.query_string = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
    request.query.clear();
    std::string_view rest = request.query_string;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (part.empty()) {
            continue;
        }
        const auto eq = part.find('=');
        auto key = decode(part.substr(0, eq), true);
        auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                  : decode(part.substr(eq + 1), true);
        if (key && value) {
            request.query.emplace_back(std::move(*key), std::move(*value));
        }
    }
    return true;
}

}  // namespace deals::http
