#include "http/server.hpp"

#include <pthread.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <list>
#include <mutex>
#include <random>
#include <thread>

#include "http/access_log.hpp"
#include "http/error_table.hpp"
#include "http/router.hpp"
#include "support/log.hpp"

namespace deals::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using tuple_awaitable = asio::as_tuple_t<asio::use_awaitable_t<>>;
constexpr tuple_awaitable kUseTuple{};

namespace {

/// A session as the server sees it, to close it when idle at shutdown. Touched on its strand.
struct SessionState {
    beast::tcp_stream* stream = nullptr;
    bool busy = false;
    std::string remote;  ///< the client's address:port, for the request log
};

std::string new_request_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(32, '0');
    for (int i = 0; i < 32; i += 16) {
        std::uint64_t v = rng();
        for (int j = 0; j < 16; ++j, v >>= 4) {
            id[i + j] = kHex[v & 0xF];
        }
    }
    return id;
}

bool acceptable_request_id(std::string_view id) {
    return !id.empty() && id.size() <= 200 &&
           std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

Request to_request(bhttp::request<bhttp::string_body>&& in) {
    Request r;
    r.method = std::string(in.method_string());
    r.target = std::string(in.target());
    for (const auto& field : in) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        r.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    r.body = std::move(in.body());
    const auto client_id = r.header("x-request-id");
    r.request_id = client_id && acceptable_request_id(*client_id) ? *client_id : new_request_id();
    // Goes into every event and on to Kafka: never bytes that are not printable ASCII.
    const auto correlation = r.header("x-correlation-id");
    r.correlation_id =
        correlation && acceptable_request_id(*correlation) ? *correlation : r.request_id;
    return r;
}

bhttp::response<bhttp::string_body> to_response(Response&& out, const Request& request,
                                                const AppContext& app, bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(out.status), 11};
    if (out.status != 204) {
        res.set(bhttp::field::content_type, "application/json; charset=utf-8");
    }
    res.set("X-Request-Id", request.request_id);
    res.set("X-App-Version", app.version);
    for (auto& [name, value] : out.headers) {
        res.set(name, value);
    }
    res.keep_alive(keep_alive);
    const std::size_t length = out.body.size();
    if (request.method == "HEAD") {
        res.content_length(length);
    } else {
        res.body() = std::move(out.body);
        res.prepare_payload();
    }
    return res;
}

}  // namespace

struct Server::Impl {
    AppContext& app;
    ServerConfig config;
    Router router;
    // One io_context per I/O thread, each run by its one thread: a connection stays on one
    // thread, so its handlers never hop threads or wake another one. `io` (the main thread's)
    // also holds the acceptor, the signals and the shutdown timer.
    asio::io_context io{1};
    std::vector<std::unique_ptr<asio::io_context>> extra;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> extra_work;
    std::atomic<std::size_t> next_context{0};
    tcp::acceptor acceptor;
    asio::strand<asio::io_context::executor_type> control;  ///< stop, signals and the grace timer
    asio::signal_set signals;
    asio::steady_timer grace;
    std::atomic<bool> stopping{false};
    std::atomic<int> sessions{0};
    std::mutex registry_mutex;
    std::list<std::pair<std::weak_ptr<SessionState>, asio::any_io_executor>> registry;

    Impl(AppContext& a, ServerConfig c)
        : app(a),
          config(std::move(c)),
          router(a),
          acceptor(asio::make_strand(io)),
          control(asio::make_strand(io)),
          signals(control),
          grace(control) {}

    /// The executor of the next connection: the I/O threads' contexts in turn.
    asio::io_context::executor_type next_executor() {
        const std::size_t i = next_context++ % (extra.size() + 1);
        return i == 0 ? io.get_executor() : extra[i - 1]->get_executor();
    }
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> refuse(tcp::socket socket);
    asio::awaitable<void> session(beast::tcp_stream stream);
    asio::awaitable<bool> serve_one(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    SessionState& state);
    void stop();  ///< runs on `control`
    void session_ended();
};

