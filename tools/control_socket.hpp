#pragma once

// The data directory's control socket: how `dealsctl` asks a running `dealsd` to do what needs
// the open database (a backup). A Unix socket, `<data dir>/control.sock`, readable and writable
// by the directory's owner only. One request per connection: a line of JSON; the answer is
// lines of JSON until the server closes the connection.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "events/error.hpp"

namespace deals::tools::control {

/// Writes one line of the answer; false once the client has gone (or stopped reading), after
/// which nothing more is sent.
using Reply = std::function<bool(const std::string& line)>;
/// Answers one request line.
using Handler = std::function<void(const std::string& request, const Reply& reply)>;

/// Serves the control socket of a data directory on a thread of its own, one request at a
/// time, until destroyed. The data directory is the server's own (its RocksDB LOCK is held), so
/// a socket file left by a killed server is replaced.
class Server {
public:
    static Result<std::unique_ptr<Server>> start(const std::string& data_dir, Handler handler);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

private:
    Server(int listener, int wake, std::string path, Handler handler);
    void run();
    /// Answers one client; closes nothing (run does).
    void serve(int client);

    int listener_;
    int wake_[2];
    std::string path_;
    Handler handler_;
    std::thread thread_;
};

/// Sends `request` to the server of `data_dir` and calls `on_line` with each line of its
/// answer. Nothing when no server listens there (no socket, or one a killed server left).
std::optional<Result<void>> request(const std::string& data_dir, const std::string& request,
                                    const std::function<void(const std::string&)>& on_line);

}  // namespace deals::tools::control
