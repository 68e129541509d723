#include "http/request.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace deals::http {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = ascii_lower(c);
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

/// Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) {
                return false;
            }
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n + 1;
    }
    return true;
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
    const std::string_view raw_path = target.substr(0, q);
    // An encoded slash would decode into a segment separator the client did not write (and
    // that proxies in front may route differently): refused, as Apache does by default.
    for (std::size_t i = raw_path.find('%'); i != std::string_view::npos;
         i = raw_path.find('%', i + 1)) {
        if (raw_path.substr(i, 3) == "%2F" || raw_path.substr(i, 3) == "%2f") {
            return false;
        }
    }
    const auto path = decode(raw_path, false);
    if (!path || path->empty() || path->front() != '/' || path->find('\0') != std::string::npos ||
        !valid_utf8(*path)) {
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
        // A bad escape (`%zz`, a lone `%`) or bytes that are not UTF-8 make the whole target
        // malformed: dropping the parameter would answer a different question than was asked.
        if (!key || !value || !valid_utf8(*key) || !valid_utf8(*value)) {
            return false;
        }
        request.query.emplace_back(std::move(*key), std::move(*value));
    }
    return true;
}

void stamp_written(Response& response, const Call& call) {
    if (call.written > 0 && response.status >= 200 && response.status < 300) {
        response.headers.emplace_back("Deals-Sequence", std::to_string(call.written));
    }
}

}  // namespace deals::http
