#include "support/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/// Writes `buffer` to `fd` whole and empties it. One buffer at a time across threads: a write
/// to a pipe larger than PIPE_BUF may otherwise interleave with another thread's.
void write_out(int fd, std::string& buffer) {
    static std::mutex writing;
    std::lock_guard lock(writing);
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

constexpr std::size_t kFlushAt = 64 * 1024;

/// Request lines wait in a buffer of the thread that made them, written out when it fills,
/// once a second and before any other line: one shared buffer and its lock, which both I/O
/// threads took for every request, moved between the cores' caches at each line. A thread's
/// lines keep their order; two threads' lines are in order within what one flush writes.
class ThreadLines {
public:
    /// This thread's buffer, made on its first request line and kept to the end of the process.
    static ThreadLines& mine() {
        thread_local ThreadLines* const lines = [] {
            auto& all = registry();
            std::lock_guard lock(all.mutex);
            return all.lines.emplace_back(std::make_unique<ThreadLines>()).get();
        }();
        return *lines;
    }

    /// Every thread's request lines, written out now.
    static void drain_all() {
        auto& all = registry();
        std::lock_guard lock(all.mutex);
        for (const auto& lines : all.lines) {
            std::lock_guard own(lines->mutex_);  // only this thread and the flushes take it
            if (!lines->out_.empty()) {
                write_out(STDOUT_FILENO, lines->out_);
            }
        }
    }

    /// `write(out)` appends a line to this thread's buffer, in place (no copy of the line).
    template <class Write>
    void append(Write&& write) {
        std::lock_guard lock(mutex_);
        write(out_);
        if (out_.size() >= kFlushAt) {
            write_out(STDOUT_FILENO, out_);
        }
    }

private:
    struct Registry {
        std::mutex mutex;
        std::vector<std::unique_ptr<ThreadLines>> lines;
    };
    /// Never destroyed: a sink's destructor drains it at exit, after other statics are gone.
    static Registry& registry() {
        static auto* const all = new Registry;
        return *all;
    }

    std::mutex mutex_;
    std::string out_;
};

/// Whole lines to stdout (debug, info) or stderr (warnings, errors), flushed after each line;
/// the request lines waiting in the threads' buffers go out first, and once a second (the
/// request logger's flush) and at exit.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    LineSink() = default;
    LineSink(const LineSink&) = delete;
    LineSink& operator=(const LineSink&) = delete;
    ~LineSink() override { flush_(); }  // at exit, whatever path it takes

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
        ThreadLines::drain_all();
        write_out(STDOUT_FILENO, out_);
        write_out(STDERR_FILENO, err_);
    }

private:
    std::string out_;
    std::string err_;
};

struct Loggers {
    Format format = Format::kText;
    std::shared_ptr<spdlog::logger> lines;     ///< flushed after every line
    std::shared_ptr<spdlog::logger> requests;  ///< flushed once a second, when full, at exit
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

/// Where the run of plain characters from `i` ends, one table lookup a byte (only after an
/// escape, which is rare: the common case is `plain_prefix`).
std::size_t plain_run_end(std::string_view s, std::size_t i) {
    while (i < s.size() && kPlainJson[static_cast<unsigned char>(s[i])]) {
        ++i;
    }
    return i;
}

/// Writes the character at `s[i]`, which is not plain, escaped at `out`; returns how many bytes
/// of `s` it took. At most six bytes are written for each byte taken.
std::size_t write_escaped(char*& out, std::string_view s, std::size_t i) {
    static constexpr char kHex[] = "0123456789abcdef";
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
        *out++ = '\\';
        *out++ = static_cast<char>(c);
        return 1;
    }
    if (c < 0x80) {  // a control character, or DEL
        out = std::copy_n("\\u00", 4, out);
        *out++ = kHex[c >> 4];
        *out++ = kHex[c & 0xF];
        return 1;
    }
    // A well-formed UTF-8 sequence as it is; any other byte as U+FFFD.
    const std::size_t n = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    bool ok = n > 0 && c < 0xF5 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (!ok) {
        out = std::copy_n("\\ufffd", 6, out);
        return 1;
    }
    out = std::copy_n(s.data() + i, n, out);
    return n;
}

/// The most bytes `s` can take as a JSON string: each byte escaped to six, and the quotes.
constexpr std::size_t json_string_bound(std::string_view s) { return 6 * s.size() + 2; }

/// Room past the last string of a buffer, for the sixteen-byte reads of `plain_prefix`.
constexpr std::size_t kReadSlack = 16;

/// How many bytes from `text` are plain, of `n`: sixteen at a time, reading up to fourteen bytes
/// past `n` (which the caller's buffer holds: see kReadSlack) and ignoring them.
std::size_t plain_prefix(const char* text, std::size_t n) {
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i del = _mm_set1_epi8(0x7F);
    for (std::size_t i = 0; i < n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + i));
        // Signed: bytes from 0x80 are negative, so "below a space" covers them too.
        const __m128i bad =
            _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(bad));
        if (n - i < 16) {
            mask &= (1u << (n - i)) - 1;
        }
        if (mask != 0) {
            return i + static_cast<std::size_t>(__builtin_ctz(mask));
        }
    }
    return n;
#else
    return plain_run_end(std::string_view(text, n), 0);
#endif
}

