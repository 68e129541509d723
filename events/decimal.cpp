#include "events/decimal.hpp"

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace deals::events {

namespace {

namespace mp = boost::multiprecision;

using Big = mp::checked_int256_t;  // the mantissa: overflow throws std::overflow_error
using Wide = mp::cpp_int;          // unbounded, for the intermediates of compare and divide

// 10^77 < 2^256 <= 10^78: every power a 256-bit magnitude can be divided by usefully.
constexpr int kMaxPower = 77;
constexpr int kMaxExponent = 1000;
constexpr std::size_t kMaxTextDigits = 1000;
constexpr std::int64_t kMaxThousandths = 1'000'000'000'000'000'000;  // Money's invariant

const Big& pow10(int n) {
    static const auto table = [] {
        std::array<Big, kMaxPower + 1> t;
        t[0] = 1;
        for (int i = 1; i <= kMaxPower; ++i) {
            t[i] = t[i - 1] * 10;
        }
        return t;
    }();
    if (n < 0 || n > kMaxPower) {
        throw std::overflow_error("Decimal: power of ten out of range");
    }
    return table[static_cast<std::size_t>(n)];
}

Wide wide_pow10(int n) { return mp::pow(Wide(10), static_cast<unsigned>(n)); }

void check_scale(int scale) {
    if (scale < 0) {
        throw std::invalid_argument("Decimal: negative scale");
    }
}

// |num| / |den| rounded half away from zero (den > 0); written as r >= den - r so that the
// test never needs a value larger than den.
template <typename Int>
Int divide_half_away(const Int& num, const Int& den) {
    const Int magnitude = num < 0 ? Int(-num) : num;
    Int quotient = magnitude / den;
    const Int remainder = magnitude % den;
    if (remainder >= den - remainder) {
        ++quotient;
    }
    return num < 0 ? Int(-quotient) : quotient;
}

// The fast path: a mantissa below 2^127 in magnitude is held and computed in a 128-bit integer,
// each step checked for overflow. Any step that would overflow, or a power of ten past 10^38,
// goes the 256-bit way instead, which then gives the very result (or the error) it always gave:
// the two paths never disagree, the small one is only quicker (a billable's figures are mostly
// small, and boost's 256-bit arithmetic was a sixth of a billable save's CPU).
__extension__ typedef __int128 Small;  // NOLINT(modernize-use-using): __extension__ needs typedef
__extension__ typedef unsigned __int128 SmallMagnitude;  // NOLINT(modernize-use-using)

constexpr int kMaxSmallPower = 38;  // 10^38 < 2^127

constexpr std::array<Small, kMaxSmallPower + 1> kSmallPow10 = [] {
    std::array<Small, kMaxSmallPower + 1> t{};
    t[0] = 1;
    for (std::size_t i = 1; i < t.size(); ++i) {
        t[i] = t[i - 1] * 10;
    }
    return t;
}();

/// m × 10^by into `out`, false when it would not fit (or the power is past the table).
bool small_scaled(Small m, int by, Small& out) {
    if (by < 0 || by > kMaxSmallPower) {
        return false;
    }
    return !__builtin_mul_overflow(m, kSmallPow10[static_cast<std::size_t>(by)], &out);
}

std::string small_digits(SmallMagnitude magnitude) {
    char buffer[40];
    char* end = buffer + sizeof buffer;
    char* p = end;
    do {
        *--p = static_cast<char>('0' + static_cast<int>(magnitude % 10));
        magnitude /= 10;
    } while (magnitude != 0);
    return {p, end};
}

}  // namespace

struct Decimal::Access {
    /// The mantissa when its magnitude is below 2^127.
    static std::optional<Small> small(const Decimal& d) {
        if (d.magnitude_[2] != 0 || d.magnitude_[3] != 0 || (d.magnitude_[1] >> 63) != 0) {
            return std::nullopt;
        }
        const auto m = static_cast<Small>((static_cast<SmallMagnitude>(d.magnitude_[1]) << 64) |
                                          d.magnitude_[0]);
        return d.negative_ ? -m : m;
    }

    static Decimal make(Small m, int scale) {
        Decimal d;
        d.scale_ = scale;
        d.negative_ = m < 0;
        // Negated as unsigned: -2^127 (a sum's or a product's result) has no signed negation.
        const SmallMagnitude magnitude =
            d.negative_ ? -static_cast<SmallMagnitude>(m) : static_cast<SmallMagnitude>(m);
        d.magnitude_[0] = static_cast<std::uint64_t>(magnitude);
        d.magnitude_[1] = static_cast<std::uint64_t>(magnitude >> 64);
        return d;
    }

    static Big mantissa(const Decimal& d) {
        Big m = 0;
        for (std::size_t i = d.magnitude_.size(); i-- > 0;) {  // most significant first
            m <<= 64;
            m += Big(d.magnitude_[i]);
        }
        return d.negative_ ? Big(-m) : m;
    }

    static Decimal make(const Big& m, int scale) {
        Decimal d;
        d.scale_ = scale;
        d.negative_ = m < 0;
        Big magnitude = d.negative_ ? Big(-m) : m;
        const Big limb_mask = std::numeric_limits<std::uint64_t>::max();
        for (auto& limb : d.magnitude_) {
            limb = static_cast<std::uint64_t>(magnitude & limb_mask);
            magnitude >>= 64;
        }
        return d;
    }

    static Decimal make(const Wide& m, int scale) {
        if (m != 0 && mp::msb(m < 0 ? Wide(-m) : m) >= 256) {
            throw std::overflow_error("Decimal: mantissa beyond 256 bits");
        }
        return make(static_cast<Big>(m), scale);
    }

    /// The mantissa at a scale >= d's own, when it is small there (the fast path of `aligned`).
    static std::optional<Small> small_aligned(const Decimal& d, int scale) {
        Small out = 0;
        const auto m = small(d);
        return m && small_scaled(*m, scale - d.scale_, out) ? std::optional(out) : std::nullopt;
    }

    // The mantissa at a scale >= d's own.
    static Big aligned(const Decimal& d, int scale) {
        return mantissa(d) * pow10(scale - d.scale_);
    }

    static Wide wide_aligned(const Decimal& d, int scale) {
        return Wide(mantissa(d)) * wide_pow10(scale - d.scale_);
    }
};

Decimal Decimal::from_money(Money value) { return from_scaled(value.thousandths, 3); }

Decimal Decimal::from_int(std::int64_t value) { return from_scaled(value, 0); }

Decimal Decimal::from_scaled(std::int64_t mantissa, int scale) {
    check_scale(scale);
    return Access::make(Small(mantissa), scale);
}

std::optional<Decimal> Decimal::parse(std::string_view text) {
    std::size_t i = 0;
    bool negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
        negative = text[i] == '-';
        ++i;
    }
    std::string digits;  // integer and fraction digits, without the point
    int fraction_digits = -1;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c >= '0' && c <= '9') {
            digits.push_back(c);
            if (fraction_digits >= 0) {
                ++fraction_digits;
            }
        } else if (c == '.' && fraction_digits < 0) {
            fraction_digits = 0;
        } else {
            break;
        }
    }
    if (digits.empty() || digits.size() > kMaxTextDigits) {
        return std::nullopt;
    }
    int exponent = 0;
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
            if (text[i] < '0' || text[i] > '9') {
                return std::nullopt;
            }
            exponent = exponent * 10 + (text[i] - '0');
            if (exponent > kMaxExponent) {
                return std::nullopt;
            }
        }
        exponent = exp_negative ? -exponent : exponent;
    }
    if (i != text.size()) {
        return std::nullopt;
    }
    if (digits.size() <= static_cast<std::size_t>(kMaxSmallPower)) {  // below 10^38
        Small mantissa = 0;
        for (const char c : digits) {
            mantissa = mantissa * 10 + (c - '0');
        }
        const int scale = std::max(fraction_digits, 0) - exponent;
        Small scaled = mantissa;
        if (scale >= 0 || small_scaled(mantissa, -scale, scaled)) {
            return Access::make(negative ? -scaled : scaled, std::max(scale, 0));
        }
    }
    try {
        Big mantissa = 0;
        for (const char c : digits) {
            mantissa = mantissa * 10 + (c - '0');
        }
        int scale = std::max(fraction_digits, 0) - exponent;
        if (scale < 0) {
            mantissa *= pow10(-scale);
            scale = 0;
        }
        return Access::make(negative ? Big(-mantissa) : mantissa, scale);
    } catch (const std::overflow_error&) {
        return std::nullopt;
    }
}

