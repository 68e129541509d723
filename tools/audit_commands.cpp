// dealsctl's auditors' commands: events, verify, replay, export. They read the data directory
// through store::LogReader (a RocksDB secondary instance), never the Store, so a running
// dealsd keeps serving while they run.

#include "tools/audit_commands.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/render.hpp"
#include "projections/views.hpp"
#include "store/codec.hpp"
#include "store/json.hpp"
#include "store/log_reader.hpp"
#include "store/rocks_event_log.hpp"
#include "store/sha256.hpp"

namespace deals::tools {

namespace {

using events::Sequence;
using events::Timestamp;
using Clock = std::chrono::steady_clock;

int fail(const std::string& message) {
    std::cerr << "error: " << message << std::endl;
    return 1;
}

/// Set once standard output was closed under us (`dealsctl events | head`): the command stops
/// early, and exits as if killed by SIGPIPE (`run`).
bool g_output_closed = false;

/// Buffered standard output (the commands print millions of lines). Once standard output is
/// closed, what is written is dropped and `closed()` is true: loops check it to stop.
class Out {
public:
    ~Out() { (void)write(); }  // the last lines: nobody reads them if it is closed by now
    Out() = default;
    Out(const Out&) = delete;
    Out& operator=(const Out&) = delete;
    void line(std::string_view text) {
        buffer_.append(text);
        buffer_.append("\n");
        if (buffer_.size() >= (1 << 20)) {
            flush();
        }
    }
    void raw(std::string_view text) {
        buffer_.append(text);
        if (buffer_.size() >= (1 << 20)) {
            flush();
        }
    }
    /// Writes what is buffered; false once standard output is closed.
    bool flush() {
        if (!write()) {
            g_output_closed = true;
        }
        return !g_output_closed;
    }
    [[nodiscard]] bool closed() const { return g_output_closed; }

private:
    bool write() {
        if (g_output_closed) {
            buffer_.clear();
            return false;
        }
        const bool written =
            std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) == buffer_.size();
        buffer_.clear();
        return written && std::fflush(stdout) == 0;
    }

    std::string buffer_;
};

/// A point of the log: a sequence (digits only) or a time (ISO-8601 or YYYY-MM-DD).
struct Point {
    std::optional<Sequence> sequence;
    std::optional<Timestamp> time;
    std::string text;
};

std::optional<Point> parse_point(const std::string& text) {
    Point p;
    p.text = text;
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
        Sequence sequence = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), sequence);
        if (error != std::errc{} || end != text.data() + text.size()) {
            return std::nullopt;  // too large
        }
        p.sequence = sequence;
        return p;
    }
    p.time = Timestamp::parse_until(text);  // as `?as_of=` of the API reads it
    if (!p.time) {
        return std::nullopt;
    }
    return p;
}

std::string point_text(const Point& p) {
    return p.sequence ? "sequence " + std::to_string(*p.sequence) : p.time->str();
}

Result<std::unique_ptr<store::LogReader>> open_reader(const std::string& data_dir) {
    return store::LogReader::open(data_dir);
}

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string json_string(std::string_view s) {
    json::Buffer buffer;
    json::Writer w(buffer);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return {buffer.GetString(), buffer.GetSize()};
}

// ---------------------------------------------------------------------------------------------
// events

struct EventsOptions {
    std::string stream;
    Sequence from = 1;
    std::string until;
    std::vector<std::string> types;
    std::uint64_t limit = 0;
};

