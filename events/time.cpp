#include "events/time.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

namespace deals::events {

namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

/// Reads exactly `n` digits at `pos`, advancing it.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
    if (pos + n > s.size()) {
        return std::nullopt;
    }
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
            return std::nullopt;
        }
        v = v * 10 + (c - '0');
    }
    pos += n;
    return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

std::optional<sys_days> parse_date_part(std::string_view s, std::size_t& pos) {
    auto y = digits(s, pos, 4);
    if (!y || !expect(s, pos, '-')) {
        return std::nullopt;
    }
    auto m = digits(s, pos, 2);
    if (!m || !expect(s, pos, '-')) {
        return std::nullopt;
    }
    auto d = digits(s, pos, 2);
    if (!d) {
        return std::nullopt;
    }
    const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*m)},
                             day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    return sys_days{ymd};
}

/// The form this service writes (`Timestamp::format`), `YYYY-MM-DDTHH:MM:SS.ffffffZ`, read
/// without the general parser's steps: a view holds several, and start-up reads a million views.
/// None when `s` is not exactly in that form with every field in range; the general parser then
/// decides, and gives the same instant for any text this accepts.
std::optional<std::int64_t> canonical_micros(std::string_view s) {
    if (s.size() != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != '.' || s[26] != 'Z') {
        return std::nullopt;
    }
    bool digits_only = true;
    const auto number = [&](std::size_t from, std::size_t n) {
        std::int64_t v = 0;
        for (std::size_t i = from; i < from + n; ++i) {
            const auto d = static_cast<unsigned>(s[i] - '0');
            digits_only = digits_only && d <= 9;
            v = v * 10 + static_cast<std::int64_t>(d);
        }
        return v;
    };
    const auto y = number(0, 4);
    const auto mo = number(5, 2);
    const auto d = number(8, 2);
    const auto h = number(11, 2);
    const auto mi = number(14, 2);
    const auto sec = number(17, 2);
    const auto frac = number(20, 6);
    if (!digits_only || h > 23 || mi > 59 || sec > 60) {
        return std::nullopt;
    }
    const year_month_day ymd{year{static_cast<int>(y)}, month{static_cast<unsigned>(mo)},
                             day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    const std::int64_t days = sys_days{ymd}.time_since_epoch().count();
    return days * 86'400'000'000LL + ((h * 60 + mi) * 60 + sec) * 1'000'000LL + frac;
}

}  // namespace

namespace {

/// Writes `value` as `width` decimal digits (zero-padded) at `out`.
char* put_digits(char* out, long value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return out + width;
}

}  // namespace

// Formatted by hand (no snprintf): views, events and API responses print many of them.
std::size_t Timestamp::format(Text& out) const {
    using namespace std::chrono;
    const auto tp = sys_time<microseconds>{microseconds{micros}};
    const auto dp = floor<days>(tp);
    const year_month_day ymd{dp};
    const hh_mm_ss<microseconds> hms{tp - dp};
    const int year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) {
        const int n = std::snprintf(
            out.data(), out.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ld.%06ldZ", year,
            static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
            static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
            static_cast<long>(hms.seconds().count()), static_cast<long>(hms.subseconds().count()));
        return static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(out.size()) - 1));
    }
    char* p = out.data();
    p = put_digits(p, year, 4);
    *p++ = '-';
    p = put_digits(p, static_cast<unsigned>(ymd.month()), 2);
    *p++ = '-';
    p = put_digits(p, static_cast<unsigned>(ymd.day()), 2);
    *p++ = 'T';
    p = put_digits(p, static_cast<long>(hms.hours().count()), 2);
    *p++ = ':';
    p = put_digits(p, static_cast<long>(hms.minutes().count()), 2);
    *p++ = ':';
    p = put_digits(p, static_cast<long>(hms.seconds().count()), 2);
    *p++ = '.';
    p = put_digits(p, static_cast<long>(hms.subseconds().count()), 6);
    *p++ = 'Z';
    return static_cast<std::size_t>(p - out.data());
}

std::string Timestamp::str() const {
    Text text;
    return {text.data(), format(text)};
}

std::optional<Timestamp> Timestamp::parse_until(std::string_view text) {
    auto t = parse(text);
    if (t && text.size() == 10) {  // a date alone: up to the end of that day
        t->micros += 86'400'000'000LL - 1;
    }
    return t;
}

Timestamp Timestamp::system_now() {
    using namespace std::chrono;
    return Timestamp{duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
}

std::optional<Timestamp> Timestamp::parse(std::string_view s) {
    if (const auto micros = canonical_micros(s)) {
        return Timestamp{*micros};
    }
    std::size_t pos = 0;
    auto date = parse_date_part(s, pos);
    if (!date) {
        return std::nullopt;
    }
    std::int64_t micros =
        std::chrono::duration_cast<std::chrono::microseconds>(date->time_since_epoch()).count();
    if (pos == s.size()) {
        return Timestamp{micros};
    }
    if (!expect(s, pos, 'T') && !expect(s, pos, ' ')) {
        return std::nullopt;
    }
    auto h = digits(s, pos, 2);
    if (!h || *h > 23 || !expect(s, pos, ':')) {
        return std::nullopt;
    }
    auto mi = digits(s, pos, 2);
    if (!mi || *mi > 59) {
        return std::nullopt;
    }
    int sec = 0;
    std::int64_t frac = 0;
    if (expect(s, pos, ':')) {
        auto se = digits(s, pos, 2);
        if (!se || *se > 60) {
            return std::nullopt;
        }
        sec = *se;
        if (expect(s, pos, '.')) {
            int n = 0;
            while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) != 0) {
                if (n < 6) {
                    frac = frac * 10 + (s[pos] - '0');
                }
                ++n;
                ++pos;
            }
            if (n == 0) {
                return std::nullopt;
            }
            for (; n < 6; ++n) {
                frac *= 10;
            }
        }
    }
    std::int64_t offset_minutes = 0;
    if (expect(s, pos, 'Z') || expect(s, pos, 'z')) {
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        const int sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        auto oh = digits(s, pos, 2);
        if (!oh) {
            return std::nullopt;
        }
        expect(s, pos, ':');
        auto om = digits(s, pos, 2);
        if (!om) {
            return std::nullopt;
        }
        offset_minutes = sign * (*oh * 60 + *om);
    }
    if (pos != s.size()) {
        return std::nullopt;
    }
    micros += ((*h * 60LL + *mi - offset_minutes) * 60 + sec) * 1'000'000LL + frac;
    return Timestamp{micros};
}

std::string Date::str() const {
    const year_month_day ymd{sys_days{std::chrono::days{days}}};
    const int year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year, static_cast<unsigned>(ymd.month()),
                      static_cast<unsigned>(ymd.day()));
        return buf;
    }
    std::string out(10, '\0');
    char* p = put_digits(out.data(), year, 4);
    *p++ = '-';
    p = put_digits(p, static_cast<unsigned>(ymd.month()), 2);
    *p++ = '-';
    put_digits(p, static_cast<unsigned>(ymd.day()), 2);
    return out;
}

std::optional<Date> Date::parse(std::string_view text) {
    std::size_t pos = 0;
    auto date = parse_date_part(text, pos);
    // The rest must still be a valid date-time; the calendar date is taken as written.
    if (!date || !Timestamp::parse(text)) {
        return std::nullopt;
    }
    return Date{static_cast<std::int32_t>(date->time_since_epoch().count())};
}

}  // namespace deals::events
