#pragma once

// The one way into RapidJSON: every translation unit that uses it includes this header, so its
// configuration macros are the same everywhere (they cannot be set on the command line).

#include <cstddef>
#include <cstring>
#include <stdexcept>

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
};

/// Parse flags for our own stored JSON: numbers stay text so money stays exact.
constexpr unsigned kExactNumbers = rapidjson::kParseNumbersAsStringsFlag;

}  // namespace deals::json
