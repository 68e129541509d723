#pragma once

// The one way into RapidJSON: every translation unit that uses it includes this header, so its
// configuration macros are the same everywhere (they cannot be set on the command line).

#include <array>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
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

    /// Keys and strings are copied whole when they need no escape (checked first, which is
    /// cheaper than RapidJSON's loop that escapes and writes one character at a time: keys
    /// were a quarter of what rendering a deal took), else escaped the usual way.
    bool Key(std::string_view key) { return PlainString(key); }
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
