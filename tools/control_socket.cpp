#include "tools/control_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace deals::tools::control {

namespace {

constexpr const char* kName = "control.sock";

/// The data directory, opened to name its socket through /proc/self/fd: a path of any length
/// fits in sockaddr_un's 108 bytes that way.
class DirectoryHandle {
public:
    explicit DirectoryHandle(const std::string& dir)
        : fd_(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {}
    ~DirectoryHandle() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    DirectoryHandle(const DirectoryHandle&) = delete;
    DirectoryHandle& operator=(const DirectoryHandle&) = delete;
    [[nodiscard]] bool ok() const { return fd_ >= 0; }
    [[nodiscard]] sockaddr_un address() const {
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/%s", fd_, kName);
        return a;
    }

private:
    int fd_;
};

Error sys_error(const std::string& what) { return unavailable(what + ": " + std::strerror(errno)); }

bool write_line(int fd, const std::string& line) {
    std::string out = line + "\n";
    const char* p = out.data();
    std::size_t left = out.size();
    while (left > 0) {
        const ssize_t w = ::send(fd, p, left, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        p += w;
        left -= static_cast<std::size_t>(w);
    }
    return true;
}

/// Reads lines until the peer closes, calling `on_line`.
bool read_lines(int fd, const std::function<void(const std::string&)>& on_line) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
        const ssize_t r = ::recv(fd, chunk, sizeof chunk, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return r == 0;
        }
        buffer.append(chunk, static_cast<std::size_t>(r));
        std::size_t at = 0;
        while ((at = buffer.find('\n')) != std::string::npos) {
            on_line(buffer.substr(0, at));
            buffer.erase(0, at + 1);
        }
    }
}

/// The request line of a client, read within `deadline` and at most `limit` bytes; empty when
/// the client sent none in time, or `wake` was signalled (the server stops).
std::string read_request(int fd, int wake, std::chrono::milliseconds deadline, std::size_t limit) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    std::string buffer;
    char chunk[4096];
    while (buffer.size() <= limit) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return {};
        }
        pollfd fds[2] = {{fd, POLLIN, 0}, {wake, POLLIN, 0}};
        if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) {
            return {};
        }
        if ((fds[1].revents & POLLIN) != 0) {
            return {};
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
            continue;
        }
        const ssize_t r = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (r <= 0) {
            return {};
        }
        buffer.append(chunk, static_cast<std::size_t>(r));
        if (const auto at = buffer.find('\n'); at != std::string::npos) {
            return buffer.substr(0, at);
        }
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const std::string& data_dir, Handler handler) {
    const DirectoryHandle dir(data_dir);
    if (!dir.ok()) {
        return sys_error("cannot open " + data_dir);
    }
    const std::string path = data_dir + "/" + kName;
    ::unlink(path.c_str());  // left by a server that was killed: this one holds the directory
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return sys_error("cannot make the control socket");
    }
    const sockaddr_un address = dir.address();
    // The owner's only, before it listens (connecting needs write permission on the file).
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 8) != 0) {
        const Error e = sys_error("cannot listen on " + path);
        ::close(fd);
        return e;
    }
    int wake[2];
    if (::pipe2(wake, O_CLOEXEC) != 0) {
        const Error e = sys_error("cannot make a pipe");
        ::close(fd);
        return e;
    }
    std::unique_ptr<Server> server(new Server(fd, wake[0], path, std::move(handler)));
    server->wake_[1] = wake[1];
    server->thread_ = std::thread([s = server.get()] { s->run(); });
    return server;
}

Server::Server(int listener, int wake, std::string path, Handler handler)
    : listener_(listener), wake_{wake, -1}, path_(std::move(path)), handler_(std::move(handler)) {}

Server::~Server() {
    const char stop = 's';
    [[maybe_unused]] const auto written = ::write(wake_[1], &stop, 1);
    if (thread_.joinable()) {
        thread_.join();
    }
    ::close(listener_);
    ::close(wake_[0]);
    ::close(wake_[1]);
    ::unlink(path_.c_str());
}

void Server::run() {
    for (;;) {
        pollfd fds[2] = {{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        if ((fds[1].revents & POLLIN) != 0) {
            return;
        }
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            continue;
        }
        serve(client);
        ::close(client);
    }
}

void Server::serve(int client) {
    // A client that sends no request in time, or stops reading the answer, is given up on: the
    // thread (and so dealsd's shutdown) waits for it only that long, and a backup goes on
    // without it.
    const timeval answer_wait{10, 0};
    ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &answer_wait, sizeof answer_wait);
    const std::string request =
        read_request(client, wake_[0], std::chrono::milliseconds(5000), 64 * 1024);
    if (request.empty()) {
        return;
    }
    bool gone = false;
    const Reply reply = [client, &gone](const std::string& line) {
        gone = gone || !write_line(client, line);
        return !gone;
    };
    try {
        handler_(request, reply);
    } catch (const std::exception& e) {
        std::string why = e.what();
        for (char& c : why) {
            c = (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
        }
        reply("{\"error\":\"the server failed: " + why + "\"}");
    }
}

std::optional<Result<void>> request(const std::string& data_dir, const std::string& request,
                                    const std::function<void(const std::string&)>& on_line) {
    const DirectoryHandle dir(data_dir);
    if (!dir.ok()) {
        return std::nullopt;
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return Result<void>(sys_error("cannot make a socket"));
    }
    const sockaddr_un address = dir.address();
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return std::nullopt;  // no socket, or nobody listening on it (a killed server's)
    }
    if (!write_line(fd, request)) {
        const Error e = sys_error("cannot send to " + data_dir + "/" + kName);
        ::close(fd);
        return Result<void>(e);
    }
    const bool ended = read_lines(fd, on_line);
    ::close(fd);
    if (!ended) {
        return Result<void>(sys_error("the server closed " + data_dir + "/" + kName));
    }
    return Result<void>{};
}

}  // namespace deals::tools::control
