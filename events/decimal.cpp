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

}  // namespace

struct Decimal::Access {
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
    return Access::make(Big(mantissa), scale);
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
        return {Access::make(Big(0), scale)};  // |mantissa| < 10^77 / 10^78: rounds to zero
    }
    return Access::make(divide_half_away(Access::mantissa(*this), pow10(drop)), scale);
}

Decimal Decimal::truncated() const {
    if (scale_ > kMaxPower) {
        return {};
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
    Big magnitude = Access::mantissa(r);
    if (magnitude < 0) {
        magnitude = -magnitude;
    }
    std::string digits = magnitude.str();
    digits.append(static_cast<std::size_t>(scale - r.scale_), '0');  // pad to `scale` decimals
    const auto fraction = static_cast<std::size_t>(scale);
    if (digits.size() <= fraction) {
        digits.insert(0, fraction + 1 - digits.size(), '0');
    }
    if (fraction > 0) {
        digits.insert(digits.size() - fraction, ".");
    }
    return r.negative_ ? "-" + digits : digits;
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
    return Decimal::Access::make(
        Big(Decimal::Access::aligned(a, scale) + Decimal::Access::aligned(b, scale)), scale);
}

Decimal operator-(const Decimal& a, const Decimal& b) { return a + (-b); }

Decimal operator*(const Decimal& a, const Decimal& b) {
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
    const Wide x = Decimal::Access::wide_aligned(a, scale);
    const Wide y = Decimal::Access::wide_aligned(b, scale);
    return x < y ? std::strong_ordering::less
                 : (y < x ? std::strong_ordering::greater : std::strong_ordering::equal);
}

}  // namespace deals::events