/// Writes `s` quoted and escaped at `out`, which has room for json_string_bound(s) bytes and,
/// after the buffer's last string, kReadSlack more; returns the end. The string is copied
/// whole first and checked where it landed: a request's line is about twenty short strings,
/// and checking them a byte at a time was most of what each cost (callgrind).
char* write_json_string(char* out, std::string_view s) {
    *out++ = '"';
    std::memcpy(out, s.data(), s.size());
    std::size_t i = plain_prefix(out, s.size());
    out += i;
    while (i < s.size()) {
        i += write_escaped(out, s, i);
        const std::size_t end = plain_run_end(s, i);
        out = std::copy(s.data() + i, s.data() + end, out);
        i = end;
    }
    *out++ = '"';
    return out;
}

void append_json_string(std::string& out, std::string_view s) {
    const std::size_t at = out.size();
    out.resize(at + json_string_bound(s) + kReadSlack);
    out.resize(static_cast<std::size_t>(write_json_string(out.data() + at, s) - out.data()));
}

/// `std::to_chars`'s shortest form of `value`, by integer arithmetic when the value is a whole
/// number of thousandths below 100,000 (a request's duration in milliseconds mostly is): the
/// general shortest-form search was a tenth of what a request's JSON line cost. Such a value
/// has at most 8 significant digits, so its decimal form is the shortest that reads back, and
/// below 10^5 the fixed form is never longer than the scientific one, which to_chars would pick
/// instead (100000 is written 1e+05).
std::to_chars_result to_chars_shortest(char* first, char* last, double value) {
    const double thousandths = value * 1000.0;
    if (std::fabs(thousandths) < 1e8) {
        const auto whole = static_cast<std::int64_t>(std::llround(thousandths));
        if (static_cast<double>(whole) / 1000.0 == value && (whole != 0 || !std::signbit(value))) {
            const std::uint64_t magnitude = whole < 0 ? 0 - static_cast<std::uint64_t>(whole)
                                                      : static_cast<std::uint64_t>(whole);
            char* p = first;
            if (whole < 0) {
                *p++ = '-';
            }
            auto r = std::to_chars(p, last, magnitude / 1000);
            if (std::uint64_t fraction = magnitude % 1000; fraction != 0 && r.ec == std::errc()) {
                char decimals[4] = {'.', static_cast<char>('0' + fraction / 100),
                                    static_cast<char>('0' + fraction / 10 % 10),
                                    static_cast<char>('0' + fraction % 10)};
                std::size_t n = 4;
                while (decimals[n - 1] == '0') {
                    --n;
                }
                if (last - r.ptr < static_cast<std::ptrdiff_t>(n)) {
                    return {last, std::errc::value_too_large};
                }
                r.ptr = std::copy(decimals, decimals + n, r.ptr);
            }
            return r;
        }
    }
    return std::to_chars(first, last, value);
}

/// Room for any number a field holds (to_chars' longest double is 24 characters).
constexpr std::size_t kNumberBound = 32;

char* write_number(char* out, const Field::Value& value) {
    std::to_chars_result r{};
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
        r = std::to_chars(out, out + kNumberBound, *i);
    } else if (const auto* u = std::get_if<std::uint64_t>(&value)) {
        r = std::to_chars(out, out + kNumberBound, *u);
    } else {
        r = to_chars_shortest(out, out + kNumberBound, std::get<double>(value));
    }
    return r.ptr;
}

bool needs_quotes(std::string_view s) {
    return s.empty() || s.find_first_of(" \"=\t\n\r") != std::string_view::npos;
}

void append_text_field(std::string& out, const Field& field) {
    out += ' ';
    out.append(field.key);
    out += '=';
    if (const auto* s = std::get_if<std::string_view>(&field.value)) {
        if (needs_quotes(*s)) {
            append_json_string(out, *s);
        } else {
            out.append(*s);
        }
    } else if (const auto* b = std::get_if<bool>(&field.value)) {
        out += *b ? "true" : "false";
    } else {
        char digits[kNumberBound];
        out.append(digits, write_number(digits, field.value));
    }
}

/// The JSON members of a line, written into room sized for the worst case first, so that no
/// write checks the capacity: a request's line is about twenty short strings, and the checks
/// of std::string's appends were most of what each of them cost (callgrind).
void append_json_members(std::string& out, std::string_view message, Fields fields) {
    std::size_t bound = 6 + json_string_bound(message) + kReadSlack;
    for (const Field& field : fields) {
        const auto* s = std::get_if<std::string_view>(&field.value);
        bound += 2 + json_string_bound(field.key) + (s ? json_string_bound(*s) : kNumberBound);
    }
    const std::size_t at = out.size();
    out.resize(at + bound);
    char* p = std::copy_n("\"msg\":", 6, out.data() + at);
    p = write_json_string(p, message);
    for (const Field& field : fields) {
        *p++ = ',';
        p = write_json_string(p, field.key);
        *p++ = ':';
        if (const auto* s = std::get_if<std::string_view>(&field.value)) {
            p = write_json_string(p, *s);
        } else if (const auto* b = std::get_if<bool>(&field.value)) {
            p = *b ? std::copy_n("true", 4, p) : std::copy_n("false", 5, p);
        } else {
            p = write_number(p, field.value);
        }
    }
    out.resize(static_cast<std::size_t>(p - out.data()));
}

void append_line(std::string& out, Format format, Level level, std::string_view message,
                 Fields fields) {
    if (format == Format::kJson) {
        append_json_members(out, message, fields);
        return;
    }
    out += level == Level::kWarn ? "warning: " : level == Level::kError ? "error: " : "";
    out.append(message);
    for (const Field& field : fields) {
        append_text_field(out, field);
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
    // The whole line is made here, in this thread's buffer, the same as the request logger's
    // pattern would make it: under load, two I/O threads took turns at the sink's lock to
    // format the time (callgrind and perf of GET by id with --log-format json).
    ThreadLines::mine().append([&](std::string& line) {
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
    });
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
