#include "tools/verify_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "support/json.hpp"
#include "store/log_reader.hpp"
#include "store/rocks_event_log.hpp"
#include "support/sha256.hpp"
#include "tools/audit_support.hpp"

namespace deals::tools {

namespace {

using events::Sequence;
using Clock = std::chrono::steady_clock;

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

/// Records read ahead of the hashing: copied into one buffer, with each one's end in it.
struct Batch {
    std::string bytes;
    std::vector<std::pair<Sequence, std::size_t>> ends;  // sequence, end offset in bytes
};

/// The queue of batches between the reading thread and the hashing one.
struct BatchQueue {
    static constexpr std::size_t kBatchBytes = 4 << 20;
    static constexpr std::size_t kQueued = 4;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Batch> queue;
    bool done = false;  // the reader has ended
    bool stop = false;  // the hasher has ended: read no further
    std::exception_ptr error;
};

/// The reading thread: `reader.scan(from)` copied into batches for `q`, until the log ends or
/// the hasher stops. A storage error is kept for the hasher to rethrow.
void read_batches(const store::LogReader& reader, Sequence from, BatchQueue& q) {
    Batch batch;
    const auto hand_over = [&] {
        std::unique_lock lock(q.mutex);
        q.changed.wait(lock, [&] { return q.stop || q.queue.size() < BatchQueue::kQueued; });
        if (q.stop) {
            return false;
        }
        q.queue.push_back(std::move(batch));
        batch = Batch{};
        q.changed.notify_all();
        return true;
    };
    try {
        reader.scan(from, [&](Sequence sequence, std::string_view record) {
            batch.bytes.append(record);
            batch.ends.emplace_back(sequence, batch.bytes.size());
            return batch.bytes.size() < BatchQueue::kBatchBytes || hand_over();
        });
        if (!batch.ends.empty()) {
            hand_over();
        }
    } catch (...) {
        q.error = std::current_exception();
    }
    std::lock_guard lock(q.mutex);
    q.done = true;
    q.changed.notify_all();
}

/// Runs `visit` on the batches of `q` until they end or `visit` returns false.
void visit_batches(BatchQueue& q, const std::function<bool(Sequence, std::string_view)>& visit) {
    while (true) {
        Batch batch;
        {
            std::unique_lock lock(q.mutex);
            q.changed.wait(lock, [&] { return q.done || !q.queue.empty(); });
            if (q.queue.empty()) {
                return;  // done
            }
            batch = std::move(q.queue.front());
            q.queue.pop_front();
            q.changed.notify_all();
        }
        std::size_t start = 0;
        for (const auto& [sequence, end] : batch.ends) {
            if (!visit(sequence, std::string_view(batch.bytes).substr(start, end - start))) {
                return;
            }
            start = end;
        }
    }
}

/// `reader.scan(from, visit)` on two threads: one walks RocksDB and copies the records into
/// batches, the caller's thread runs `visit` on them (hashing, for verify), so that reading
/// and hashing overlap. `visit` returns false to stop. Storage errors are rethrown here.
void scan_pipelined(const store::LogReader& reader, Sequence from,
                    const std::function<bool(Sequence, std::string_view)>& visit) {
    BatchQueue q;
    std::thread producer([&] { read_batches(reader, from, q); });
    std::exception_ptr failed;
    try {
        visit_batches(q, visit);
    } catch (...) {
        failed = std::current_exception();
    }
    {
        std::lock_guard lock(q.mutex);
        q.stop = true;
        q.changed.notify_all();
    }
    producer.join();
    if (failed) {
        std::rethrow_exception(failed);
    }
    if (q.error) {
        std::rethrow_exception(q.error);
    }
}

/// A stored record's parts: `<body>\n<prev_hash>\n<hash>`.
struct RecordParts {
    std::string_view body;
    std::string_view prev;
    std::string_view hash;
};

/// The parts of `record`, or nothing when it does not have them.
std::optional<RecordParts> parts_of(std::string_view record) {
    const auto last = record.rfind('\n');
    const auto middle = last == std::string_view::npos || last == 0 ? std::string_view::npos
                                                                    : record.rfind('\n', last - 1);
    if (middle == std::string_view::npos) {
        return std::nullopt;
    }
    return RecordParts{record.substr(0, middle), record.substr(middle + 1, last - middle - 1),
                       record.substr(last + 1)};
}

constexpr std::string_view kMalformed = "malformed record: not <body>\\n<prev_hash>\\n<hash>";

/// What the walk found.
struct Verdict {
    Sequence bad = 0;  // the first sequence that does not verify (0: intact)
    std::string why;
    std::uint64_t verified = 0;
    std::uint64_t bytes = 0;
    std::string hash_at;       // the hash at --at, once seen
    bool trusted = false;      // --from > 1: its stored prev_hash is taken on trust
    std::string trusted_prev;  // that prev_hash
};

/// The chain walk from --from: checks each record against the one before it. `prev` is the
/// hash the first record must name (the genesis hash, or the trusted one).
class ChainWalk {
public:
    ChainWalk(const VerifyCommand& o, std::string prev, Verdict& verdict, Progress& progress)
        : o_(o),
          expected_(o.from),
          prev_(std::move(prev)),
          verdict_(verdict),
          progress_(progress) {}