int run_events(const std::string& data_dir, const EventsOptions& o) {
    std::optional<Point> until;
    if (!o.until.empty()) {
        until = parse_point(o.until);
        if (!until) {
            return fail("--until wants a sequence or a time (ISO-8601), not '" + o.until + "'");
        }
    }
    auto reader = open_reader(data_dir);
    if (!reader) {
        return fail(reader.error().message);
    }
    const store::LogHead head = (*reader)->head();
    Out out;
    std::uint64_t printed = 0;
    std::string failure;
    // True to go on; false to stop (past --until, --limit reached, or a corrupt record).
    const auto take = [&](Sequence sequence, std::string_view record) {
        try {
            if (until && until->sequence && sequence > *until->sequence) {
                return false;
            }
            const auto parts = store::split_record(record);
            if (until && until->time) {
                const auto at = store::body_string(parts.body, "occurred_at");
                const auto time = at ? Timestamp::parse(*at) : std::nullopt;
                if (!time) {
                    failure = "the record at sequence " + std::to_string(sequence) +
                              " is corrupt (no occurred_at)";
                    return false;
                }
                if (*time > *until->time) {
                    return false;  // occurred_at never goes backwards along the sequence
                }
            }
            if (!o.types.empty()) {
                const auto type = store::body_string(parts.body, "type");
                if (!type || std::find(o.types.begin(), o.types.end(), *type) == o.types.end()) {
                    return true;
                }
            }
            out.line(store::envelope_json(record));
            ++printed;
            return !out.closed() && (o.limit == 0 || printed < o.limit);
        } catch (const std::exception& e) {  // a corrupt record (store/codec.hpp)
            failure = "the record at sequence " + std::to_string(sequence) + " is corrupt (" +
                      e.what() + ")";
            return false;
        }
    };
    try {
        if (!o.stream.empty()) {
            for (const auto& r : (*reader)->read_stream_records(o.stream, 1, SIZE_MAX)) {
                if (r.sequence >= o.from && !take(r.sequence, r.bytes)) {
                    break;
                }
            }
        } else {
            (*reader)->scan(o.from, take);
        }
    } catch (const std::exception& e) {  // a storage error (store::LogReader)
        failure = e.what();
    }
    if (!out.flush()) {
        return 1;  // `run` answers as SIGPIPE would
    }
    if (!failure.empty()) {
        return fail(failure);
    }
    std::cerr << "events: " << printed << " printed (head: sequence " << head.sequence << ")"
              << std::endl;
    return 0;
}

// ---------------------------------------------------------------------------------------------
// verify

struct VerifyOptions {
    Sequence from = 1;
    std::string expect_hash;
    Sequence at = 0;
    bool progress = false;
    bool json = false;
};

/// Progress on stderr: done/total, rate and time left, at most twice a second.
class Progress {
public:
    Progress(bool on, std::uint64_t total) : on_(on), total_(total), start_(Clock::now()) {}
    void tick(std::uint64_t done) {
        if (!on_ || (done & 0x3FFF) != 0) {
            return;
        }
        const auto now = Clock::now();
        if (now - last_ < std::chrono::milliseconds(500)) {
            return;
        }
        last_ = now;
        const double seconds = std::chrono::duration<double>(now - start_).count();
        const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
        const double left =
            rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0;
        std::fprintf(
            stderr,
            "\rverify: %" PRIu64 "/%" PRIu64 " events (%.0f%%), %.0f events/s, %.0f s left   ",
            done, total_,
            total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0, rate,
            left);
        shown_ = true;
    }
    void end() {
        if (shown_) {
            std::fprintf(stderr, "\n");
        }
    }

private:
    bool on_;
    std::uint64_t total_;
    Clock::time_point start_;
    Clock::time_point last_{};
    bool shown_ = false;
};

