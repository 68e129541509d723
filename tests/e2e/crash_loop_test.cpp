// The crash loop (issue 9): mixed concurrent writes against a real dealsd, SIGKILL at a random
// moment, restart; DEALS_CRASH_LOOPS times (20 by default; tools/crash-loop runs it longer).
// After every kill:
//  * the log's sequences are gapless from 1 and its hash chain verifies (and dealsctl verify
//    agrees);
//  * the views the store opens with (checkpoint plus the log after it) equal, deal by deal, a
//    fresh fold of the whole log;
//  * after the restart, every acknowledged write is visible through the API: each deal at the
//    version of its last acknowledged write, or one more write when a request on it was cut
//    off by the kill; trashed where a delete was acknowledged.

#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "projections/views.hpp"
#include "store/codec.hpp"
#include "store/store.hpp"
#include "tests/e2e/e2e_helpers.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace deals::testing;
using namespace deals::testing::e2e;

namespace {

/// What a client knows of one of its deals from the answers it got.
struct Known {
    events::StreamVersion version = 0;  ///< of the last acknowledged write that told it
    bool exact = true;      ///< false: an acknowledged write since did not say the version
    bool trashed = false;
    bool in_doubt = false;  ///< a request on it was cut off by the kill
};

std::optional<events::StreamVersion> etag_version(const deals::testing::HttpResult& r) {
    const auto etag = r.header("etag");
    if (!etag || etag->size() < 3) {
        return std::nullopt;
    }
    return std::stoull(etag->substr(1, etag->size() - 2));
}

/// One client: its own deals, a random mix of every kind of write on them, until the kill.
class Writer {
public:
    Writer(unsigned short port, const std::string& token, std::uint64_t seed,
           std::map<std::int64_t, Known>& deals)
        : client_(port, token), rng_(seed), deals_(deals) {}

    /// Unexpected answers (Catch's assertions are for the main thread only).
    std::vector<std::string> problems;

    /// Runs until a request fails (the server is gone). Returns the acknowledged writes.
    std::size_t run() {
        std::size_t acked = 0;
        for (;;) {
            try {
                acked += step() ? 1 : 0;
            } catch (const std::exception&) {
                if (current_ != 0) {
                    deals_[current_].in_doubt = true;
                }
                return acked;
            }
        }
    }

private:
    bool step() {
        const int op = pick(0, 99);
        current_ = 0;
        if (deals_.empty() || op < 25) {
            return create(op % 4 == 0);
        }
        auto it = deals_.begin();
        std::advance(it, pick(0, static_cast<int>(deals_.size()) - 1));
        const std::int64_t id = it->first;
        Known& k = it->second;
        current_ = id;
        const std::string url = "/api/deals/" + std::to_string(id);
        if (k.trashed) {
            const auto r = client_.post("/api/trashed/deals/" + std::to_string(id), "");
            return record(k, r, 200, false);
        }
        if (op < 45) {
            const auto r = client_.put(
                url, R"({"name":"Renamed )" + std::to_string(pick(0, 1 << 20)) +
                         R"(","amount":)" + std::to_string(pick(0, 100000)) + "}");
            return record(k, r, 200, false);
        }
        if (op < 60) {
            static const char* const kStatus[] = {"won", "open", "lost"};
            const std::string status = kStatus[pick(0, 2)];
            const auto r = client_.put(url + "/status/" + status,
                                       status == "lost" ? R"({"lost_reason":"Price"})" : "");
            return record(k, r, 200, false);
        }
        if (op < 75) {
            const auto r = client_.post(
                url + "/billable",
                R"({"tax_type":"exclusive","products":[{"name":"Seat","unit_price":)" +
                    std::to_string(pick(1, 900)) + R"(,"qty":)" + std::to_string(pick(1, 9)) +
                    R"(,"tax_rate":10,"discount_type":"percent","discount_total":5},)"
                    R"({"name":"Support","unit_price":120,"qty":1}]})");
            return record(k, r, 200, false);
        }
        if (op < 90) {
            const auto r = client_.put("/api/associations/deals/" + std::to_string(id),
                                       R"({"contacts":[)" + std::to_string(pick(1, 50)) +
                                           R"(],"companies":[)" + std::to_string(pick(1, 9)) +
                                           "]}");
            return record(k, r, 200, false);
        }
        const auto r = client_.del(url);
        return record(k, r, 204, true);
    }

    bool create(bool with_billable) {
        std::string body = R"({"name":"Crash )" + std::to_string(pick(0, 1 << 20)) +
                           R"(","stage_id":)" + std::to_string(pick(1, 5));
        if (with_billable) {
            body += R"(,"billable":{"products":[{"name":"Widget","unit_price":19.99,"qty":3}]})";
        }
        body += "}";
        const auto r = client_.post("/api/deals", body);
        const auto version = etag_version(r);
        if (r.status != 201 || !version) {
            problems.push_back("create answered " + std::to_string(r.status) + ": " + r.body);
            return false;
        }
        deals_[id_in(r.body)] = Known{*version, true, false, false};
        return true;
    }

    bool record(Known& k, const deals::testing::HttpResult& r, int ok, bool trashes) {
        if (r.status == 409 || r.status == 422) {
            return false;  // refused (a closed deal's other status, say): nothing written
        }
        if (r.status != ok) {
            problems.push_back("deal " + std::to_string(current_) + " answered " +
                               std::to_string(r.status) + ": " + r.body);
            return false;
        }
        if (const auto v = etag_version(r)) {
            k.version = *v;
            k.exact = true;
        } else {
            k.exact = false;  // written, version not said
        }
        k.trashed = trashes;
        return true;
    }

    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

    HttpClient client_;
    std::mt19937_64 rng_;
    std::map<std::int64_t, Known>& deals_;
    std::int64_t current_ = 0;
};