asio::awaitable<void> Server::Impl::accept_loop() {
    asio::steady_timer backoff(acceptor.get_executor());
    for (;;) {
        auto executor = next_executor();
        auto [ec, socket] = co_await acceptor.async_accept(executor, kUseTuple);
        if (ec) {
            if (stopping || ec == asio::error::operation_aborted) {
                co_return;
            }
            // Out of file descriptors, say: the pending connection stays in the backlog, so
            // accepting again at once would spin. Serve the connections we have a moment.
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(kUseTuple);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        if (static_cast<std::size_t>(sessions.load()) >= config.max_connections) {
            auto socket_executor = socket.get_executor();
            asio::co_spawn(socket_executor, refuse(std::move(socket)), asio::detached);
            continue;
        }
        ++sessions;
        auto socket_executor = socket.get_executor();
        asio::co_spawn(socket_executor, session(beast::tcp_stream(std::move(socket))),
                       asio::detached);
    }
}

/// Over `max_connections`: a 503 sent at once, before any request is read, then the close.
asio::awaitable<void> Server::Impl::refuse(tcp::socket socket) {
    static const std::string kBody = message_body("Service Unavailable");
    static const std::string kResponse =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
        "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
        std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(config.read_timeout);
    co_await asio::async_write(stream, asio::buffer(kResponse), kUseTuple);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Server::Impl::session(beast::tcp_stream stream) {
    auto state = std::make_shared<SessionState>();
    state->stream = &stream;
    beast::error_code remote_ec;
    const auto peer = stream.socket().remote_endpoint(remote_ec);
    if (!remote_ec) {
        state->remote = peer.address().to_string() + ":" + std::to_string(peer.port());
    }
    std::list<std::pair<std::weak_ptr<SessionState>, asio::any_io_executor>>::iterator entry;
    {
        std::lock_guard lock(registry_mutex);
        entry = registry.emplace(registry.end(), state, stream.get_executor());
    }
    beast::flat_buffer buffer;
    try {
        while (!stopping && co_await serve_one(stream, buffer, *state)) {
        }
    } catch (const std::exception& e) {
        logging::error("session failed", {{"remote", state->remote}, {"error", e.what()}});
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    {
        std::lock_guard lock(registry_mutex);
        registry.erase(entry);
    }
    session_ended();
}

/// Reads one request, answers it; returns whether the connection stays open.
asio::awaitable<bool> Server::Impl::serve_one(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                              SessionState& state) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.header_limit));
    // No limit while the header is read: Beast fails the header read itself on a Content-Length
    // over the limit, and the client would get a closed connection instead of the 413 below.
    parser.body_limit(boost::none);
    state.busy = false;
    // Idle until the request's first byte (unless a pipelined one is already here); from then on
    // the whole request must arrive within read_timeout, so a client sending a byte at a time
    // holds its connection no longer than that.
    if (buffer.size() == 0) {
        stream.expires_after(config.idle_timeout);
        auto [first, got] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
        if (first) {
            co_return false;  // closed, idle timeout or shutdown
        }
        buffer.commit(got);
    }
    stream.expires_after(config.read_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
    if (ec) {
        // A request Beast cannot parse (a bad request line, a header with control characters, a
        // header over the limit) is answered before the connection closes, so that the client
        // learns why. Closed, cut-off, timed-out and cancelled reads just close.
        if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
            ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
            Response refused =
                ec == bhttp::error::header_limit
                    ? Response{431, message_body("Request header fields too large."), {}}
                    : error_response(commands::bad_request("Malformed HTTP request."));
            Request none;
            none.request_id = new_request_id();
            record_answer(*app.request_metrics,
                          {none, refused, state.remote, std::chrono::nanoseconds(0), 0},
                          config.log_requests);
            auto res = to_response(std::move(refused), none, app, false);
            stream.expires_after(config.read_timeout);
            std::tie(ec, n) = co_await bhttp::async_write(stream, res, kUseTuple);
        }
        co_return false;
    }
    state.busy = true;
    bool too_large = false;  // answered 413 without reading the rest
    if (parser.content_length() && *parser.content_length() > config.body_limit) {
        too_large = true;
    } else if (!parser.is_done()) {
        parser.body_limit(config.body_limit);  // chunked bodies: counted as they arrive
        std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
        if (ec == bhttp::error::body_limit) {
            too_large = true;
        } else if (ec) {
            co_return false;  // cut off mid-body or timed out
        }
    }
    const bool keep_alive = !too_large && parser.get().keep_alive();
    const auto started = std::chrono::steady_clock::now();
    Request request = to_request(parser.release());
    Response response;
    if (too_large) {
        response = error_response(TransportError::kPayloadTooLarge);
    } else if (!parse_target(request)) {
        response = error_response(commands::bad_request("Malformed request target."));
    } else {
        response = co_await router.dispatch(request);
    }
    record_answer(*app.request_metrics,
                  {request, response, state.remote, std::chrono::steady_clock::now() - started,
                   request.method == "HEAD" ? 0 : response.body.size()},
                  config.log_requests);
    auto res = to_response(std::move(response), request, app, keep_alive && !stopping);
    const bool again = res.keep_alive();
    stream.expires_after(config.read_timeout);  // a client that does not read is let go too
    std::tie(ec, n) = co_await bhttp::async_write(stream, res, kUseTuple);
    co_return !ec && again;
}

