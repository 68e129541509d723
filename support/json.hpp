#pragma once

// The one way into RapidJSON: every translation unit that uses it includes this header, so its
// configuration macros are the same everywhere (they cannot be set on the command line).

#include <array>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#ifndef RAPIDJSON_HAS_STDSTRING
#define RAPIDJSON_HAS_STDSTRING 1
#endif
#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT(x)                                 \
    do {                                                    \
        if (!(x)) throw std::logic_error("rapidjson: " #x); \
    } while (false)
#endif
#define RAPIDJSON_NOEXCEPT_ASSERT(x)

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace deals::json {

using Document = rapidjson::Document;
using Value = rapidjson::Value;
using Buffer = rapidjson::StringBuffer;

/// RapidJSON's writer, with a RawValue that copies the text whole. RapidJSON's own copies it one
/// checked character at a time, which was most of the time a deal's rendering took: a deal
/// nests its pipeline's JSON (about 1.7 KB) that way, and every event record its data.
class Writer : public rapidjson::Writer<Buffer> {
public:
    using rapidjson::Writer<Buffer>::Writer;

    /// `text` is one whole JSON value of type `type` (not checked).
    bool RawValue(const Ch* text, std::size_t length, rapidjson::Type type) {
        Prefix(type);
        if (length != 0) {
            std::memcpy(os_->Push(length), text, length);
        }
        return EndValue(true);
    }

    /// A key written in the code: whether it needs an escape is known when compiling.
    struct Literal {
        template <std::size_t N>
        consteval Literal(const char (&text)[N])  // NOLINT: implicit, for w.Key("name")
            : text(text), size(N - 1), plain(true) {
            for (std::size_t i = 0; i + 1 < N; ++i) {  // up to a NUL, as for a C string
                if (text[i] == '\0') {
                    size = i;
                    break;
                }
                const auto c = static_cast<unsigned char>(text[i]);
                plain = plain && c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
            }
        }
        const char* text;
        std::size_t size;
        bool plain;
    };

    /// Keys and strings are copied whole when they need no escape (checked first, which is
    /// cheaper than RapidJSON's loop that escapes and writes one character at a time: keys
    /// were a quarter of what rendering a deal took), else escaped the usual way. A literal
    /// key (most of them) is checked when compiling, and written with its separator in one
    /// step: about 90 keys a deal, and the check, RapidJSON's Prefix and a memcpy call for
    /// each were a fifth of a GET by id (callgrind).
    [[gnu::always_inline]] bool Key(Literal key) {
        if (!key.plain || level_stack_.Empty()) {
            return PlainString({key.text, key.size});
        }
        Level* level = level_stack_.template Top<Level>();
        if (level->inArray || level->valueCount % 2 != 0) {
            return PlainString({key.text, key.size});  // not where a key goes: RapidJSON says so
        }
        const bool comma = level->valueCount > 0;
        Ch* out = os_->Push(key.size + 2 + (comma ? 1 : 0));
        if (comma) {
            *out++ = ',';
        }
        out[0] = '"';
        std::memcpy(out + 1, key.text, key.size);
        out[key.size + 1] = '"';
        ++level->valueCount;
        return true;
    }
    /// Any other text: a string, a string_view, a pointer to a C string, a char array that is
    /// not const. (A const char array that is not a constant, such as a parameter, does not
    /// compile as a key: pass it as a string_view.)
    template <class Text, class Bare = std::remove_reference_t<Text>>
    requires(std::is_convertible_v<Text&&, std::string_view> &&
             !(std::is_array_v<Bare> &&
               std::is_const_v<std::remove_extent_t<Bare>>)) bool Key(Text&& key) {
        return PlainString(std::string_view(key));
    }
    bool Key(const Ch* key, rapidjson::SizeType length, bool /*copy*/ = false) {
        return PlainString({key, length});
    }

    bool PlainString(std::string_view text) {
        if (!plain(text.data(), text.size())) {
            return String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
        }
        return plain_string(text.data(), text.size());
    }

private:
    /// No quote, backslash, control character or byte above ASCII (RapidJSON's writer checks
    /// those against the encoding).
    /// Sixteen bytes at a time where it can (this check was 18 % of a GET by id, one byte and
    /// four comparisons at a time), then one table lookup a byte.
    static bool plain(const Ch* text, std::size_t length) {
        std::size_t i = 0;
#if defined(__SSE2__)
        const __m128i space = _mm_set1_epi8(0x20);
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        for (; i + 16 <= length; i += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + i));
            // Signed: bytes from 0x80 are negative, so "below a space" covers them too.
            const __m128i bad =
                _mm_or_si128(_mm_cmplt_epi8(v, space),
                             _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
            if (_mm_movemask_epi8(bad) != 0) {
                return false;
            }
        }
#endif
        for (; i < length; ++i) {
            if (!kPlain[static_cast<unsigned char>(text[i])]) {
                return false;
            }
        }
        return true;
    }

    static constexpr auto kPlain = [] {
        std::array<bool, 256> plain{};
        for (int c = 0x20; c < 0x80; ++c) {
            plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
        }
        return plain;
    }();

    bool plain_string(const Ch* text, std::size_t length) {
        Prefix(rapidjson::kStringType);
        Ch* out = os_->Push(length + 2);
        out[0] = '"';
        std::memcpy(out + 1, text, length);
        out[length + 1] = '"';
        return EndValue(true);
    }
};

/// Parse flags for our own stored JSON: numbers stay text so money stays exact.
constexpr unsigned kExactNumbers = rapidjson::kParseNumbersAsStringsFlag;

}  // namespace deals::json
