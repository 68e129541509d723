#pragma once

// Shared by the end-to-end tests: running dealsctl and dealsd on a data directory. Header only.

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

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

}  // namespace deals::testing::e2e
