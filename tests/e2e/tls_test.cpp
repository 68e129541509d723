// HTTPS on the real dealsd (--tls-cert, --tls-key), talked to with the real curl and openssl.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/e2e_helpers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::e2e;

namespace {

namespace fs = std::filesystem;

/// Runs a shell command line, its standard error with its output.
Command run(const std::string& command_line) { return run_command("exec 2>&1; " + command_line); }

/// A fresh self-signed certificate for 127.0.0.1 and localhost, and its key, in `dir`.
void make_certificate(const std::string& dir, const std::string& common_name) {
    fs::create_directories(dir);
    const auto made =
        run("/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
            "-days 2 -subj /CN=" +
            common_name + " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
            shell_quoted(dir + "/k.pem") + " -out " + shell_quoted(dir + "/c.pem"));
    INFO(made.out);
    REQUIRE(made.status == 0);
}

/// Puts the certificate and key made in `from` where dealsd reads them.
void install_certificate(const std::string& from, const std::string& to) {
    for (const char* name : {"c.pem", "k.pem"}) {
        fs::copy_file(from + "/" + name, to + "/" + name, fs::copy_options::overwrite_existing);
    }
}

/// The SHA-256 fingerprint line of a PEM certificate file.
std::string fingerprint(const std::string& cert) {
    const auto c =
        run("/usr/bin/openssl x509 -noout -fingerprint -sha256 -in " + shell_quoted(cert));
    INFO(c.out);
    REQUIRE(c.status == 0);
    REQUIRE(c.out.find("Fingerprint=") != std::string::npos);
    return c.out;
}

/// The fingerprint of the certificate a new connection to the server is shown.
std::string served_fingerprint(unsigned short port) {
    return run("/usr/bin/openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
               " -servername localhost </dev/null 2>/dev/null | /usr/bin/openssl x509 -noout "
               "-fingerprint -sha256")
        .out;
}

/// `openssl s_client` with these options: a handshake, nothing sent.
Command s_client(unsigned short port, const std::string& options) {
    return run("/usr/bin/openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
               " -servername localhost " + options + " </dev/null");
}

/// curl's answer: the body, then a line with the status code ("000": no HTTP answer).
Command curl(const std::string& args) {
    return run("/usr/bin/curl -sS --max-time 20 -w '\\n%{http_code}' " + args);
}

std::string status_of(const Command& c) { return c.out.substr(c.out.rfind('\n') + 1); }

/// dealsd over TLS, its standard error mixed into the output the test reads.
struct TlsServer {
    std::unique_ptr<Process> process;
    unsigned short port = 0;
    std::string url;  ///< https://127.0.0.1:PORT
};

/// dealsd's command line, through sh so that its standard error joins the output the test reads:
/// `args` after a data directory, 127.0.0.1 on a free port, two I/O threads and Kafka off.
std::vector<std::string> dealsd_argv(const std::string& data_dir,
                                     const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/bin/sh",    "-c",         "exec \"$0\" \"$@\" 2>&1",
                                  DEALS_DEALSD, "--data-dir", data_dir};
    for (const char* arg : {"--listen", "127.0.0.1:0", "--threads", "2", "--kafka", "off"}) {
        argv.emplace_back(arg);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

TlsServer start_tls_dealsd(const std::string& data_dir, const std::string& certs,
                           std::vector<std::string> args = {}) {
    for (const std::string& arg : {std::string("--tls-cert"), certs + "/c.pem",
                                   std::string("--tls-key"), certs + "/k.pem"}) {
        args.push_back(arg);
    }
    TlsServer s;
    s.process = std::make_unique<Process>(dealsd_argv(data_dir, args));
    const std::string line = s.process->wait_for_line("listening on ");
    INFO(line);
    REQUIRE(line.find("listening on https://127.0.0.1:") != std::string::npos);
    s.port = port_of(line);
    s.url = "https://127.0.0.1:" + std::to_string(s.port);
    return s;
}

/// dealsd with these arguments, expected to refuse to start: its exit status and output.
Command refused_start(const std::string& data_dir, const std::vector<std::string>& args) {
    Process p(dealsd_argv(data_dir, args));
    Command c;
    c.out = p.wait_for_line("error:");
    c.status = p.wait();
    return c;
}

/// One HTTPS connection, kept open: handshake done (the certificate not checked) on construction.
class KeptConnection {
public:
    explicit KeptConnection(unsigned short port) {
        namespace asio = boost::asio;
        stream_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
        stream_.handshake(asio::ssl::stream_base::client);
    }
    /// GET `target` on this connection: the status.
    int get(const std::string& target) {
        namespace bhttp = boost::beast::http;
        bhttp::request<bhttp::string_body> req{bhttp::verb::get, target, 11};
        req.set(bhttp::field::host, "localhost");
        bhttp::write(stream_, req);
        bhttp::response<bhttp::string_body> res;
        bhttp::read(stream_, buffer_, res);
        return res.result_int();
    }

private:
    boost::asio::io_context io_;
    boost::asio::ssl::context context_{boost::asio::ssl::context::tls_client};
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_{io_, context_};
    boost::beast::flat_buffer buffer_;
};

/// A TCP connection that sends nothing: it holds one of the server's connections.
struct IdleConnection {
    int fd = -1;
    explicit IdleConnection(unsigned short port) {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~IdleConnection() { close(fd); }
    IdleConnection(const IdleConnection&) = delete;
    IdleConnection& operator=(const IdleConnection&) = delete;
};

}  // namespace

TEST_CASE("dealsd serves HTTPS: TLS 1.2 and 1.3 only, the API, and a SIGHUP renewal",
          "[e2e][tls]") {
    TempDir dir;
    const std::string data = dir.path() + "/data";
    const std::string first = dir.path() + "/first";
    const std::string second = dir.path() + "/second";
    make_certificate(first, "first.localhost");
    make_certificate(second, "second.localhost");
    install_certificate(first, dir.path());
    const std::string token = admin_token(data);
    auto server = start_tls_dealsd(data, dir.path(), {"--body-limit", "1000"});
    const std::string ca_first = "--cacert " + shell_quoted(first + "/c.pem") + " ";
    const std::string ca_second = "--cacert " + shell_quoted(second + "/c.pem") + " ";
    const std::string auth = "-H " + shell_quoted("Authorization: Bearer " + token) + " ";
    bool stopped = false;

    SECTION("curl checks the certificate and gets /healthz saying tls") {
        const auto health = curl(ca_first + server.url + "/healthz");
        INFO(health.out);
        REQUIRE(status_of(health) == "200");
        CHECK(health.out.find("\"tls\":true") != std::string::npos);
        // Verified against its CA, not skipped: a client that does not trust it is refused.
        CHECK(status_of(curl(ca_second + server.url + "/healthz")) == "000");
    }

    SECTION("the API works over TLS, with keep-alive and the body limit") {
        const auto created = curl(ca_first + auth + "-H 'Content-Type: application/json' -d " +
                                  shell_quoted(R"({"name":"Over TLS","stage_id":1})") + " " +
                                  server.url + "/api/deals");
        INFO(created.out);
        REQUIRE(status_of(created) == "201");
        const auto id = id_in(created.out);
        REQUIRE(id > 0);
        const std::string deal_url = server.url + "/api/deals/" + std::to_string(id);
        // Two requests on one connection: curl connects once.
        const auto twice =
            run("/usr/bin/curl -sS -o /dev/null -o /dev/null "
                "-w '%{http_code} %{num_connects}\\n' " +
                ca_first + auth + deal_url + " " + deal_url);
        INFO(twice.out);
        CHECK(twice.out == "200 1\n200 0\n");
        const auto got = curl(ca_first + auth + deal_url);
        CHECK(status_of(got) == "200");
        CHECK(got.out.find("\"name\":\"Over TLS\"") != std::string::npos);
        const auto large = curl(ca_first + auth + "-H 'Content-Type: application/json' -d " +
                                shell_quoted(R"({"name":")" + std::string(2000, 'x') + R"("})") +
                                " " + server.url + "/api/deals");
        CHECK(status_of(large) == "413");
        const auto huge_header =
            curl(ca_first + "-H " + shell_quoted("X-Big: " + std::string(17000, 'x')) + " " +
                 server.url + "/healthz");
        CHECK(status_of(huge_header) == "431");
    }

    SECTION("the server refuses TLS 1.1 and TLS 1.2 without ECDHE and AEAD") {
        // SECLEVEL=0 lets this client offer what Debian's defaults would not: the refusal is
        // the server's (its protocol_version alert), and the same client gets TLS 1.2 and 1.3.
        const std::string lenient = "-cipher 'DEFAULT:@SECLEVEL=0' ";
        const auto tls11 = s_client(server.port, lenient + "-tls1_1");
        INFO(tls11.out);
        CHECK(tls11.status != 0);
        CHECK(tls11.out.find("alert protocol version") != std::string::npos);
        const auto tls12 = s_client(server.port, lenient + "-tls1_2");
        INFO(tls12.out);
        CHECK(tls12.status == 0);
        CHECK(tls12.out.find("New, TLSv1.2, Cipher is ECDHE-ECDSA-") != std::string::npos);
        const auto tls13 = s_client(server.port, "-tls1_3");
        INFO(tls13.out);
        CHECK(tls13.status == 0);
        CHECK(tls13.out.find("New, TLSv1.3, Cipher is TLS_") != std::string::npos);
        const auto cbc =
            s_client(server.port, "-tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'");
        INFO(cbc.out);
        CHECK(cbc.status != 0);
        CHECK(cbc.out.find("alert handshake failure") != std::string::npos);
    }

    SECTION("plain HTTP to the TLS port gets no HTTP answer") {
        const auto plain = curl("http://127.0.0.1:" + std::to_string(server.port) + "/healthz");
        INFO(plain.out);
        CHECK(plain.status != 0);
        CHECK(status_of(plain) == "000");
        // The server still serves.
        CHECK(status_of(curl(ca_first + server.url + "/healthz")) == "200");
    }

    SECTION("SIGHUP renews the certificate; a bad one is not taken") {
        CHECK(served_fingerprint(server.port) == fingerprint(first + "/c.pem"));
        // A connection open across the reloads keeps the certificate (and context) it began with.
        KeptConnection kept(server.port);
        CHECK(kept.get("/healthz") == 200);
        install_certificate(second, dir.path());
        server.process->kill(SIGHUP);
        const auto reloaded = server.process->wait_for_line("tls: certificate reloaded from ");
        CHECK(reloaded.find(dir.path() + "/c.pem") != std::string::npos);
        CHECK(served_fingerprint(server.port) == fingerprint(second + "/c.pem"));
        CHECK(status_of(curl(ca_second + server.url + "/healthz")) == "200");
        CHECK(status_of(curl(ca_first + server.url + "/healthz")) == "000");
        CHECK(kept.get("/healthz") == 200);

        std::ofstream(dir.path() + "/c.pem", std::ios::trunc) << "not a certificate\n";
        server.process->kill(SIGHUP);
        const auto failed = server.process->wait_for_line("error: TLS reload failed");
        CHECK(failed.find("keeping the current certificate") != std::string::npos);
        CHECK(failed.find(dir.path() + "/c.pem") != std::string::npos);
        CHECK(served_fingerprint(server.port) == fingerprint(second + "/c.pem"));
        CHECK(status_of(curl(ca_second + server.url + "/healthz")) == "200");
        CHECK(kept.get("/healthz") == 200);
    }

    SECTION("SIGTERM closes an idle TLS connection and stops") {
        KeptConnection idle(server.port);
        CHECK(idle.get("/healthz") == 200);
        server.process->kill(SIGTERM);
        CHECK(server.process->wait() == 0);
        stopped = true;
    }

    if (!stopped) {  // a stop with no connection open, over TLS too
        server.process->kill(SIGTERM);
        CHECK(server.process->wait() == 0);
    }
}

TEST_CASE("dealsd over TLS answers 503 beyond --max-connections", "[e2e][tls]") {
    TempDir dir;
    make_certificate(dir.path(), "localhost");
    auto server = start_tls_dealsd(dir.path() + "/data", dir.path(), {"--max-connections", "1"});
    const std::string ca = "--cacert " + shell_quoted(dir.path() + "/c.pem") + " ";
    {
        // Accepted first (connections are accepted in order): curl's is the one too many.
        IdleConnection holder(server.port);
        const auto refused = curl(ca + server.url + "/healthz");
        INFO(refused.out);
        CHECK(status_of(refused) == "503");
    }
    // Once the holder is gone (its close seen), a connection is served again.
    std::string status;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (status != "200" && std::chrono::steady_clock::now() < deadline) {
        status = status_of(curl(ca + server.url + "/healthz"));
    }
    CHECK(status == "200");
    server.process->kill(SIGTERM);
    CHECK(server.process->wait() == 0);
}

TEST_CASE("dealsd refuses to start on TLS flags it cannot use", "[e2e][tls]") {
    TempDir dir;
    make_certificate(dir.path() + "/a", "a.localhost");
    make_certificate(dir.path() + "/b", "b.localhost");
    const std::string data = dir.path() + "/data";
    const std::string cert = dir.path() + "/a/c.pem";
    const std::string key = dir.path() + "/a/k.pem";

    SECTION("one without the other") {
        const auto alone = refused_start(data, {"--tls-cert", cert});
        CHECK(alone.status == 2);
        CHECK(alone.out.find("--tls-cert and --tls-key go together") != std::string::npos);
        CHECK(refused_start(data, {"--tls-key", key}).status == 2);
    }
    SECTION("a file that is missing") {
        const std::string missing = dir.path() + "/none.pem";
        const auto c = refused_start(data, {"--tls-cert", missing, "--tls-key", key});
        CHECK(c.status == 1);
        CHECK(c.out.find("cannot read the TLS certificate " + missing) != std::string::npos);
    }
    SECTION("a certificate that is not one") {
        const std::string garbage = dir.path() + "/garbage.pem";
        std::ofstream(garbage) << "garbage\n";
        const auto c = refused_start(data, {"--tls-cert", garbage, "--tls-key", key});
        CHECK(c.status == 1);
        CHECK(c.out.find("bad TLS certificate " + garbage) != std::string::npos);
        const auto k = refused_start(data, {"--tls-cert", cert, "--tls-key", garbage});
        CHECK(k.status == 1);
        CHECK(k.out.find("bad TLS private key " + garbage) != std::string::npos);
    }
    SECTION("a key of another certificate") {
        const std::string other = dir.path() + "/b/k.pem";
        const auto c = refused_start(data, {"--tls-cert", cert, "--tls-key", other});
        INFO(c.out);
        CHECK(c.status == 1);
        CHECK(c.out.find(other) != std::string::npos);
    }
}
