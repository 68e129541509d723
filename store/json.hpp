#pragma once

// The one way into RapidJSON: every translation unit that uses it includes this header, so its
// configuration macros are the same everywhere (they cannot be set on the command line).

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
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Parse flags for our own stored JSON: numbers stay text so money stays exact.
constexpr unsigned kExactNumbers = rapidjson::kParseNumbersAsStringsFlag;

}  // namespace deals::json