Money Decimal::to_money() const {
    const Decimal r = rounded(3);
    if (const auto thousandths = Access::small_aligned(r, 3)) {
        if (*thousandths > kMaxThousandths || *thousandths < -kMaxThousandths) {
            throw std::overflow_error("Decimal: beyond the range of Money");
        }
        return Money::from_thousandths(static_cast<std::int64_t>(*thousandths));
    }
    const Big thousandths = Access::aligned(r, 3);
    if (thousandths > kMaxThousandths || thousandths < -kMaxThousandths) {
        throw std::overflow_error("Decimal: beyond the range of Money");
    }
    return Money::from_thousandths(static_cast<std::int64_t>(thousandths));
}

int Decimal::sign() const {
    if (negative_) {
        return -1;
    }
    for (const auto limb : magnitude_) {
        if (limb != 0) {
            return 1;
        }
    }
    return 0;
}

Decimal Decimal::divided_by(const Decimal& divisor, int scale) const {
    check_scale(scale);
    if (divisor.is_zero()) {
        throw std::domain_error("Decimal: division by zero");
    }
    // this / divisor × 10^scale = m × 10^(divisor.scale + scale − this.scale) / dm.
    const int e = divisor.scale_ + scale - scale_;
    if (auto num = Access::small(*this), den = Access::small(divisor); num && den) {
        if (e >= 0 ? small_scaled(*num, e, *num) : small_scaled(*den, -e, *den)) {
            if (*den < 0) {
                *num = -*num;
                *den = -*den;
            }
            return Access::make(divide_half_away(*num, *den), scale);
        }
    }
    Wide num = Access::mantissa(*this);
    Wide den = Access::mantissa(divisor);
    if (e >= 0) {
        num *= wide_pow10(e);
    } else {
        den *= wide_pow10(-e);
    }
    if (den < 0) {
        num = -num;
        den = -den;
    }
    return Access::make(divide_half_away(num, den), scale);
}