/// The views the store opened with, deal by deal, against a fresh fold of the whole log.
std::size_t compare_with_fold(store::Store& s, events::Sequence head) {
    projections::Views fresh;
    for (events::Sequence from = 1; from <= head;) {
        const auto batch = s.log().read_range(from, head, 4096);
        REQUIRE_FALSE(batch.empty());
        for (const auto& e : batch) {
            fresh.apply(e);
        }
        from = batch.back().sequence + 1;
    }
    return s.read([&](const projections::Views& live) {
        REQUIRE(live.watermarks().deal == fresh.watermarks().deal);
        REQUIRE(live.applied_sequence() == head);
        std::size_t compared = 0;
        for (std::int64_t id = 1; id <= live.watermarks().deal; ++id) {
            const auto* a = live.deal(events::DealId{id});
            const auto* b = fresh.deal(events::DealId{id});
            INFO("deal " << id);
            REQUIRE((a == nullptr) == (b == nullptr));
            if (a != nullptr) {
                REQUIRE(store::encode_view(*a) == store::encode_view(*b));
                ++compared;
            }
        }
        return compared;
    });
}

int loops() {
    const char* n = std::getenv("DEALS_CRASH_LOOPS");
    return n != nullptr && std::atoi(n) > 0 ? std::atoi(n) : 20;
}

}  // namespace

TEST_CASE("crash loop: SIGKILL under mixed load loses no acknowledged write, and the views "
          "always equal a fresh rebuild",
          "[e2e][crash]") {
    TempDir dir;
    const std::string token = admin_token(dir.path());
    constexpr int kWriters = 6;
    std::vector<std::map<std::int64_t, Known>> known(kWriters);
    std::mt19937_64 rng(std::random_device{}());
    const auto seed = rng();
    INFO("seed " << seed);  // the kill moments and the writers' choices
    rng.seed(seed);
    std::size_t total_acked = 0;
    const int n = loops();
    for (int round = 1; round <= n; ++round) {
        INFO("round " << round << " of " << n);
        auto server = start_dealsd(dir.path(), {"--kafka", "off"});
        // After the restart: every acknowledged write is visible.
        {
            HttpClient client(server.port, token);
            for (auto& deals : known) {
                for (auto& [id, k] : deals) {
                    const std::string path =
                        (k.trashed ? "/api/trashed/deals/" : "/api/deals/") + std::to_string(id);
                    auto r = client.get(path);
                    INFO("deal " << id << (k.trashed ? " (trashed)" : "") << " acknowledged at "
                                 << k.version << (k.in_doubt ? ", in doubt" : ""));
                    if (k.in_doubt && r.status == 404) {
                        // The cut-off request was a delete or a restore that committed.
                        r = client.get((k.trashed ? "/api/deals/" : "/api/trashed/deals/") +
                                       std::to_string(id));
                        k.trashed = !k.trashed;
                    }
                    REQUIRE(r.status == 200);
                    const auto version = etag_version(r);
                    REQUIRE(version);
                    if (k.exact && !k.in_doubt) {
                        CHECK(*version == k.version);
                    } else {
                        CHECK(*version >= k.version);
                    }
                    k = Known{*version, true, k.trashed, false};
                }
            }
        }
        // Mixed load, then a kill at a random moment.
        std::vector<std::thread> writers;
        std::vector<std::size_t> acked(kWriters, 0);
        std::vector<std::vector<std::string>> problems(kWriters);
        for (int w = 0; w < kWriters; ++w) {
            writers.emplace_back([&, w, s = rng()] {
                const auto i = static_cast<std::size_t>(w);
                Writer writer(server.port, token, s, known[i]);
                acked[i] = writer.run();
                problems[i] = std::move(writer.problems);
            });
        }
        const auto wait = std::chrono::milliseconds(
            std::uniform_int_distribution<int>(150, 900)(rng));
        std::this_thread::sleep_for(wait);  // the load's length: the kill's random moment
        server.process->kill(SIGKILL);
        CHECK(server.process->wait() == 128 + SIGKILL);
        for (auto& t : writers) {
            t.join();
        }
        for (const auto a : acked) {
            total_acked += a;
        }
        for (const auto& list : problems) {
            for (const auto& p : list) {
                FAIL_CHECK(p);
            }
        }
        // The directory as the next start will find it.
        {
            auto opened = store::Store::open({.data_dir = dir.path()});
            REQUIRE(opened);
            const auto head = verify_chain(**opened);
            CHECK(compare_with_fold(**opened, head) > 0);
        }
        int status = -1;
        const auto verdict = run_dealsctl(dir.path(), {"verify"}, status);
        INFO(verdict);
        CHECK(status == 0);
    }
    INFO("acknowledged writes: " << total_acked);
    CHECK(total_acked > static_cast<std::size_t>(n) * 50);
    std::size_t tracked = 0;
    for (const auto& deals : known) {
        tracked += deals.size();
    }
    std::cout << "crash loop: " << n << " SIGKILLs, " << total_acked
              << " acknowledged writes, " << tracked << " deals checked after each restart"
              << std::endl;
}
