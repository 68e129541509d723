#include "tests/support/process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace deals::testing {

Process::Process(std::vector<std::string> argv) {
    int fds[2];
    if (pipe(fds) != 0) {
        throw std::runtime_error("pipe failed");
    }
    pid_ = fork();
    if (pid_ < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        std::vector<char*> args;
        for (auto& a : argv) {
            args.push_back(a.data());
        }
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(fds[1]);
    out_fd_ = fds[0];
}

Process::~Process() {
    if (!reaped_) {
        ::kill(pid_, SIGKILL);
        wait();
    }
    if (out_fd_ >= 0) {
        close(out_fd_);
    }
}

std::string Process::wait_for_line(const std::string& needle) {
    char buf[4096];
    for (;;) {
        std::size_t nl;
        while ((nl = pending_.find('\n')) != std::string::npos) {
            std::string line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            if (line.find(needle) != std::string::npos) {
                return line;
            }
        }
        const ssize_t n = read(out_fd_, buf, sizeof buf);
        if (n <= 0) {
            return {};
        }
        pending_.append(buf, static_cast<std::size_t>(n));
    }
}

void Process::kill(int signal) { ::kill(pid_, signal); }

int Process::wait() {
    if (!reaped_) {
        int status = 0;
        waitpid(pid_, &status, 0);
        reaped_ = true;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return status_;
}

unsigned short port_of(const std::string& line) {
    const auto colon = line.rfind(':');
    if (colon == std::string::npos) {
        throw std::runtime_error("no port in '" + line + "'");
    }
    return static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
}

}  // namespace deals::testing