/// `reader.scan(from, visit)` on two threads: one walks RocksDB and copies the records into
/// batches, the caller's thread runs `visit` on them (hashing, for verify), so that reading
/// and hashing overlap. `visit` returns false to stop. Storage errors are rethrown here.
void scan_pipelined(const store::LogReader& reader, Sequence from,
                    const std::function<bool(Sequence, std::string_view)>& visit) {
    struct Batch {
        std::string bytes;
        std::vector<std::pair<Sequence, std::size_t>> ends;  // sequence, end offset in bytes
    };
    constexpr std::size_t kBatchBytes = 4 << 20;
    constexpr std::size_t kQueued = 4;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Batch> queue;
    bool done = false;
    bool stop = false;
    std::exception_ptr error;
    std::thread producer([&] {
        Batch batch;
        const auto hand_over = [&] {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return stop || queue.size() < kQueued; });
            if (stop) {
                return false;
            }
            queue.push_back(std::move(batch));
            batch = Batch{};
            changed.notify_all();
            return true;
        };
        try {
            reader.scan(from, [&](Sequence sequence, std::string_view record) {
                batch.bytes.append(record);
                batch.ends.emplace_back(sequence, batch.bytes.size());
                return batch.bytes.size() < kBatchBytes || hand_over();
            });
            if (!batch.ends.empty()) {
                hand_over();
            }
        } catch (...) {
            error = std::current_exception();
        }
        std::lock_guard lock(mutex);
        done = true;
        changed.notify_all();
    });
    std::exception_ptr failed;
    bool going = true;
    try {
        while (going) {
            Batch batch;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return done || !queue.empty(); });
                if (queue.empty()) {
                    break;  // done
                }
                batch = std::move(queue.front());
                queue.pop_front();
                changed.notify_all();
            }
            std::size_t start = 0;
            for (const auto& [sequence, end] : batch.ends) {
                if (!visit(sequence, std::string_view(batch.bytes).substr(start, end - start))) {
                    going = false;
                    break;
                }
                start = end;
            }
        }
    } catch (...) {
        failed = std::current_exception();
    }
    {
        std::lock_guard lock(mutex);
        stop = true;
        changed.notify_all();
    }
    producer.join();
    if (failed) {
        std::rethrow_exception(failed);
    }
    if (error) {
        std::rethrow_exception(error);
    }
}

