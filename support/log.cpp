#include "support/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>

namespace deals::logging {

namespace {

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::kDebug:
            return spdlog::level::debug;
        case Level::kInfo:
            return spdlog::level::info;
        case Level::kWarn:
            return spdlog::level::warn;
        case Level::kError:
            return spdlog::level::err;
        case Level::kOff:
            break;
    }
    return spdlog::level::off;
}

/// Whole lines to stdout (debug, info) or stderr (warnings, errors), through a buffer that the
/// logger flushes after each line, or, for request lines, when it fills, once a second and at
/// exit. write(2) of whole lines, so two loggers' lines never interleave within a line.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    LineSink() = default;
    LineSink(const LineSink&) = delete;
    LineSink& operator=(const LineSink&) = delete;
    ~LineSink() override { flush_(); }  // at exit, whatever path it takes

    /// Takes a line formatted already (ending in a newline), to flush with the others.
    void append_formatted(std::string_view line) {
        std::lock_guard lock(mutex_);
        out_.append(line);
        if (out_.size() >= kFlushAt) {
            flush_();
        }
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        std::string& out = msg.level >= spdlog::level::warn ? err_ : out_;
        out.append(formatted.data(), formatted.size());
        if (out.size() >= kFlushAt) {
            flush_();
        }
    }
    void flush_() override {
        drain(STDOUT_FILENO, out_);
        drain(STDERR_FILENO, err_);
    }

private:
    static constexpr std::size_t kFlushAt = 64 * 1024;

    static void drain(int fd, std::string& buffer) {
        std::size_t done = 0;
        while (done < buffer.size()) {
            const ssize_t n = ::write(fd, buffer.data() + done, buffer.size() - done);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;  // nowhere to write to (a closed pipe): the line is dropped, not retried
            }
            done += static_cast<std::size_t>(n);
        }
        buffer.clear();
    }

    std::string out_;
    std::string err_;
};

struct Loggers {
    Format format = Format::kText;
    std::shared_ptr<spdlog::logger> lines;     ///< flushed after every line
    std::shared_ptr<spdlog::logger> requests;  ///< flushed once a second, when full, at exit
    std::shared_ptr<LineSink> sink;            ///< both loggers'
};

std::unique_ptr<spdlog::formatter> formatter_for(Format format) {
    // The time in UTC, to the microsecond; the rest of the object is the message's part (%v).
    return std::make_unique<spdlog::pattern_formatter>(
        format == Format::kJson ? R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})" : "%v",
        spdlog::pattern_time_type::utc);
}

Loggers make_loggers(Format format, Level level) {
    Loggers made;
    made.format = format;
    // One sink for both: a line written at once writes out the request lines before it, so
    // that the output keeps the order the lines were logged in.
    const auto sink = std::make_shared<LineSink>();
    made.lines = std::make_shared<spdlog::logger>("deals", sink);
    made.requests = std::make_shared<spdlog::logger>("deals.requests", sink);
    for (auto* logger : {made.lines.get(), made.requests.get()}) {
        logger->set_formatter(formatter_for(format));
        logger->set_level(to_spdlog(level));
    }
    made.sink = sink;
    made.lines->flush_on(spdlog::level::trace);
    made.requests->flush_on(spdlog::level::warn);
    return made;
}

std::mutex configure_mutex;

Loggers& loggers() {
    static Loggers current = [] {
        Loggers made = make_loggers(Format::kText, Level::kInfo);
        spdlog::register_logger(made.requests);
        spdlog::flush_every(std::chrono::seconds(1));
        return made;
    }();
    return current;
}

/// Which bytes go into a JSON string as they are (one load per byte).
constexpr auto kPlainJson = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x7F; ++c) {
        plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    }
    return plain;
}();

/// Appends the character at `s[i]`, which is not plain, escaped; returns how many bytes it took.
std::size_t append_escaped(std::string& out, std::string_view s, std::size_t i) {
    static constexpr char kHex[] = "0123456789abcdef";
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
        return 1;
    }
    if (c < 0x80) {  // a control character, or DEL
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
        return 1;
    }
    // A well-formed UTF-8 sequence as it is; any other byte as U+FFFD.
    const std::size_t n = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    bool ok = n > 0 && c < 0xF5 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (!ok) {
        out += "\\ufffd";
        return 1;
    }
    out.append(s.substr(i, n));
    return n;
}

void append_json_string(std::string& out, std::string_view s) {
    // Runs of plain characters are copied whole: a request's line is mostly such runs, and a
    // character at a time was half of what --log-format json cost a request (callgrind).
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t end = i;
        while (end < s.size() && kPlainJson[static_cast<unsigned char>(s[end])]) {
            ++end;
        }
        out.append(s.data() + i, end - i);
        i = end < s.size() ? end + append_escaped(out, s, end) : end;
    }
    out += '"';
}

