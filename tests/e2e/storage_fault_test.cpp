// Storage faults: a real full disk (a small tmpfs) under a running dealsd, and a read-only data
// directory. Writes answer 503 with Retry-After, reads keep working, nothing is corrupted, and
// (full disk) writes resume once space returns. Mounting needs CAP_SYS_ADMIN: without it the
// tests exit 77, which ctest reports as skipped (never as passed).

#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/e2e/e2e_helpers.hpp"
#include "tests/support/http_client.hpp"

using namespace deals::testing;
using namespace deals::testing::e2e;

namespace {

/// A tmpfs of `megabytes` on a fresh directory; unmounted (lazily) in the destructor.
struct Tmpfs {
    std::string path;
    bool mounted = false;
    explicit Tmpfs(int megabytes) {
        char templ[] = "/tmp/deals-full-XXXXXX";
        REQUIRE(::mkdtemp(templ) != nullptr);
        path = templ;
        const std::string options = "size=" + std::to_string(megabytes) + "m";
        mounted = ::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0;
    }
    ~Tmpfs() {
        if (mounted) {
            ::umount2(path.c_str(), MNT_DETACH);
        }
        ::rmdir(path.c_str());
    }
};

/// Without mount rights the test cannot run here: exit 77, which ctest reports as skipped.
void skip_unless_mounted(const Tmpfs& fs) {
    if (!fs.mounted) {
        std::cout << "skipped: cannot mount a tmpfs here (needs CAP_SYS_ADMIN)" << std::endl;
        std::exit(77);
    }
}

/// A data directory on a tmpfs of its own, with a super-admin token. dealsd and dealsctl keep
/// `reserve_mb` free on it (DEALS_MIN_FREE_SPACE). Exits 77 without mount rights.
struct TmpfsDataDir {
    Tmpfs fs;
    std::string dir;
    std::string token;
    TmpfsDataDir(int megabytes, const char* reserve_mb) : fs(megabytes) {
        skip_unless_mounted(fs);
        ::setenv("DEALS_MIN_FREE_SPACE", reserve_mb, 1);
        dir = fs.path + "/data";
        token = admin_token(dir);
    }
};

/// Free bytes on the file system holding `path`, as dealsd's reserve counts them.
std::uint64_t free_on(const std::string& path) {
    struct statvfs fs {};
    REQUIRE(::statvfs(path.c_str(), &fs) == 0);
    return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

/// Appends up to `bytes` of zeros to `f`; false once the file system has no room left.
bool grow(FILE* f, std::size_t bytes) {
    static const std::string chunk(4096, '\0');
    for (std::size_t done = 0; done < bytes; done += chunk.size()) {
        if (std::fwrite(chunk.data(), 1, chunk.size(), f) != chunk.size()) {
            return false;
        }
    }
    return true;
}

/// A deal with 6 KB of notes (a Textarea custom field).
std::string deal_body(int i) {
    return R"({"name":"Full disk )" + std::to_string(i) + R"(","stage_id":1,"cf_notes":")" +
           std::string(6000, 'n') + "\"}";
}

/// A deal's body without `time_in_stages`, which grows with the clock.
std::string timeless(std::string body) {
    const auto at = body.find("\"time_in_stages\":{");
    if (at != std::string::npos) {
        body.erase(at, body.find('}', at) + 1 - at);
    }
    return body;
}

std::int64_t total_of(HttpClient& client) {
    const auto res = client.get("/api/deals?per_page=1");
    REQUIRE(res.status == 200);
    const auto at = res.body.find("\"total\":");
    REQUIRE(at != std::string::npos);
    return std::stoll(res.body.substr(at + 8));
}

}  // namespace