int run_verify(const std::string& data_dir, VerifyOptions o) {
    std::transform(o.expect_hash.begin(), o.expect_hash.end(), o.expect_hash.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!o.expect_hash.empty() && o.at == 0) {
        return fail("--expect-hash needs --at SEQ");
    }
    if (o.at != 0 && o.at < o.from) {
        return fail("--at must not be before --from: the chain is only recomputed from there");
    }
    const auto started = Clock::now();
    auto reader = open_reader(data_dir);
    if (!reader) {
        return fail(reader.error().message);
    }
    const store::LogHead head = (*reader)->head();

    std::string expected_prev = store::kGenesisHash;
    bool trusted = false;
    std::string trusted_prev;
    // The outcome: the first sequence that does not verify and why (0: intact).
    Sequence bad = 0;
    std::string why;
    std::uint64_t verified = 0;
    std::uint64_t bytes = 0;
    std::string hash_at;

    if (o.from > 1) {
        const auto first = (*reader)->record(o.from);
        if (!first) {
            bad = o.from;
            why = head.sequence < o.from
                      ? "not stored: the log ends at sequence " + std::to_string(head.sequence)
                      : "missing: there is no record with this sequence";
        } else {
            const auto last = first->bytes.rfind('\n');
            const auto middle = last == std::string::npos || last == 0
                                    ? std::string::npos
                                    : first->bytes.rfind('\n', last - 1);
            if (middle == std::string::npos) {
                bad = o.from;
                why = "malformed record: not <body>\\n<prev_hash>\\n<hash>";
            } else {
                expected_prev = first->bytes.substr(middle + 1, last - middle - 1);
                trusted_prev = expected_prev;
                trusted = true;
            }
        }
    }

    Sequence expected = o.from;
    const auto scan_started = Clock::now();
    if (bad == 0) {
        char computed[64];
        const std::uint64_t total = head.sequence >= o.from ? head.sequence - o.from + 1 : 0;
        Progress progress(o.progress, total);
        scan_pipelined(**reader, o.from, [&](Sequence sequence, std::string_view record) {
            if (sequence != expected) {
                bad = expected;
                why = "missing: the next stored record is sequence " + std::to_string(sequence);
                return false;
            }
            const auto last = record.rfind('\n');
            const auto middle = last == std::string_view::npos || last == 0
                                    ? std::string_view::npos
                                    : record.rfind('\n', last - 1);
            if (middle == std::string_view::npos) {
                bad = sequence;
                why = "malformed record: not <body>\\n<prev_hash>\\n<hash>";
                return false;
            }
            const std::string_view body = record.substr(0, middle);
            const std::string_view prev = record.substr(middle + 1, last - middle - 1);
            const std::string_view hash = record.substr(last + 1);
            if (prev != expected_prev) {
                bad = sequence;
                why = sequence == 1
                          ? "prev_hash " + std::string(prev) + " is not the genesis hash (64 zeros)"
                          : "prev_hash " + std::string(prev) + " is not the hash of sequence " +
                                std::to_string(sequence - 1) + " (" + expected_prev + ")";
                return false;
            }
            store::sha256_hex(prev, body, computed);
            if (hash != std::string_view(computed, 64)) {
                bad = sequence;
                why = "hash does not recompute: stored " + std::string(hash) +
                      ", SHA-256(prev_hash || body) is " + std::string(computed, 64);
                return false;
            }
            const auto body_seq = store::body_sequence(body);
            if (!body_seq || *body_seq != sequence) {
                bad = sequence;
                why = body_seq ? "the body says sequence " + std::to_string(*body_seq)
                               : "the body has no sequence";
                return false;
            }
            if (sequence == o.at) {
                hash_at.assign(hash);
                if (hash != o.expect_hash && !o.expect_hash.empty()) {
                    bad = sequence;
                    why = "hash is " + std::string(hash) + ", not the expected " + o.expect_hash;
                    return false;
                }
            }
            expected_prev.assign(hash);
            bytes += record.size();
            ++verified;
            ++expected;
            progress.tick(verified);
            return true;
        });
        progress.end();
    }
    if (bad == 0 && o.at != 0 && hash_at.empty()) {
        bad = o.at;
        why = "not stored: the log ends at sequence " + std::to_string(head.sequence);
    }
    if (bad == 0 && o.from > 1 && verified == 0) {
        bad = o.from;
        why = "not stored: the log ends at sequence " + std::to_string(head.sequence);
    }
    const auto ended = Clock::now();
    const double seconds = std::chrono::duration<double>(ended - started).count();
    // The rate of the chain walk itself (opening and catching up are not in it).
    const double scan = std::chrono::duration<double>(ended - scan_started).count();
    const double rate = scan > 0 ? static_cast<double>(verified) / scan : 0;
    const double mib = scan > 0 ? static_cast<double>(bytes) / scan / (1 << 20) : 0;

    Out out;
    if (o.json) {
        std::string j = "{\"intact\":";
        j += bad == 0 ? "true" : "false";
        if (bad != 0) {
            j += ",\"failed_sequence\":" + std::to_string(bad) + ",\"reason\":" + json_string(why);
        }
        j += ",\"from\":" + std::to_string(o.from) + ",\"verified\":" + std::to_string(verified);
        j += ",\"head\":{\"sequence\":" + std::to_string(head.sequence) + ",\"hash\":\"" +
             head.hash + "\"}";
        j += ",\"trusted_prev_hash\":" +
             (trusted ? "\"" + trusted_prev + "\"" : std::string("null"));
        if (o.at != 0) {
            j += ",\"at\":" + std::to_string(o.at);
            j += ",\"hash_at\":" + (hash_at.empty() ? std::string("null") : "\"" + hash_at + "\"");
        }
        j += ",\"seconds\":" + fixed(seconds, 3) + ",\"scan_seconds\":" + fixed(scan, 3) +
             ",\"events_per_second\":" + fixed(rate, 0) + "}";
        out.line(j);
    } else {
        if (trusted) {
            out.line("from sequence " + std::to_string(o.from) +
                     ": trusting its stored prev_hash " + trusted_prev +
                     " (the chain before it is not checked)");
        }
        if (bad == 0) {
            out.line("intact: " + std::to_string(verified) + " events" +
                     (verified ? ", sequences " + std::to_string(o.from) + "-" +
                                     std::to_string(head.sequence)
                               : std::string()));
            if (o.at != 0) {
                out.line("hash at sequence " + std::to_string(o.at) + ": " + hash_at +
                         (o.expect_hash.empty() ? "" : " (as expected)"));
            }
        } else {
            out.line("NOT intact: sequence " + std::to_string(bad) + ": " + why);
            out.line("verified before it: " + std::to_string(verified) + " events");
        }
        out.line("head: sequence " + std::to_string(head.sequence) + ", hash " + head.hash);
        out.line("rate: " + fixed(rate, 0) + " events/s, " + fixed(mib, 1) + " MiB/s (" +
                 fixed(scan, 3) + " s; " + fixed(seconds, 3) + " s with opening)");
    }
    return bad == 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// replay and export: views folded from the log, deals as the API shows them

/// Applies the events from `from` through `to` (and not after `until_time`) to `views`.
/// Returns the last applied event's sequence and time (`from - 1` when none).
struct Folded {
    Sequence last = 0;
    std::optional<Timestamp> last_time;
    std::uint64_t applied = 0;
};

/// A gap is an error; a corrupt record throws (store/codec.hpp).
Result<Folded> fold(const store::LogReader& reader, projections::Views& views, Sequence from,
                    Sequence to, std::optional<Timestamp> until_time) {
    const auto gap = [](Sequence missing) {
        return unavailable("the log has a gap: sequence " + std::to_string(missing) +
                           " is missing");
    };
    Folded f{from - 1, std::nullopt, 0};
    for (Sequence next = from; next <= to;) {
        auto batch = reader.read_range(next, to, 4096);
        if (batch.empty() || batch.front().sequence != next) {
            return gap(next);
        }
        for (const auto& e : batch) {
            if (e.sequence != next) {
                return gap(next);
            }
            if (until_time && e.occurred_at > *until_time) {
                return f;
            }
            views.apply(e);
            f.last = e.sequence;
            f.last_time = e.occurred_at;
            ++f.applied;
            ++next;
        }
    }
    return f;
}

/// Who the deals are rendered for: a super-admin that owns nothing (every deal visible, every
/// authorization true, as an admin's GET shows them).
projections::User auditor() {
    projections::User u;
    u.id = events::UserId{0};
    u.name = "dealsctl";
    u.super_admin = true;
    u.deals_scope = events::DealsScope::kAll;
    return u;
}

std::string deal_json(const projections::Deal& deal, const projections::Views& views,
                      const projections::User& caller, Timestamp now) {
    json::Buffer buffer;
    json::Writer w(buffer);
    http::write_deal(w, deal, views, caller, now, http::DealShape::kSingle);
    return {buffer.GetString(), buffer.GetSize()};
}

std::vector<const projections::Deal*> deals_by_id(const projections::Views& views,
                                                  projections::Trash which) {
    auto deals = views.deals_by_name(which);
    std::sort(deals.begin(), deals.end(),
              [](const auto* a, const auto* b) { return a->id.value < b->id.value; });
    return deals;
}

struct ReplayOptions {
    std::string as_of;
    std::int64_t deal = 0;
    bool trashed = false;
};

int run_replay(const std::string& data_dir, const ReplayOptions& o) {
    const auto point = parse_point(o.as_of);
    if (!point) {
        return fail("--as-of wants a sequence or a time (ISO-8601), not '" + o.as_of + "'");
    }
    auto reader = open_reader(data_dir);
    if (!reader) {
        return fail(reader.error().message);
    }
    const store::LogHead head = (*reader)->head();
    if (point->sequence && *point->sequence > head.sequence) {
        return fail("the log ends at sequence " + std::to_string(head.sequence) +
                    "; there is no sequence " + std::to_string(*point->sequence));
    }
    projections::Views views;
    Folded folded;
    try {
        auto f = fold(**reader, views, 1, point->sequence.value_or(head.sequence), point->time);
        if (!f) {
            return fail(f.error().message);
        }
        folded = *f;
    } catch (const std::exception& e) {  // a corrupt record
        return fail(e.what());
    }
    views.finish_load();
    // "Now" for the time-dependent keys (time_in_stages, falls_behind_expected_close_date):
    // the moment asked for.
    const Timestamp now = point->time ? *point->time : folded.last_time.value_or(Timestamp{});
    std::cerr << "replay: " << folded.applied << " events applied, as of " << point_text(*point)
              << " (last event: sequence " << folded.last << ")" << std::endl;
    const auto caller = auditor();
    Out out;
    if (o.deal != 0) {
        const auto* deal = views.deal(events::DealId{o.deal});
        if (deal == nullptr) {
            return fail("deal " + std::to_string(o.deal) + " did not exist as of " +
                        point_text(*point) + " (404)");
        }
        if (deal->trashed()) {
            std::cerr << "replay: deal " << o.deal << " was in the trash then" << std::endl;
        }
        out.line(deal_json(*deal, views, caller, now));
        return 0;
    }
    for (const auto* deal :
         deals_by_id(views, o.trashed ? projections::Trash::kTrashed : projections::Trash::kLive)) {
        if (out.closed()) {
            break;
        }
        out.line(deal_json(*deal, views, caller, now));
    }
    return 0;
}

// export

struct ExportOptions {
    std::string format = "jsonl";
    bool trashed = false;
};

/// RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled.
void csv_field(std::string& row, std::string_view value) {
    if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
        row.append(value);
        return;
    }
    row.push_back('"');
    for (const char c : value) {
        if (c == '"') {
            row.push_back('"');
        }
        row.push_back(c);
    }
    row.push_back('"');
}

