#include "http/server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
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
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <type_traits>

#include "http/access_log.hpp"
#include "http/error_table.hpp"
#include "http/router.hpp"
#include "http/wire.hpp"
#include "support/log.hpp"

namespace deals::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using tuple_awaitable = asio::as_tuple_t<asio::use_awaitable_t<>>;
constexpr tuple_awaitable kUseTuple{};
using TlsContext = asio::ssl::context;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

/// A session as the server sees it, to close it when idle at shutdown. Touched on its strand.
///
/// Its timeouts: one timer per connection that wakes when the deadline may have passed, not
/// Beast's timer on each read and write (an arm and a cancel of a timer three times a request,
/// and a timerfd_settime system call whenever the earliest changed: about 4 % of a GET by id,
/// callgrind). Moving the deadline later costs nothing; the timer, when it wakes before the
/// deadline, sleeps again until it.
struct SessionState : std::enable_shared_from_this<SessionState> {
    using Clock = std::chrono::steady_clock;
    SessionState(beast::tcp_stream& s, const asio::any_io_executor& executor)
        : stream(&s), watchdog(executor) {}

    /// The connection is closed if the operations from now on have not ended within `after`.
    void expires_after(Clock::duration after) {
        deadline = Clock::now() + after;
        if (!armed || deadline < armed_for) {
            arm(deadline);
        }
    }
    /// No deadline while a request is handled: the handler may wait (a group commit, an ack
    /// from Kafka, a replica catching up), and only reads and writes are timed, as they were
    /// with Beast's timer.
    void suspend() { deadline = Clock::time_point::max(); }
    /// No deadline any more (the session is over).
    void stop_watching() {
        suspend();
        armed = false;
        watchdog.cancel();
    }

    beast::tcp_stream* stream;
    bool busy = false;
    std::string remote;  ///< the client's address:port, for the request log

private:
    void arm(Clock::time_point at) {
        armed = true;
        armed_for = at;
        watchdog.expires_at(at);
        watchdog.async_wait([weak = weak_from_this()](const beast::error_code& ec) {
            const auto self = weak.lock();
            if (ec || !self || !self->armed) {
                return;  // cancelled: re-armed or stopped
            }
            if (self->deadline == Clock::time_point::max()) {
                self->armed = false;  // suspended: the next expires_after arms it again
                return;
            }
            if (Clock::now() < self->deadline) {
                self->arm(self->deadline);
                return;
            }
            self->armed = false;
            beast::error_code ignored;
            self->stream->socket().close(ignored);  // what is pending ends with an error
        });
    }

    asio::steady_timer watchdog;
    Clock::time_point deadline = Clock::time_point::max();
    Clock::time_point armed_for{};
    bool armed = false;
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

/// TLS 1.2's cipher suites: forward secrecy (ECDHE) and AEAD only. TLS 1.3 keeps OpenSSL's
/// defaults (all of them AEAD with forward secrecy).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// Throws, naming the file, when it cannot be opened for reading.
void require_readable(const std::string& file, const std::string& what) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr) {
        throw std::runtime_error("cannot read the TLS " + what + " " + file + ": " +
                                 std::strerror(errno));
    }
    std::fclose(f);
}

