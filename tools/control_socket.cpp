#include "tools/control_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
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

/// Reads lines until the peer closes (or, with `one`, the first line), calling `on_line`.
bool read_lines(int fd, bool one, const std::function<void(const std::string&)>& on_line) {
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
            if (one) {
                return true;
            }
        }
    }
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
        std::string request;
        if (read_lines(client, true, [&](const std::string& line) { request = line; }) &&
            !request.empty()) {
            handler_(request,
                     [client](const std::string& line) { return write_line(client, line); });
        }
        ::close(client);
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
    const bool ended = read_lines(fd, false, on_line);
    ::close(fd);
    if (!ended) {
        return Result<void>(sys_error("the server closed " + data_dir + "/" + kName));
    }
    return Result<void>{};
}

}  // namespace deals::tools::control