    /// False at the first record that does not verify (the verdict says which and why).
    bool operator()(Sequence sequence, std::string_view record) {
        if (sequence != expected_) {
            return reject(expected_, "missing: the next stored record is sequence " +
                                         std::to_string(sequence));
        }
        const auto parts = parts_of(record);
        if (!parts) {
            return reject(sequence, std::string(kMalformed));
        }
        if (parts->prev != prev_) {
            return reject(sequence, sequence == 1
                                        ? "prev_hash " + std::string(parts->prev) +
                                              " is not the genesis hash (64 zeros)"
                                        : "prev_hash " + std::string(parts->prev) +
                                              " is not the hash of sequence " +
                                              std::to_string(sequence - 1) + " (" + prev_ + ")");
        }
        if (!check_content(sequence, *parts)) {
            return false;
        }
        prev_.assign(parts->hash);
        verdict_.bytes += record.size();
        ++verdict_.verified;
        ++expected_;
        progress_.tick(verdict_.verified);
        return true;
    }

private:
    /// The hash recomputes, the body names its sequence, and --expect-hash holds.
    bool check_content(Sequence sequence, const RecordParts& parts) {
        support::sha256_hex(parts.prev, parts.body, computed_);
        if (parts.hash != std::string_view(computed_, 64)) {
            return reject(sequence, "hash does not recompute: stored " + std::string(parts.hash) +
                                        ", SHA-256(prev_hash || body) is " +
                                        std::string(computed_, 64));
        }
        const auto body_seq = store::body_sequence(parts.body);
        if (!body_seq || *body_seq != sequence) {
            return reject(sequence, body_seq ? "the body says sequence " + std::to_string(*body_seq)
                                             : "the body has no sequence");
        }
        if (sequence == o_.at) {
            verdict_.hash_at.assign(parts.hash);
            if (parts.hash != o_.expect_hash && !o_.expect_hash.empty()) {
                return reject(sequence, "hash is " + std::string(parts.hash) +
                                            ", not the expected " + o_.expect_hash);
            }
        }
        return true;
    }

    bool reject(Sequence sequence, std::string why) {
        verdict_.bad = sequence;
        verdict_.why = std::move(why);
        return false;
    }