/// A server context for TLS 1.2 and 1.3 with the certificate chain and key of these files;
/// throws, naming the file, when one is unreadable or not what it should be.
std::shared_ptr<TlsContext> make_tls_context(const std::string& cert, const std::string& key) {
    require_readable(cert, "certificate");
    require_readable(key, "private key");
    auto context = std::make_shared<TlsContext>(TlsContext::tls_server);
    context->set_options(TlsContext::default_workarounds | TlsContext::no_sslv2 |
                         TlsContext::no_sslv3 | TlsContext::no_tlsv1 | TlsContext::no_tlsv1_1 |
                         TlsContext::single_dh_use);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_cipher_list(native, kTls12Ciphers);
    // An encrypted key fails to load instead of OpenSSL asking for its pass phrase on the tty.
    context->set_password_callback(
        [](std::size_t, TlsContext::password_purpose) { return std::string(); });
    beast::error_code ec;
    context->use_certificate_chain_file(cert, ec);
    if (ec) {
        ERR_clear_error();
        throw std::runtime_error("bad TLS certificate " + cert + " (a PEM chain, the server's " +
                                 "own certificate first, expected): " + ec.message());
    }
    context->use_private_key_file(key, TlsContext::pem, ec);
    if (ec) {
        ERR_clear_error();
        throw std::runtime_error("bad TLS private key " + key +
                                 " (an unencrypted PEM key of the certificate " + cert +
                                 " expected): " + ec.message());
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        ERR_clear_error();
        throw std::runtime_error("the TLS private key " + key +
                                 " does not belong to the certificate " + cert);
    }
    return context;
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
        std::transform(name.begin(), name.end(), name.begin(), ascii_lower);
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
    // TLS: the context new connections take (each keeps its own to its end); SIGHUP replaces it.
    const bool tls_enabled;
    std::mutex tls_mutex;
    std::shared_ptr<TlsContext> tls;
    asio::signal_set reload_signals;  ///< SIGHUP, with TLS

    Impl(AppContext& a, ServerConfig c)
        : app(a),
          config(std::move(c)),
          router(a),
          acceptor(asio::make_strand(io)),
          control(asio::make_strand(io)),
          signals(control),
          grace(control),
          tls_enabled(!config.tls_cert.empty()),
          tls(tls_enabled ? make_tls_context(config.tls_cert, config.tls_key) : nullptr),
          reload_signals(control) {}

    /// The executor of the next connection: the I/O threads' contexts in turn.
    asio::io_context::executor_type next_executor() {
        const std::size_t i = next_context++ % (extra.size() + 1);
        return i == 0 ? io.get_executor() : extra[i - 1]->get_executor();
    }
    std::shared_ptr<TlsContext> tls_context() {
        std::lock_guard lock(tls_mutex);
        return tls;
    }
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> refuse(tcp::socket socket);
    asio::awaitable<void> refuse_tls(tcp::socket socket, std::shared_ptr<TlsContext> context);
    asio::awaitable<void> plain_session(tcp::socket socket);
    asio::awaitable<void> tls_session(tcp::socket socket, std::shared_ptr<TlsContext> context);
    template <class Stream>
    asio::awaitable<void> session(Stream& stream);
    asio::awaitable<bool> handshake(TlsStream& stream);
    asio::awaitable<void> tls_goodbye(TlsStream& stream);
    template <class Stream>
    asio::awaitable<bool> serve_one(Stream& stream, beast::flat_buffer& buffer,
                                    SessionState& state);
    void stop();  ///< runs on `control`
    void watch_reload();
    void reload_tls();  ///< runs on `control`
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
        auto socket_executor = socket.get_executor();
        if (static_cast<std::size_t>(sessions.load()) >= config.max_connections) {
            if (tls_enabled) {
                asio::co_spawn(socket_executor, refuse_tls(std::move(socket), tls_context()),
                               asio::detached);
            } else {
                asio::co_spawn(socket_executor, refuse(std::move(socket)), asio::detached);
            }
            continue;
        }
        ++sessions;
        if (tls_enabled) {
            asio::co_spawn(socket_executor, tls_session(std::move(socket), tls_context()),
                           asio::detached);
        } else {
            asio::co_spawn(socket_executor, plain_session(std::move(socket)), asio::detached);
        }
    }
}

namespace {

/// What a connection over `max_connections` is told.
const std::string& refusal() {
    static const std::string kBody = message_body("Service Unavailable");
    static const std::string kResponse =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
        "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
        std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
    return kResponse;
}

}  // namespace

/// Over `max_connections`: a 503 sent at once, before any request is read, then the close.
asio::awaitable<void> Server::Impl::refuse(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(config.read_timeout);
    co_await asio::async_write(stream, asio::buffer(refusal()), kUseTuple);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

/// refuse() over TLS: the handshake, then the 503.
asio::awaitable<void> Server::Impl::refuse_tls(tcp::socket socket,
                                               std::shared_ptr<TlsContext> context) {
    TlsStream stream(std::move(socket), *context);
    const bool secured = co_await handshake(stream);
    if (secured) {
        beast::get_lowest_layer(stream).expires_after(config.read_timeout);
        co_await asio::async_write(stream, asio::buffer(refusal()), kUseTuple);
        co_await tls_goodbye(stream);
    }
}

asio::awaitable<void> Server::Impl::plain_session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    co_await session(stream);
}

/// `context` outlives the stream, which uses it: a reload does not touch this connection.
asio::awaitable<void> Server::Impl::tls_session(tcp::socket socket,
                                                std::shared_ptr<TlsContext> context) {
    TlsStream stream(std::move(socket), *context);
    co_await session(stream);
}

