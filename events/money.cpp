#include "events/money.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace deals::events {

namespace {

constexpr std::int64_t kMaxDigits = 18;

}  // namespace

std::optional<Money> Money::parse(std::string_view text) {
    std::size_t i = 0;
    bool negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
        negative = text[i] == '-';
        ++i;
    }
    std::string digits;  // integer and fraction digits, without the point
    std::int64_t point = -1;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
            digits.push_back(c);
        } else if (c == '.' && point < 0) {
            point = static_cast<std::int64_t>(digits.size());
        } else {
            break;
        }
    }
    if (digits.empty()) {
        return std::nullopt;
    }
    if (point < 0) {
        point = static_cast<std::int64_t>(digits.size());
    }
    std::int64_t exponent = 0;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
            exp_negative = text[i] == '-';
            ++i;
        }
        if (i >= text.size()) {
            return std::nullopt;
        }
        for (; i < text.size(); ++i) {
            if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) {
                return std::nullopt;
            }
            exponent = exponent * 10 + (text[i] - '0');
            if (exponent > 1000) {
                return std::nullopt;
            }
        }
        if (exp_negative) {
            exponent = -exponent;
        }
    }
    if (i != text.size()) {
        return std::nullopt;
    }
    // Position of the decimal point after applying the exponent; keep 3 fraction digits and
    // look at the fourth for rounding (half away from zero).
    const std::int64_t int_digits = point + exponent;
    std::int64_t value = 0;
    int significant = 0;
    auto digit_at = [&](std::int64_t pos) -> int {
        return pos >= 0 && pos < static_cast<std::int64_t>(digits.size()) ? digits[pos] - '0' : 0;
    };
    for (std::int64_t pos = 0; pos < int_digits + 3; ++pos) {
        const int d = digit_at(pos);
        if (value != 0 || d != 0) {
            ++significant;
        }
        if (significant > kMaxDigits) {
            return std::nullopt;
        }
        value = value * 10 + d;
    }
    if (digit_at(int_digits + 3) >= 5) {
        ++value;
    }
    return Money{negative ? -value : value};
}

std::string Money::str() const {
    const bool negative = thousandths < 0;
    const std::uint64_t abs = negative ? static_cast<std::uint64_t>(-(thousandths + 1)) + 1
                                       : static_cast<std::uint64_t>(thousandths);
    // Into a buffer, then one string: this runs for every amount of every event and view.
    char buffer[32];
    char* p = buffer;
    if (negative) {
        *p++ = '-';
    }
    p = std::to_chars(p, buffer + sizeof buffer, abs / 1000).ptr;
    if (std::uint64_t frac = abs % 1000; frac != 0) {
        *p++ = '.';
        const char digits[3] = {static_cast<char>('0' + frac / 100),
                                static_cast<char>('0' + frac / 10 % 10),
                                static_cast<char>('0' + frac % 10)};
        int shown = 3;
        while (digits[shown - 1] == '0') {  // no trailing zeros: frac != 0, so one stays
            --shown;
        }
        p = std::copy(digits, digits + shown, p);
    }
    return {buffer, p};
}

}  // namespace deals::events