    const VerifyCommand& o_;
    Sequence expected_;
    std::string prev_;
    Verdict& verdict_;
    Progress& progress_;
    char computed_[64];
};

/// The hash the record at --from must name: the genesis hash from 1, else the record's own
/// stored prev_hash, taken on trust. Records in `verdict` why --from cannot be the start.
std::string first_prev(const store::LogReader& reader, const VerifyCommand& o,
                       const store::LogHead& head, Verdict& verdict) {
    if (o.from <= 1) {
        return store::kGenesisHash;
    }
    const auto first = reader.record(o.from);
    verdict.bad = o.from;
    if (!first) {
        verdict.why = head.sequence < o.from
                          ? "not stored: the log ends at sequence " + std::to_string(head.sequence)
                          : "missing: there is no record with this sequence";
        return store::kGenesisHash;
    }
    const auto parts = parts_of(first->bytes);
    if (!parts) {
        verdict.why = kMalformed;
        return store::kGenesisHash;
    }
    verdict.bad = 0;
    verdict.trusted = true;
    verdict.trusted_prev = parts->prev;
    return verdict.trusted_prev;
}

/// How long it took: in all, and the chain walk alone (opening and catching up are not in it).
struct Timing {
    double seconds = 0;
    double scan = 0;
    double rate = 0;  // events per second of the walk
    double mib = 0;   // MiB per second of the walk
};

void print_json(audit::Out& out, const VerifyCommand& o, const store::LogHead& head,
                const Verdict& v, const Timing& t) {
    std::string j = "{\"intact\":";
    j += v.bad == 0 ? "true" : "false";
    if (v.bad != 0) {
        j += ",\"failed_sequence\":" + std::to_string(v.bad) + ",\"reason\":" + json_string(v.why);
    }
    j += ",\"from\":" + std::to_string(o.from) + ",\"verified\":" + std::to_string(v.verified);
    j += ",\"head\":{\"sequence\":" + std::to_string(head.sequence) + ",\"hash\":\"" + head.hash +
         "\"}";
    j += ",\"trusted_prev_hash\":" +
         (v.trusted ? "\"" + v.trusted_prev + "\"" : std::string("null"));
    if (o.at != 0) {
        j += ",\"at\":" + std::to_string(o.at);
        j += ",\"hash_at\":" + (v.hash_at.empty() ? std::string("null") : "\"" + v.hash_at + "\"");
    }
    j += ",\"seconds\":" + fixed(t.seconds, 3) + ",\"scan_seconds\":" + fixed(t.scan, 3) +
         ",\"events_per_second\":" + fixed(t.rate, 0) + "}";
    out.line(j);
}

void print_text(audit::Out& out, const VerifyCommand& o, const store::LogHead& head,
                const Verdict& v, const Timing& t) {
    if (v.trusted) {
        out.line("from sequence " + std::to_string(o.from) + ": trusting its stored prev_hash " +
                 v.trusted_prev + " (the chain before it is not checked)");
    }
    if (v.bad == 0) {
        out.line("intact: " + std::to_string(v.verified) + " events" +
                 (v.verified ? ", sequences " + std::to_string(o.from) + "-" +
                                   std::to_string(head.sequence)
                             : std::string()));
        if (o.at != 0) {
            out.line("hash at sequence " + std::to_string(o.at) + ": " + v.hash_at +
                     (o.expect_hash.empty() ? "" : " (as expected)"));
        }
    } else {
        out.line("NOT intact: sequence " + std::to_string(v.bad) + ": " + v.why);
        out.line("verified before it: " + std::to_string(v.verified) + " events");
    }
    out.line("head: sequence " + std::to_string(head.sequence) + ", hash " + head.hash);
    out.line("rate: " + fixed(t.rate, 0) + " events/s, " + fixed(t.mib, 1) + " MiB/s (" +
             fixed(t.scan, 3) + " s; " + fixed(t.seconds, 3) + " s with opening)");
}

int verify(const std::string& data_dir, VerifyCommand o, audit::Out& out) {
    std::transform(o.expect_hash.begin(), o.expect_hash.end(), o.expect_hash.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!o.expect_hash.empty() && o.at == 0) {
        return audit::fail("--expect-hash needs --at SEQ");
    }
    if (o.at != 0 && o.at < o.from) {
        return audit::fail(
            "--at must not be before --from: the chain is only recomputed from there");
    }
    const auto started = Clock::now();
    auto reader = store::LogReader::open(data_dir);
    if (!reader) {
        return audit::fail(reader.error().message);
    }
    const store::LogHead head = (*reader)->head();
    Verdict v;
    std::string prev = first_prev(**reader, o, head, v);
    const auto scan_started = Clock::now();
    if (v.bad == 0) {
        Progress progress(o.progress, head.sequence >= o.from ? head.sequence - o.from + 1 : 0);
        scan_pipelined(**reader, o.from, ChainWalk(o, std::move(prev), v, progress));
        progress.end();
    }
    const auto not_stored = "not stored: the log ends at sequence " + std::to_string(head.sequence);
    if (v.bad == 0 && o.at != 0 && v.hash_at.empty()) {
        v.bad = o.at;
        v.why = not_stored;
    }
    if (v.bad == 0 && o.from > 1 && v.verified == 0) {
        v.bad = o.from;
        v.why = not_stored;
    }
    const auto ended = Clock::now();
    Timing t;
    t.seconds = std::chrono::duration<double>(ended - started).count();
    t.scan = std::chrono::duration<double>(ended - scan_started).count();
    t.rate = t.scan > 0 ? static_cast<double>(v.verified) / t.scan : 0;
    t.mib = t.scan > 0 ? static_cast<double>(v.bytes) / t.scan / (1 << 20) : 0;
    if (o.json) {
        print_json(out, o, head, v, t);
    } else {
        print_text(out, o, head, v, t);
    }
    return v.bad == 0 ? 0 : 1;
}

}  // namespace

CLI::App* add_verify_command(CLI::App& cli, VerifyCommand& command) {
    command.progress = ::isatty(STDERR_FILENO) == 1;
    auto* cmd = cli.add_subcommand(
        "verify",
        "Recompute the hash chain over the stored bytes; exit 1 at the first sequence "
        "that does not verify; works while dealsd runs");
    cmd->add_option("--from", command.from,
                    "Start at this sequence, trusting its stored prev_hash (to resume from a head "
                    "verified before: --from SEQ --at SEQ --expect-hash its hash)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    auto* expect =
        cmd->add_option("--expect-hash", command.expect_hash,
                        "The hash recorded for sequence --at (e.g. from GET /api/audit/head)");
    auto* at = cmd->add_option("--at", command.at, "The sequence of --expect-hash")
                   ->check(CLI::PositiveNumber);
    expect->needs(at);
    cmd->add_flag("--progress", command.progress,
                  "Progress on stderr (default: when stderr is a terminal)");
    cmd->add_flag("--json", command.json, "The result as one JSON object");
    return cmd;
}

int run_verify(const std::string& data_dir, const VerifyCommand& command) {
    return audit::guarded([&](audit::Out& out) { return verify(data_dir, command, out); });
}

}  // namespace deals::tools