/// A JSON value as one CSV cell: strings and numbers as they are (numbers keep their digits),
/// null as empty, booleans as true/false, arrays `;`-joined (objects by their id).
std::string cell(const json::Value* v) {
    if (v == nullptr || v->IsNull()) {
        return {};
    }
    if (v->IsString()) {
        return {v->GetString(), v->GetStringLength()};
    }
    if (v->IsBool()) {
        return v->GetBool() ? "true" : "false";
    }
    if (v->IsArray()) {
        std::string out;
        for (const auto& item : v->GetArray()) {
            if (!out.empty()) {
                out.push_back(';');
            }
            if (item.IsObject() && item.HasMember("id")) {
                out += cell(&item["id"]);
            } else {
                out += cell(&item);
            }
        }
        return out;
    }
    json::Buffer buffer;  // an object (none of the exported keys is one)
    json::Writer w(buffer);
    v->Accept(w);
    return {buffer.GetString(), buffer.GetSize()};
}

const json::Value* find(const json::Value& object, const char* key) {
    if (!object.IsObject()) {
        return nullptr;
    }
    const auto it = object.FindMember(key);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

const json::Value* find(const json::Value& object, const char* key, const char* inner) {
    const auto* outer = find(object, key);
    return outer != nullptr ? find(*outer, inner) : nullptr;
}

int run_export(const std::string& data_dir, const ExportOptions& o) {
    auto reader = open_reader(data_dir);
    if (!reader) {
        return fail(reader.error().message);
    }
    projections::Views views;
    Folded tail;
    try {
        // The server's own start-up: the last checkpoint's views, then the events after it.
        const Sequence checkpoint = (*reader)->load_checkpoint(views);
        views.finish_load();
        auto folded =
            fold(**reader, views, checkpoint + 1, (*reader)->head().sequence, std::nullopt);
        if (!folded) {
            return fail(folded.error().message);
        }
        tail = *folded;
        std::cerr << "export: views of checkpoint " << checkpoint << " and " << tail.applied
                  << " events after it (through sequence " << tail.last << ")" << std::endl;
    } catch (const std::exception& e) {  // a corrupt record or view
        return fail(e.what());
    }
    const auto caller = auditor();
    const Timestamp now = Timestamp::system_now();
    const auto deals =
        deals_by_id(views, o.trashed ? projections::Trash::kTrashed : projections::Trash::kLive);
    Out out;
    if (o.format == "jsonl") {
        for (const auto* deal : deals) {
            if (out.closed()) {
                break;
            }
            out.line(deal_json(*deal, views, caller, now));
        }
        return 0;
    }
    // csv
    std::vector<std::string> custom;
    for (const auto* field : views.custom_fields()) {
        custom.push_back(field->field_id);
    }
    const std::vector<std::pair<std::string, std::pair<const char*, const char*>>> columns = {
        {"id", {"id", nullptr}},
        {"name", {"name", nullptr}},
        {"pipeline_id", {"pipeline_id", nullptr}},
        {"pipeline", {"pipeline", "name"}},
        {"stage_id", {"stage_id", nullptr}},
        {"stage", {"stage", "name"}},
        {"amount", {"amount", nullptr}},
        {"expected_close_date", {"expected_close_date", nullptr}},
        {"status", {"status", nullptr}},
        {"lost_reason", {"lost_reason", nullptr}},
        {"user_id", {"user_id", nullptr}},
        {"owner", {"user", "name"}},
        {"won_date", {"won_date", nullptr}},
        {"lost_date", {"lost_date", nullptr}},
        {"created_at", {"created_at", nullptr}},
        {"updated_at", {"updated_at", nullptr}},
    };
    std::string row;
    const auto end_row = [&] {
        row.pop_back();  // the last comma
        row.append("\r\n");
        out.raw(row);
        row.clear();
    };
    for (const auto& [name, _] : columns) {
        csv_field(row, name);
        row.push_back(',');
    }
    for (const auto& key : custom) {
        csv_field(row, key);
        row.push_back(',');
    }
    for (const char* key : {"contacts", "companies", "activities"}) {
        csv_field(row, key);
        row.push_back(',');
    }
    end_row();
    for (const auto* deal : deals) {
        if (out.closed()) {
            break;
        }
        // The row is taken from the deal's API JSON, so both exports say the same.
        const std::string text = deal_json(*deal, views, caller, now);
        json::Document doc;
        doc.Parse<json::kExactNumbers>(text.data(), text.size());
        if (doc.HasParseError()) {
            return fail("rendering deal " + std::to_string(deal->id.value) + " gave bad JSON");
        }
        for (const auto& [name, path] : columns) {
            csv_field(row, cell(path.second ? find(doc, path.first, path.second)
                                            : find(doc, path.first)));
            row.push_back(',');
        }
        for (const auto& key : custom) {
            csv_field(row, cell(find(doc, key.c_str())));
            row.push_back(',');
        }
        for (const char* key : {"contacts", "companies", "activities"}) {
            csv_field(row, cell(find(doc, key)));
            row.push_back(',');
        }
        end_row();
    }
    return 0;
}

/// Runs `command` and returns its exit status: 128 + SIGPIPE once standard output was closed
/// under it, 1 for an exception (a bug, or a storage error no closer place explained).
template <class F>
int run_guarded(F&& command) {
    // A closed pipe is an error from write (g_output_closed), not a signal, so that the reader
    // is closed and its temporary directory removed.
    std::signal(SIGPIPE, SIG_IGN);
    int status = 1;
    try {
        status = command();
    } catch (const std::exception& e) {
        status = fail(e.what());
    }
    if (g_output_closed) {
        status = 128 + SIGPIPE;  // as if killed by SIGPIPE, without the leftovers
    }
    std::cout.flush();
    return status;
}

}  // namespace

