#pragma once

// The service's log: one line per event worth telling an operator, as text (the lines dealsd
// has always printed, with `key=value` fields after them) or as JSON objects (`--log-format
// json`: time, level, msg and the fields). spdlog underneath: its levels, its formatter for the
// time, its periodic flush. Information goes to stdout, warnings and errors to stderr, each line
// whole. Nothing logged here may hold a token, a secret or a request body.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace deals::logging {

enum class Format { kText, kJson };
enum class Level { kDebug, kInfo, kWarn, kError, kOff };

std::optional<Format> parse_format(std::string_view name);  ///< text | json
std::optional<Level> parse_level(std::string_view name);    ///< debug | info | warn | error | off

/// One named value of a line: in JSON a member, in text ` key=value` (quoted when it holds a
/// space, a quote or nothing).
struct Field {
    using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;
    std::string_view key;
    Value value;

    Field(std::string_view k, std::string_view v) : key(k), value(v) {}
    Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
    Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
    Field(std::string_view k, bool v) : key(k), value(v) {}
    Field(std::string_view k, double v) : key(k), value(v) {}
    template <typename T,
              std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
    Field(std::string_view k, T v)
        : key(k),
          value(std::is_signed_v<T> ? Value(static_cast<std::int64_t>(v))
                                    : Value(static_cast<std::uint64_t>(v))) {}
};

using Fields = std::initializer_list<Field>;

/// Sets the format and the lowest level written, for the whole process. Without it: text, info.
void configure(Format format, Level level);

/// Writes one line now (flushed before returning: start-up lines are read as they come).
void write(Level level, std::string_view message, Fields fields = {});
inline void debug(std::string_view message, Fields fields = {}) {
    write(Level::kDebug, message, fields);
}
inline void info(std::string_view message, Fields fields = {}) {
    write(Level::kInfo, message, fields);
}
inline void warn(std::string_view message, Fields fields = {}) {
    write(Level::kWarn, message, fields);
}
inline void error(std::string_view message, Fields fields = {}) {
    write(Level::kError, message, fields);
}

/// A request's line (dealsd --log-requests), at info: written through a buffer of the calling
/// thread that is flushed when it fills, once a second, before any other line and by `flush()`,
/// so that logging every request costs no system call and no lock shared between threads. A
/// thread's lines keep their order; two threads' lines may be up to a flush apart.
void request(std::string_view message, Fields fields);

/// Writes out what `request` holds (at shutdown).
void flush();

/// The line as `format` renders it, without the time and level that spdlog's pattern adds
/// in JSON (what tests/http/log_format_test.cpp reads back).
std::string render(Format format, Level level, std::string_view message, Fields fields);

}  // namespace deals::logging