void Server::Impl::stop() {
    if (stopping.exchange(true)) {
        return;
    }
    asio::post(acceptor.get_executor(), [this] {
        beast::error_code ec;
        acceptor.close(ec);
    });
    signals.cancel();
    // Idle connections close now; busy ones after their response (see serve_one).
    std::lock_guard lock(registry_mutex);
    for (auto& [weak, executor] : registry) {
        asio::post(executor, [weak = weak] {
            if (auto s = weak.lock(); s && !s->busy) {
                s->stream->cancel();
            }
        });
    }
    grace.expires_after(config.shutdown_grace);
    grace.async_wait([this](beast::error_code ec) {
        if (!ec) {
            logging::warn("requests still in flight after the shutdown grace; closing them");
            io.stop();
        }
    });
    if (sessions == 0) {
        grace.cancel();
    }
}

void Server::Impl::session_ended() {
    if (--sessions == 0 && stopping) {
        asio::post(control, [this] { grace.cancel(); });
    }
}

Server::Server(AppContext& app, ServerConfig config)
    : impl_(std::make_unique<Impl>(app, std::move(config))) {
    auto& i = *impl_;
    const int n =
        std::max(1, i.config.threads > 0 ? i.config.threads
                                         : static_cast<int>(std::thread::hardware_concurrency()));
    for (int t = 1; t < n; ++t) {
        i.extra.push_back(std::make_unique<asio::io_context>(1));
        i.extra_work.push_back(asio::make_work_guard(*i.extra.back()));
    }
}

Server::~Server() = default;

unsigned short Server::start() {
    auto& i = *impl_;
    beast::error_code ec;
    auto address = asio::ip::make_address(i.config.host, ec);
    tcp::endpoint endpoint;
    if (ec) {
        tcp::resolver resolver(i.io);
        auto results = resolver.resolve(i.config.host, std::to_string(i.config.port), ec);
        if (ec || results.empty()) {
            throw std::runtime_error("cannot resolve " + i.config.host + ": " + ec.message());
        }
        endpoint = *results.begin();
    } else {
        endpoint = tcp::endpoint(address, i.config.port);
    }
    i.acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        i.acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        throw std::runtime_error("cannot listen on " + i.config.host + ":" +
                                 std::to_string(i.config.port) + ": " + ec.message());
    }
    asio::co_spawn(i.acceptor.get_executor(), i.accept_loop(), asio::detached);
    return i.acceptor.local_endpoint().port();
}

void Server::stop_on_signals() {
    auto& i = *impl_;
    i.signals.add(SIGINT);
    i.signals.add(SIGTERM);
    i.signals.async_wait([this](beast::error_code ec, int) {
        if (!ec) {
            impl_->stop();
        }
    });
}

void Server::run() {
    auto& i = *impl_;
    const int n = static_cast<int>(i.extra.size()) + 1;
    std::vector<std::thread> threads;
    for (int t = 1; t < n; ++t) {
        auto& context = *i.extra[static_cast<std::size_t>(t - 1)];
        threads.emplace_back([&context, t] {
            const std::string name = "http-" + std::to_string(t);
            pthread_setname_np(pthread_self(), name.c_str());
            context.run();
        });
    }
    // `io` runs until the server has stopped: its shutdown timer waits for every session.
    i.io.run();
    for (auto& w : i.extra_work) {
        w.reset();
    }
    for (auto& context : i.extra) {
        context->stop();  // after a shutdown grace ran out, sessions still open are dropped
    }
    for (auto& t : threads) {
        t.join();
    }
}

void Server::stop() {
    asio::post(impl_->control, [this] { impl_->stop(); });
}

}  // namespace deals::http
