#pragma once

// Shared by the end-to-end tests: running dealsctl on a data directory. Header only.

#include <catch2/catch.hpp>
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

}  // namespace deals::testing::e2e
