#pragma once

// Reading JSON that this service wrote itself, front to back and without a DOM: an event
// record's envelope (store/codec.cpp) and a CloudEvent on the topic (store/cloud_event.cpp).
// Each caller spells out the exact form its writer makes; anything else answers false or
// nothing, and the caller parses the text as JSON instead.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace deals::store {

class JsonScanner {
public:
    explicit JsonScanner(std::string_view text) : text_(text) {}

    /// Whether `literal` comes next; steps over it when it does. Compared here, not by a call
    /// of memcmp: literals are short, and a view's decoding takes hundreds of them.
    bool take(std::string_view literal) {
        if (at_ > text_.size() || text_.size() - at_ < literal.size()) {
            return false;
        }
        for (std::size_t i = 0; i < literal.size(); ++i) {
            if (text_[at_ + i] != literal[i]) {
                return false;
            }
        }
        at_ += literal.size();
        return true;
    }
    /// Whether `"name":` comes next (a member's key, as the writer puts it); steps over it when
    /// it does. Inlined where `name` is a literal: its length is then known, and the comparison
    /// is a few word compares. A view's decoding takes dozens of keys, and a loop over the
    /// characters was a sixth of it.
    [[gnu::always_inline]] bool take_key(const char* name) {
        const std::size_t n = __builtin_strlen(name);
        if (at_ > text_.size() || text_.size() - at_ < n + 3) {
            return false;
        }
        const char* p = text_.data() + at_;
        if (p[0] != '"' || __builtin_memcmp(p + 1, name, n) != 0 || p[n + 1] != '"' ||
            p[n + 2] != ':') {
            return false;
        }
        at_ += n + 3;
        return true;
    }
    bool take(char c) {
        if (at_ == text_.size() || text_[at_] != c) {
            return false;
        }
        ++at_;
        return true;
    }
    /// A string without escapes or control characters, as it stands between its quotes: what
    /// RapidJSON's writer writes back byte for byte.
    std::optional<std::string_view> string() {
        if (!take('"')) {
            return std::nullopt;
        }
        const std::size_t start = at_;
#if defined(__SSE2__)
        // Sixteen bytes at a time to the first quote, backslash or control character.
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i control = _mm_set1_epi8(0x1F);
        for (; text_.size() - at_ >= 16; at_ += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text_.data() + at_));
            const __m128i stop =
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                             _mm_cmpeq_epi8(_mm_min_epu8(v, control), v));
            if (const int mask = _mm_movemask_epi8(stop); mask != 0) {
                at_ += static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
                if (text_[at_] != '"') {
                    return std::nullopt;
                }
                return text_.substr(start, at_++ - start);
            }
        }
#endif
        for (; at_ < text_.size(); ++at_) {
            const auto c = static_cast<unsigned char>(text_[at_]);
            if (c == '"') {
                return text_.substr(start, at_++ - start);
            }
            if (c == '\\' || c < 0x20) {
                return std::nullopt;
            }
        }
        return std::nullopt;
    }
    /// Steps over a string, escapes and all.
    bool skip_string() {
        if (!take("\"")) {
            return false;
        }
        while (at_ < text_.size() && text_[at_] != '"') {
            at_ += text_[at_] == '\\' && at_ + 1 < text_.size() ? 2 : 1;  // never past the end
        }
        return take("\"");
    }
    /// A number of plain digits (no sign, fraction, exponent or leading zero), as written.
    std::optional<std::string_view> digits() {
        const std::size_t start = at_;
        while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
            ++at_;
        }
        const auto n = text_.substr(start, at_ - start);
        return n.empty() || (n.size() > 1 && n[0] == '0') ? std::nullopt : std::optional(n);
    }
    /// Plain digits that fit in 64 bits (at most 19 of them), as a number.
    bool number(std::uint64_t& out) {
        const auto n = digits();
        if (!n || n->size() > 19) {
            return false;
        }
        out = 0;
        for (const char c : *n) {
            out = out * 10 + static_cast<std::uint64_t>(c - '0');
        }
        return true;
    }
    /// A number in JSON's grammar (sign, fraction and exponent included), as written: the
    /// text RapidJSON hands over for it when told to keep numbers as text.
    std::optional<std::string_view> number_text() {
        const std::size_t start = at_;
        const auto run = [this] {
            const std::size_t from = at_;
            while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
                ++at_;
            }
            return at_ - from;
        };
        take('-');
        const std::size_t int_start = at_;
        const std::size_t int_digits = run();
        if (int_digits == 0 || (int_digits > 1 && text_[int_start] == '0')) {
            return std::nullopt;
        }
        // RapidJSON refuses some numbers as too big even when it keeps them as text (an
        // exponent past 308, hundreds of digits): those, and anything near them, are left to
        // it (the caller's fallback), so that both paths accept the same texts.
        if (int_digits > 300 || (take('.') && run() == 0)) {
            return std::nullopt;
        }
        if (take('e') || take('E')) {
            if (!take('+')) {
                take('-');
            }
            const std::size_t exponent_digits = run();
            if (exponent_digits == 0 || exponent_digits > 2) {
                return std::nullopt;
            }
        }
        return text_.substr(start, at_ - start);
    }
    /// The next character, or NUL at the end.
    [[nodiscard]] char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
    [[nodiscard]] bool at_end() const { return at_ == text_.size(); }
    /// `null` or plain digits (an actor's ids).
    bool skip_id() { return take("null") || digits().has_value(); }
    /// The rest of the text but its last character, which must close the object: an object
    /// itself (as `data` always is), its JSON unchecked.
    [[nodiscard]] std::optional<std::string_view> rest_of_object() const {
        if (text_.size() < at_ + 3 || text_.back() != '}' || text_[at_] != '{' ||
            text_[text_.size() - 2] != '}') {
            return std::nullopt;
        }
        return text_.substr(at_, text_.size() - 1 - at_);
    }
    /// How far it has read.
    [[nodiscard]] std::size_t position() const { return at_; }

private:
    std::string_view text_;
    std::size_t at_ = 0;
};

}  // namespace deals::store