/// The subcommands and the options the parse fills in (stable addresses: CLI11 keeps pointers).
struct AuditCommands::Impl {
    EventsOptions events_options;
    VerifyOptions verify_options;
    ReplayOptions replay_options;
    ExportOptions export_options;
    CLI::App* events = nullptr;
    CLI::App* verify = nullptr;
    CLI::App* replay = nullptr;
    CLI::App* exporter = nullptr;
};

AuditCommands::~AuditCommands() = default;

std::optional<int> AuditCommands::run(const std::string& data_dir) const {
    const Impl& i = *impl_;
    if (*i.events) {
        return run_guarded([&] { return run_events(data_dir, i.events_options); });
    }
    if (*i.verify) {
        return run_guarded([&] { return run_verify(data_dir, i.verify_options); });
    }
    if (*i.replay) {
        return run_guarded([&] { return run_replay(data_dir, i.replay_options); });
    }
    if (*i.exporter) {
        return run_guarded([&] { return run_export(data_dir, i.export_options); });
    }
    return std::nullopt;
}

AuditCommands::AuditCommands(CLI::App& app) : impl_(std::make_unique<Impl>()) {
    auto* events_options = &impl_->events_options;
    auto* events = impl_->events = app.add_subcommand(
        "events",
        "Print the log, one event envelope (contract §16) per line; works while dealsd runs");
    events->add_option("--stream", events_options->stream, "Only this stream (e.g. deal-42)");
    events->add_option("--from", events_options->from, "From this sequence")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    events->add_option("--until", events_options->until,
                       "Up to this sequence, or time (ISO-8601 or YYYY-MM-DD), inclusive");
    events->add_option("--type", events_options->types, "Only events of this type (repeatable)")
        ->delimiter(',');
    events->add_option("--limit", events_options->limit, "Stop after this many events");

    auto* verify_options = &impl_->verify_options;
    verify_options->progress = ::isatty(STDERR_FILENO) == 1;
    auto* verify = impl_->verify = app.add_subcommand(
        "verify",
        "Recompute the hash chain over the stored bytes; exit 1 at the first sequence "
        "that does not verify; works while dealsd runs");
    verify
        ->add_option("--from", verify_options->from,
                     "Start at this sequence, trusting its stored prev_hash")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    auto* expect =
        verify->add_option("--expect-hash", verify_options->expect_hash,
                           "The hash recorded for sequence --at (e.g. from GET /api/audit/head)");
    auto* at = verify->add_option("--at", verify_options->at, "The sequence of --expect-hash")
                   ->check(CLI::PositiveNumber);
    expect->needs(at);
    verify->add_flag("--progress", verify_options->progress,
                     "Progress on stderr (default: when stderr is a terminal)");
    verify->add_flag("--json", verify_options->json, "The result as one JSON object");

    auto* replay_options = &impl_->replay_options;
    auto* replay = impl_->replay = app.add_subcommand(
        "replay",
        "The deals as they were at a sequence or time, folded from the log (one API "
        "deal JSON per line)");
    replay->add_option("--as-of", replay_options->as_of, "SEQ or TIME (ISO-8601 or YYYY-MM-DD)")
        ->required();
    replay
        ->add_option("--deal", replay_options->deal, "Only this deal (exit 1 if it did not exist)")
        ->check(CLI::PositiveNumber);
    replay->add_flag("--trashed", replay_options->trashed, "The deals in the trash instead");

    auto* export_options = &impl_->export_options;
    auto* exporter = impl_->exporter = app.add_subcommand(
        "export", "The current deals as the API shows them: jsonl (one deal JSON per line) or csv");
    exporter->add_option("--format", export_options->format, "jsonl | csv")
        ->check(CLI::IsMember({"jsonl", "csv"}))
        ->capture_default_str();
    exporter->add_flag("--trashed", export_options->trashed, "The deals in the trash instead");
}

}  // namespace deals::tools
