#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace deals::testing {

/// A child process (the real dealsd), with its standard output read line by line.
class Process {
public:
    explicit Process(std::vector<std::string> argv);
    ~Process();  ///< kills with SIGKILL if still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    /// Reads stdout until a line containing `needle` appears; returns that line, or "" when the
    /// process closed its output first.
    std::string wait_for_line(const std::string& needle);
    void kill(int signal);
    /// Waits for the process to end; returns its exit status (or 128+signal).
    int wait();
    [[nodiscard]] pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    int out_fd_ = -1;
    std::string pending_;
    bool reaped_ = false;
    int status_ = 0;
};

/// The port in a "listening on http://HOST:PORT" line.
unsigned short port_of(const std::string& listening_line);

}  // namespace deals::testing
