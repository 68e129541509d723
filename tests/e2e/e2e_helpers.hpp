#pragma once

// Shared by the end-to-end tests: running dealsctl and dealsd on a data directory. Header only.

#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/codec.hpp"
#include "store/store.hpp"
#include "support/sha256.hpp"
#include "tests/support/process.hpp"

namespace deals::testing::e2e {

/// Runs `dealsctl --data-dir DIR ARGS…`; returns its first output line and sets `status`.
inline std::string run_dealsctl(const std::string& dir, const std::vector<std::string>& args,
                                int& status) {
    std::vector<std::string> argv{DEALS_DEALSCTL, "--data-dir", dir};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv);
    std::string line = p.wait_for_line("");
    status = p.wait();
    return line;
}

/// Creates a super-admin in `dir` and returns a fresh API token for it.
inline std::string admin_token(const std::string& dir) {
    int status = 0;
    run_dealsctl(
        dir, {"user", "add", "--name", "Admin", "--email", "admin@example.com", "--super-admin"},
        status);
    REQUIRE(status == 0);
    const std::string token = run_dealsctl(
        dir, {"token", "issue", "--user", "admin@example.com", "--name", "e2e"}, status);
    REQUIRE(status == 0);
    REQUIRE(token.find('|') != std::string::npos);
    return token;
}

/// A dealsd process and the port it listens on.
struct Dealsd {
    std::unique_ptr<Process> process;
    unsigned short port = 0;
};

/// Starts `dealsd --data-dir DIR` on 127.0.0.1 (a free port, two I/O threads) with `extra`
/// arguments, and returns once it is listening.
inline Dealsd start_dealsd(const std::string& dir, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{DEALS_DEALSD, "--data-dir", dir, "--listen", "127.0.0.1:0",
                                  "--threads", "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Dealsd s;
    s.process = std::make_unique<Process>(argv);
    const std::string line = s.process->wait_for_line("listening on http://");
    REQUIRE_FALSE(line.empty());
    s.port = port_of(line);
    return s;
}

/// The `"id"` of a JSON body (the first one: a deal's own), or 0.
inline std::int64_t id_in(const std::string& body) {
    const auto at = body.find("\"id\":");
    return at == std::string::npos ? 0 : std::stoll(body.substr(at + 5));
}

/// The point of a log verified so far: the head then and the hash stored there (sequence 0 and
/// the genesis hash, 64 zeros, before anything was).
struct ChainPoint {
    events::Sequence sequence = 0;
    std::string hash = std::string(64, '0');
};

/// Requires the log to verify from `from` on: the record at `from.sequence` (when not 0) still
/// stored with the hash recorded there and recomputing to it; the records after it gapless up to
/// the head, the first naming that hash as its prev_hash, each recomputing and naming its
/// sequence. Hands each of those events, decoded, to `each` (when set). Returns the head and its
/// hash.
inline ChainPoint verify_chain_from(
    store::Store& s, const ChainPoint& from,
    const std::function<void(const events::RecordedEvent&)>& each = {}) {
    auto& log = s.log();
    ChainPoint head{log.head_sequence(), from.hash};
    INFO("verified before: sequence " << from.sequence << ", hash " << from.hash);
    REQUIRE(head.sequence >= from.sequence);
    if (from.sequence != 0) {
        const std::string record = log.read_record(from.sequence);
        REQUIRE_FALSE(record.empty());
        const auto parts = store::split_record(record);
        REQUIRE(parts.hash == from.hash);
        REQUIRE(parts.hash == support::sha256_hex(parts.prev_hash, parts.body));
    }
    // The records in key order, a batch at a time: a missing one shows in the next (its
    // prev_hash, the sequence it names). Assertions only where a check fails: a long log has
    // millions of checks.
    for (events::Sequence seq = from.sequence + 1; seq <= head.sequence;) {
        const auto records = log.read_records(seq, 4096);
        REQUIRE_FALSE(records.empty());
        for (const auto& record : records) {
            const auto parts = store::split_record(record);
            if (parts.prev_hash != head.hash ||
                parts.hash != support::sha256_hex(parts.prev_hash, parts.body)) {
                FAIL("sequence " << seq << " does not verify: prev_hash " << parts.prev_hash
                                 << " (the hash before it is " << head.hash << "), hash "
                                 << parts.hash);
            }
            const auto event = store::decode_record(record);
            if (event.sequence != seq) {
                FAIL("the record after sequence " << seq - 1 << " names sequence "
                                                  << event.sequence);
            }
            if (each) {
                each(event);
            }
            head.hash = std::string(parts.hash);
            ++seq;
        }
    }
    return head;
}

/// Requires the log gapless from sequence 1 and its hash chain unbroken; returns the head.
inline events::Sequence verify_chain(store::Store& s) {
    return verify_chain_from(s, ChainPoint{}).sequence;
}

/// What a shell command printed, and its exit status.
struct Command {
    int status = -1;
    std::string out;
};

/// Runs a shell command line; its standard output comes back.
inline Command run_command(const std::string& command_line) {
    Command c;
    FILE* pipe = popen(command_line.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 65536> buf;
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) {
        c.out.append(buf.data(), n);
    }
    const int status = pclose(pipe);
    c.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return c;
}

inline std::string shell_quoted(const std::string& s) {
    std::string out = "'";
    for (char ch : s) {
        out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    }
    return out + "'";
}

/// Lines of a child's standard output up to the first containing `until` (included), or up to
/// the end of its output when `until` is empty.
inline std::vector<std::string> read_lines(Process& p, const std::string& until = {}) {
    std::vector<std::string> lines;
    for (;;) {
        std::string line = p.wait_for_line("");  // the next line; "" at the end
        if (line.empty()) {
            return lines;
        }
        lines.push_back(std::move(line));
        if (!until.empty() && lines.back().find(until) != std::string::npos) {
            return lines;
        }
    }
}

}  // namespace deals::testing::e2e
