#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/store.hpp"
#include "tests/e2e/e2e_helpers.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::e2e;

TEST_CASE("every create acknowledged before a SIGKILL is there after a restart", "[e2e]") {
    TempDir dir;
    const std::string token = admin_token(dir.path());
    auto server = start_dealsd(dir.path());

    constexpr int kClients = 16;
    constexpr std::size_t kAcksBeforeKill = 1500;
    std::mutex mutex;
    std::condition_variable enough;
    std::vector<std::pair<std::int64_t, std::string>> acked;  // id, name
    std::atomic<bool> killed{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            HttpClient client(server.port, token);
            for (int i = 0; !killed; ++i) {
                const std::string name = "Deal " + std::to_string(c) + "-" + std::to_string(i);
                try {
                    auto res =
                        client.post("/api/deals", R"({"name":")" + name + R"(","stage_id":1})");
                    if (res.status != 201) {
                        continue;
                    }
                    const auto id = id_in(res.body);
                    std::lock_guard lock(mutex);
                    acked.emplace_back(id, name);
                    if (acked.size() >= kAcksBeforeKill) {
                        enough.notify_one();
                    }
                } catch (const std::exception&) {
                    return;  // the server is gone
                }
            }
        });
    }
    {
        std::unique_lock lock(mutex);
        REQUIRE(enough.wait_for(lock, std::chrono::seconds(60),
                                [&] { return acked.size() >= kAcksBeforeKill; }));
    }
    // Requests are still in flight: kill the server in the middle of them.
    server.process->kill(SIGKILL);
    CHECK(server.process->wait() == 128 + SIGKILL);
    killed = true;
    for (auto& t : clients) {
        t.join();
    }
    INFO("acknowledged creates: " << acked.size());

    auto restarted = start_dealsd(dir.path());
    HttpClient client(restarted.port, token);
    std::size_t missing = 0;
    for (const auto& [id, name] : acked) {
        auto res = client.get("/api/deals/" + std::to_string(id));
        if (res.status != 200 || res.body.find("\"name\":\"" + name + "\"") == std::string::npos) {
            ++missing;
        }
    }
    CHECK(missing == 0);
    restarted.process->kill(SIGTERM);
    CHECK(restarted.process->wait() == 0);

    // The log itself: gapless sequences from 1 and an unbroken hash chain.
    auto store = store::Store::open({.data_dir = dir.path()});
    REQUIRE(store);
    CHECK(verify_chain(**store) >= acked.size());
}

TEST_CASE("SIGTERM stops the server cleanly and dealsctl refuses a held data directory", "[e2e]") {
    TempDir dir;
    const std::string token = admin_token(dir.path());
    auto server = start_dealsd(dir.path());
    HttpClient client(server.port, token);
    REQUIRE(client.post("/api/deals", R"({"name":"Kept","stage_id":1})").status == 201);

    int status = 0;
    run_dealsctl(dir.path(), {"user", "list"}, status);
    CHECK(status != 0);

    server.process->kill(SIGTERM);
    CHECK(!server.process->wait_for_line("stopped:").empty());
    CHECK(server.process->wait() == 0);

    const std::string users = run_dealsctl(dir.path(), {"user", "list"}, status);
    CHECK(status == 0);
    CHECK_THAT(users, Catch::Contains("admin@example.com"));

    auto again = start_dealsd(dir.path());
    HttpClient after(again.port, token);
    auto list = after.get("/api/deals");
    CHECK(list.status == 200);
    CHECK_THAT(list.body, Catch::Contains("\"name\":\"Kept\""));
}