Decimal Decimal::rounded(int scale) const {
    check_scale(scale);
    if (scale >= scale_) {
        return *this;
    }
    const int drop = scale_ - scale;
    if (drop > kMaxPower) {
        return {Access::make(Small(0), scale)};  // |mantissa| < 10^77 / 10^78: rounds to zero
    }
    if (const auto m = Access::small(*this); m && drop <= kMaxSmallPower) {
        return Access::make(divide_half_away(*m, kSmallPow10[static_cast<std::size_t>(drop)]),
                            scale);
    }
    return Access::make(divide_half_away(Access::mantissa(*this), pow10(drop)), scale);
}

Decimal Decimal::truncated() const {
    if (scale_ > kMaxPower) {
        return {};
    }
    if (const auto m = Access::small(*this); m && scale_ <= kMaxSmallPower) {
        return Access::make(Small(*m / kSmallPow10[static_cast<std::size_t>(scale_)]), 0);
    }
    return Access::make(Big(Access::mantissa(*this) / pow10(scale_)), 0);
}

std::string Decimal::str() const {
    std::string text = fixed(scale_);
    if (text.find('.') != std::string::npos) {
        while (text.back() == '0') {
            text.pop_back();
        }
        if (text.back() == '.') {
            text.pop_back();
        }
    }
    return text;
}

std::string Decimal::fixed(int scale) const {
    const Decimal r = rounded(scale);
    std::string digits;
    if (const auto m = Access::small(r)) {
        digits = small_digits(*m < 0 ? -static_cast<SmallMagnitude>(*m)
                                     : static_cast<SmallMagnitude>(*m));
    } else {
        Big magnitude = Access::mantissa(r);
        digits = (magnitude < 0 ? Big(-magnitude) : magnitude).str();
    }
    digits.append(static_cast<std::size_t>(scale - r.scale_), '0');  // pad to `scale` decimals
    const auto fraction = static_cast<std::size_t>(scale);
    if (digits.size() <= fraction) {  // a digit before the point: "0.05", not ".05"
        digits.insert(0, fraction + 1 - digits.size(), '0');
    }
    const std::size_t whole = digits.size() - fraction;
    std::string text;
    text.reserve(digits.size() + 2);
    if (r.negative_) {
        text.push_back('-');
    }
    text.append(digits, 0, whole);
    if (fraction > 0) {
        text.push_back('.');
        text.append(digits, whole, std::string::npos);
    }
    return text;
}

double Decimal::to_double() const {
    const std::string text = str();
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range) {
        // Only reachable for magnitudes near 10^-1000: the nearest double is zero.
        return negative_ ? -0.0 : 0.0;
    }
    return value;
}

Decimal operator+(const Decimal& a, const Decimal& b) {
    const int scale = std::max(a.scale_, b.scale_);
    const auto x = Decimal::Access::small_aligned(a, scale);
    const auto y = Decimal::Access::small_aligned(b, scale);
    if (Small sum = 0; x && y && !__builtin_add_overflow(*x, *y, &sum)) {
        return Decimal::Access::make(sum, scale);
    }
    return Decimal::Access::make(
        Big(Decimal::Access::aligned(a, scale) + Decimal::Access::aligned(b, scale)), scale);
}

Decimal operator-(const Decimal& a, const Decimal& b) { return a + (-b); }

Decimal operator*(const Decimal& a, const Decimal& b) {
    if (auto x = Decimal::Access::small(a), y = Decimal::Access::small(b); x && y) {
        Small product = 0;
        if (!__builtin_mul_overflow(*x, *y, &product)) {
            return Decimal::Access::make(product, a.scale_ + b.scale_);
        }
    }
    return Decimal::Access::make(Big(Decimal::Access::mantissa(a) * Decimal::Access::mantissa(b)),
                                 a.scale_ + b.scale_);
}

Decimal operator-(const Decimal& a) {
    Decimal negated = a;
    negated.negative_ = !a.negative_ && a.sign() != 0;
    return negated;
}

std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
    if (a.sign() != b.sign()) {
        return a.sign() <=> b.sign();
    }
    const int scale = std::max(a.scale_, b.scale_);
    if (const auto x = Decimal::Access::small_aligned(a, scale),
        y = Decimal::Access::small_aligned(b, scale);
        x && y) {
        return *x <=> *y;
    }
    const Wide x = Decimal::Access::wide_aligned(a, scale);
    const Wide y = Decimal::Access::wide_aligned(b, scale);
    return x < y ? std::strong_ordering::less
                 : (y < x ? std::strong_ordering::greater : std::strong_ordering::equal);
}

}  // namespace deals::events