TEST_CASE("a full disk: writes answer 503 with Retry-After past the reserve, reads work, and "
          "writes resume as soon as space returns",
          "[e2e][storage]") {
    // Another process fills the disk a megabyte at a time between our writes, to the last byte.
    // dealsd keeps 32 MiB free for RocksDB (DEALS_MIN_FREE_SPACE): while more is free every write
    // works, past it every write is refused, and RocksDB itself never meets the full disk.
    const TmpfsDataDir data(200, "32");
    const auto& [fs, dir, token] = data;
    constexpr std::uint64_t kReserve = 32ULL << 20;
    auto server = start_dealsd(dir, {"--kafka", "off"});
    HttpClient client(server.port, token);
    REQUIRE(client.post("/api/custom-fields",
                        R"({"resource_name":"deals","field_id":"cf_notes","label":"Notes",)"
                        R"("field_type":"Textarea"})")
                .status == 201);
    std::vector<std::int64_t> acked;

    const auto filler = fs.path + "/filler";
    FILE* f = std::fopen(filler.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::setvbuf(f, nullptr, _IONBF, 0);
    int allowed = 0;
    int refused = 0;
    for (int i = 0;; ++i) {
        const std::uint64_t free = free_on(fs.path);
        auto res = client.post("/api/deals", deal_body(i));
        INFO("free: " << free << " bytes, deal " << i);
        if (free >= kReserve + (1 << 20)) {
            REQUIRE(res.status == 201);  // room to spare: written
            acked.push_back(id_in(res.body));
            ++allowed;
        } else if (free < kReserve) {
            REQUIRE(res.status == 503);  // past the reserve: refused, with nothing written
            CHECK(res.header("retry-after") == "1");
            CHECK(res.body == R"({"message":"Service Unavailable"})");
            ++refused;
        } else if (res.status == 201) {  // within a deal's size of the reserve: either
            acked.push_back(id_in(res.body));
        }
        if (free == 0) {
            break;
        }
        (void)grow(f, 1 << 20);  // stops short at the last byte
    }
    std::fclose(f);
    INFO("acknowledged: " << acked.size() << ", refused: " << refused);
    CHECK(allowed > 50);
    CHECK(refused > 10);

    // Full to the last byte: every write is refused, every read answers.
    CHECK(client.put("/api/deals/" + std::to_string(acked.front()), R"({"name":"Renamed"})")
              .status == 503);
    CHECK(client.put("/api/deals/" + std::to_string(acked.front()) + "/status/won", "").status ==
          503);
    CHECK(client.request("DELETE", "/api/deals/" + std::to_string(acked.back()), "").status ==
          503);
    CHECK(client.get("/api/deals/" + std::to_string(acked.back())).status == 200);
    CHECK(total_of(client) == static_cast<std::int64_t>(acked.size()));
    CHECK(client.get("/healthz").status == 200);
    const auto metrics = client.get("/metrics");
    CHECK(metrics.body.find("\ndeals_storage_free_bytes 0\n") != std::string::npos);
    CHECK(metrics.body.find("\ndeals_storage_reserve_bytes 33554432\n") != std::string::npos);
    for (const char* once :
         {"# TYPE deals_storage_free_bytes ", "# TYPE deals_storage_reserve_bytes "}) {
        const auto first = metrics.body.find(once);
        CHECK(first != std::string::npos);
        CHECK(metrics.body.find(once, first + 1) == std::string::npos);  // each metric once
    }

    // Space returns: the very next write works, since RocksDB has nothing to recover from.
    std::filesystem::remove(filler);
    for (int i = 0; i < 100; ++i) {
        auto res = client.post("/api/deals", deal_body(100000 + i));
        REQUIRE(res.status == 201);
        acked.push_back(id_in(res.body));
    }
    REQUIRE(client.put("/api/deals/" + std::to_string(acked.front()), R"({"name":"Renamed"})")
                .status == 200);
    CHECK(total_of(client) == static_cast<std::int64_t>(acked.size()));

    // Nothing corrupted: the chain verifies, and a restart shows exactly the acknowledged deals.
    server.process->kill(SIGTERM);
    REQUIRE(server.process->wait() == 0);
    int verify_status = -1;
    const auto verdict = run_dealsctl(dir, {"verify"}, verify_status);
    INFO(verdict);
    CHECK(verify_status == 0);
    auto again = start_dealsd(dir, {"--kafka", "off"});
    HttpClient after(again.port, token);
    CHECK(total_of(after) == static_cast<std::int64_t>(acked.size()));
    for (const auto id : acked) {
        REQUIRE(after.get("/api/deals/" + std::to_string(id)).status == 200);
    }
    CHECK(after.get("/api/deals/" + std::to_string(acked.front())).body.find("\"Renamed\"") !=
          std::string::npos);
    again.process->kill(SIGTERM);
    CHECK(again.process->wait() == 0);
}

TEST_CASE("a read-only data directory: reads work, writes answer 503, nothing changes",
          "[e2e][storage]") {
    const TmpfsDataDir data(64, "8");
    const auto& [fs, dir, token] = data;
    std::string deal1;
    {
        auto server = start_dealsd(dir, {"--kafka", "off"});
        HttpClient client(server.port, token);
        for (int i = 1; i <= 3; ++i) {
            REQUIRE(client.post("/api/deals", R"({"name":"Kept )" + std::to_string(i) +
                                                  R"(","stage_id":1,"amount":10})")
                        .status == 201);
        }
        deal1 = timeless(client.get("/api/deals/1").body);
        server.process->kill(SIGTERM);
        REQUIRE(server.process->wait() == 0);
    }
    REQUIRE(::mount(nullptr, fs.path.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0);
    {
        auto server = start_dealsd(dir, {"--kafka", "off"});
        HttpClient client(server.port, token);
        CHECK(timeless(client.get("/api/deals/1").body) == deal1);
        CHECK(total_of(client) == 3);
        CHECK(client.get("/healthz").status == 200);
        for (const auto& [method, target, body] :
             std::vector<std::tuple<std::string, std::string, std::string>>{
                 {"POST", "/api/deals", R"({"name":"No room","stage_id":1})"},
                 {"PUT", "/api/deals/1", R"({"name":"Renamed"})"},
                 {"PUT", "/api/deals/2/status/won", ""},
                 {"DELETE", "/api/deals/3", ""}}) {
            const auto res = client.request(method, target, body);
            INFO(method << " " << target);
            CHECK(res.status == 503);
            CHECK(res.header("retry-after") == "1");
            CHECK(res.body == R"({"message":"Service Unavailable"})");
        }
        CHECK(timeless(client.get("/api/deals/1").body) == deal1);
        server.process->kill(SIGTERM);
        CHECK(server.process->wait() == 0);
    }
    // Writable again: the log verifies and takes writes where it stood.
    REQUIRE(::mount(nullptr, fs.path.c_str(), nullptr, MS_REMOUNT, nullptr) == 0);
    int verify_status = -1;
    const auto verdict = run_dealsctl(dir, {"verify"}, verify_status);
    INFO(verdict);
    CHECK(verify_status == 0);
    auto server = start_dealsd(dir, {"--kafka", "off"});
    HttpClient client(server.port, token);
    CHECK(client.post("/api/deals", R"({"name":"Writable","stage_id":1})").status == 201);
    CHECK(total_of(client) == 4);
    server.process->kill(SIGTERM);
    CHECK(server.process->wait() == 0);
}