void append_number(std::string& out, const Field::Value& value) {
    char digits[32];
    std::to_chars_result r{};
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
        r = std::to_chars(digits, digits + sizeof digits, *i);
    } else if (const auto* u = std::get_if<std::uint64_t>(&value)) {
        r = std::to_chars(digits, digits + sizeof digits, *u);
    } else {
        r = std::to_chars(digits, digits + sizeof digits, std::get<double>(value));
    }
    out.append(digits, r.ptr);
}

bool needs_quotes(std::string_view s) {
    return s.empty() || s.find_first_of(" \"=\t\n\r") != std::string_view::npos;
}

void append_field(std::string& out, Format format, const Field& field) {
    if (format == Format::kJson) {
        out += ',';
        append_json_string(out, field.key);
        out += ':';
    } else {
        out += ' ';
        out.append(field.key);
        out += '=';
    }
    if (const auto* s = std::get_if<std::string_view>(&field.value)) {
        if (format == Format::kJson || needs_quotes(*s)) {
            append_json_string(out, *s);
        } else {
            out.append(*s);
        }
    } else if (const auto* b = std::get_if<bool>(&field.value)) {
        out += *b ? "true" : "false";
    } else {
        append_number(out, field.value);
    }
}

void append_line(std::string& out, Format format, Level level, std::string_view message,
                 Fields fields) {
    if (format == Format::kJson) {
        out += "\"msg\":";
        append_json_string(out, message);
    } else {
        out += level == Level::kWarn ? "warning: " : level == Level::kError ? "error: " : "";
        out.append(message);
    }
    for (const Field& field : fields) {
        append_field(out, format, field);
    }
}

/// Appends the time now in UTC as the pattern's `%Y-%m-%dT%H:%M:%S.%fZ` writes it; the part
/// to the second is formatted once a second per thread.
void append_utc_now(std::string& out) {
    using namespace std::chrono;
    const auto now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    const std::int64_t second = now / 1'000'000;
    thread_local std::int64_t cached_second = -1;
    thread_local char prefix[32];
    if (second != cached_second) {
        const std::time_t t = static_cast<std::time_t>(second);
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::strftime(prefix, sizeof prefix, "%Y-%m-%dT%H:%M:%S.", &tm);
        cached_second = second;
    }
    out.append(prefix);
    char micros[6];
    auto value = now % 1'000'000;
    for (int i = 5; i >= 0; --i) {
        micros[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    out.append(micros, sizeof micros);
    out += 'Z';
}

void log_to(spdlog::logger& logger, Format format, Level level, std::string_view message,
            Fields fields) {
    thread_local std::string line;
    line.clear();
    append_line(line, format, level, message, fields);
    logger.log(to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
    if (name == "text") {
        return Format::kText;
    }
    if (name == "json") {
        return Format::kJson;
    }
    return std::nullopt;
}

std::optional<Level> parse_level(std::string_view name) {
    static constexpr std::pair<std::string_view, Level> kNames[] = {
        {"debug", Level::kDebug},  {"info", Level::kInfo},   {"warn", Level::kWarn},
        {"warning", Level::kWarn}, {"error", Level::kError}, {"off", Level::kOff}};
    for (const auto& [n, level] : kNames) {
        if (n == name) {
            return level;
        }
    }
    return std::nullopt;
}

void configure(Format format, Level level) {
    std::lock_guard lock(configure_mutex);
    Loggers& current = loggers();
    current.lines->flush();
    current.requests->flush();
    Loggers made = make_loggers(format, level);
    spdlog::drop(current.requests->name());
    spdlog::register_logger(made.requests);
    current = std::move(made);
}

void write(Level level, std::string_view message, Fields fields) {
    Loggers& current = loggers();
    if (current.lines->should_log(to_spdlog(level))) {
        log_to(*current.lines, current.format, level, message, fields);
    }
}

void request(std::string_view message, Fields fields) {
    Loggers& current = loggers();
    if (!current.requests->should_log(spdlog::level::info)) {
        return;
    }
    // The whole line is made here, outside the sink's lock, and the same as the request
    // logger's pattern would make it: under load, two I/O threads took turns at that lock to
    // format the time (callgrind and perf of GET by id with --log-format json).
    thread_local std::string line;
    line.clear();
    if (current.format == Format::kJson) {
        line += R"({"time":")";
        append_utc_now(line);
        line += R"(","level":"info",)";
    }
    append_line(line, current.format, Level::kInfo, message, fields);
    if (current.format == Format::kJson) {
        line += '}';
    }
    line += '\n';
    current.sink->append_formatted(line);
}

void flush() {
    Loggers& current = loggers();
    current.lines->flush();
    current.requests->flush();
}

std::string render(Format format, Level level, std::string_view message, Fields fields) {
    std::string out;
    if (format == Format::kJson) {
        out += '{';
    }
    append_line(out, format, level, message, fields);
    if (format == Format::kJson) {
        out += '}';
    }
    return out;
}

}  // namespace deals::logging