/// The TLS handshake, within read_timeout; false (the connection is to be dropped) when it fails:
/// not TLS (plain HTTP, say), a version or cipher refused, a client that stalls.
asio::awaitable<bool> Server::Impl::handshake(TlsStream& stream) {
    beast::get_lowest_layer(stream).expires_after(config.read_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kUseTuple);
    co_return !ec;
}

/// A TLS close: close_notify sent, the client's awaited a moment (it need not answer).
asio::awaitable<void> Server::Impl::tls_goodbye(TlsStream& stream) {
    auto& tcp = beast::get_lowest_layer(stream);
    if (!tcp.socket().is_open()) {
        co_return;  // timed out: already closed
    }
    tcp.expires_after(std::min<std::chrono::steady_clock::duration>(config.read_timeout,
                                                                    std::chrono::seconds(1)));
    co_await stream.async_shutdown(kUseTuple);
    beast::error_code ec;
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
}

template <class Stream>
asio::awaitable<void> Server::Impl::session(Stream& stream) {
    constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
    auto state =
        std::make_shared<SessionState>(beast::get_lowest_layer(stream), stream.get_executor());
    beast::error_code remote_ec;
    const auto peer = state->stream->socket().remote_endpoint(remote_ec);
    if (!remote_ec) {
        state->remote = peer.address().to_string() + ":" + std::to_string(peer.port());
    }
    std::list<std::pair<std::weak_ptr<SessionState>, asio::any_io_executor>>::iterator entry;
    {
        std::lock_guard lock(registry_mutex);
        entry = registry.emplace(registry.end(), state, stream.get_executor());
    }
    beast::flat_buffer buffer;
    bool secured = true;  // plain HTTP, or TLS once the handshake is done
    if constexpr (kTls) {
        secured = co_await handshake(stream);
        beast::get_lowest_layer(stream).expires_never();  // the session's timeouts, from here
    }
    try {
        // Not `while (… && co_await …)`: GCC 12 mishandles a co_await skipped by a && that is
        // already false (the coroutine never resumes).
        bool open = secured;
        while (open && !stopping) {
            open = co_await serve_one(stream, buffer, *state);
        }
    } catch (const std::exception& e) {
        logging::error("session failed", {{"remote", state->remote}, {"error", e.what()}});
    }
    state->stop_watching();
    if constexpr (kTls) {
        if (secured) {
            co_await tls_goodbye(stream);
        }
    } else {
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    {
        std::lock_guard lock(registry_mutex);
        registry.erase(entry);
    }
    session_ended();
}

/// Reads one request, answers it; returns whether the connection stays open.
template <class Stream>
asio::awaitable<bool> Server::Impl::serve_one(Stream& stream, beast::flat_buffer& buffer,
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
        state.expires_after(config.idle_timeout);
        auto [first, got] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
        if (first) {
            co_return false;  // closed, idle timeout or shutdown
        }
        buffer.commit(got);
    }
    state.expires_after(config.read_timeout);
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
            const std::string wire = to_wire(refused, none, app.version, false);
            state.expires_after(config.read_timeout);
            std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(wire), kUseTuple);
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
    state.suspend();  // the request is read whole: what handling it takes is not timed
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
    // One buffer, one write: Beast's serializer walked a sequence of header and body buffers
    // for each answer (docs/BENCHMARKS.md, "Profiles").
    const bool again = keep_alive && !stopping;
    const std::string wire = to_wire(response, request, app.version, again);
    state.expires_after(config.read_timeout);  // a client that does not read is let go too
    std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(wire), kUseTuple);
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
    reload_signals.cancel();
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

void Server::Impl::watch_reload() {
    reload_signals.async_wait([this](beast::error_code ec, int) {
        if (!ec) {
            reload_tls();
            watch_reload();
        }
    });
}

void Server::Impl::reload_tls() {
    if (!tls_enabled || stopping) {
        return;
    }
    try {
        auto fresh = make_tls_context(config.tls_cert, config.tls_key);
        {
            std::lock_guard lock(tls_mutex);
            tls.swap(fresh);
        }
        logging::info("tls: certificate reloaded from " + config.tls_cert);
    } catch (const std::exception& e) {
        logging::error(std::string("TLS reload failed, keeping the current certificate: ") +
                       e.what());
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

void check_tls_files(const std::string& cert, const std::string& key) {
    make_tls_context(cert, key);
}

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
    if (i.tls_enabled) {
        i.reload_signals.add(SIGHUP);
        i.watch_reload();
    }
}

void Server::reload_tls() {
    asio::post(impl_->control, [this] { impl_->reload_tls(); });
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
