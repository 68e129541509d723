// The crash loop (issue 9): mixed concurrent writes against a real dealsd, SIGKILL at a random
// moment, restart; DEALS_CRASH_LOOPS times (20 by default; tools/crash-loop runs it longer).
// After every kill:
//  * the log is gapless and its hash chain verifies from the head the round before verified
//    (whose record still has the hash recorded then) up to the new head, and `dealsctl verify
//    --from S --at S --expect-hash H` from there agrees, up to the same head and hash;
//  * the views the store opens with (checkpoint plus the log after it) equal, deal by deal, the
//    fold of the whole log (kept from round to round, each round's new events folded in);
//  * after the restart, every acknowledged write is visible through the API: each deal written
//    since the restart before (and a random sample of the others) at the version of its last
//    acknowledged write, or one more write when a request on it was cut off by the kill;
//    trashed where a delete was acknowledged, gone where a purge was.
// Every 100 rounds, and in the last, the checks start over: the chain and dealsctl verify from
// sequence 1, a fresh fold of the whole log, a GET of every deal. A writer keeps at most 500
// deals (then it trashes and purges some instead of creating), so that the views every start
// loads and every round compares stop growing: past the first rounds, a round costs the same
// whatever the length of the log (issue 23).

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
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
    bool exact = true;  ///< false: an acknowledged write since did not say the version
    bool trashed = false;
    bool in_doubt = false;  ///< a request on it was cut off by the kill
    bool written = true;    ///< created or written since a restart's check last saw it
    bool purged = false;    ///< a purge was acknowledged, or asked by the request cut off
};

/// Deals a writer keeps at most: past it, its creates give way to trashing and purging one, so
/// that the views, which every start loads and every round compares, stop growing.
constexpr std::size_t kMaxDeals = 500;

/// Every writer's deals, as it knows them.
using KnownDeals = std::vector<std::map<std::int64_t, Known>>;

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
        const bool full = deals_.size() - purged_ >= kMaxDeals;
        if (deals_.empty() || (op < 25 && !full)) {
            return create(op % 4 == 0);
        }
        auto it = deals_.begin();
        std::advance(it, pick(0, static_cast<int>(deals_.size()) - 1));
        const std::int64_t id = it->first;
        Known& k = it->second;
        if (k.purged) {
            return false;  // gone: its client forgets it after the next restart's check
        }
        current_ = id;
        const std::string trashed_url = "/api/trashed/deals/" + std::to_string(id);
        if (op < 25 && k.trashed) {  // full: one goes instead of a new one coming
            k.purged = true;         // in doubt until answered
            const auto r = client_.del(trashed_url);
            k.purged = r.status == 204;
            purged_ += k.purged ? 1 : 0;
            return record(k, r, 204, true);
        }
        if (k.trashed) {
            const auto r = client_.post(trashed_url, "");
            return record(k, r, 200, false);
        }
        if (op < 25 || op >= 90) {
            const auto r = client_.del("/api/deals/" + std::to_string(id));
            return record(k, r, 204, true);
        }
        return change(id, k, op);
    }

    /// One of the writes that change a live deal, chosen by `op` (25 to 89).
    bool change(std::int64_t id, Known& k, int op) {
        const std::string url = "/api/deals/" + std::to_string(id);
        if (op < 45) {
            const auto r =
                client_.put(url, R"({"name":"Renamed )" + std::to_string(pick(0, 1 << 20)) +
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
        const auto r = client_.put("/api/associations/deals/" + std::to_string(id),
                                   R"({"contacts":[)" + std::to_string(pick(1, 50)) +
                                       R"(],"companies":[)" + std::to_string(pick(1, 9)) + "]}");
        return record(k, r, 200, false);
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
        k.written = true;
        return true;
    }

    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

    HttpClient client_;
    std::mt19937_64 rng_;
    std::map<std::int64_t, Known>& deals_;
    std::int64_t current_ = 0;
    std::size_t purged_ = 0;  ///< deals purged this round (forgotten after the next check)
};

/// After a restart: deal `id` as its client last knew it (the version of its last acknowledged
/// write; one more when a request on it was cut off; trashed where a delete was acknowledged;
/// gone where a purge was). Returns false when it is gone, for its client to forget it.
bool check_deal(HttpClient& client, std::int64_t id, Known& k) {
    const std::string trashed_url = "/api/trashed/deals/" + std::to_string(id);
    const std::string url = "/api/deals/" + std::to_string(id);
    const char* state = k.purged ? " (purged)" : k.trashed ? " (trashed)" : "";
    INFO("deal " << id << state << " acknowledged at " << k.version
                 << (k.in_doubt ? ", in doubt" : ""));
    if (k.purged) {
        const auto r = client.get(trashed_url);
        if (!k.in_doubt || r.status != 200) {
            REQUIRE(r.status == 404);
            REQUIRE(client.get(url).status == 404);
            return false;
        }
        k.purged = false;  // the purge cut off did not commit: still in the trash
    }
    auto r = client.get(k.trashed ? trashed_url : url);
    if (k.in_doubt && r.status == 404) {
        // The cut-off request was a delete or a restore that committed.
        r = client.get(k.trashed ? url : trashed_url);
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
    k = Known{.version = *version, .trashed = k.trashed, .written = false};
    return true;
}

/// Deals a restart's check GETs besides those written since the last one (all of those are).
constexpr std::size_t kSampled = 64;

/// What the restarts' checks did.
struct Checked {
    std::size_t deals = 0;  ///< GETs of a deal
    std::size_t gone = 0;   ///< purged deals found gone, then forgotten
};

/// The restart's check: every deal created, written or in doubt since the last check, plus
/// kSampled of the others at random (all of them when `every`).
///
/// Every acknowledged write is so checked at the first restart after it. A deal not written
/// since a check saw it at its acknowledged version cannot have changed unless the server is
/// wrong: lost or rewrote something it had already made durable. That is looked for without a
/// GET of every deal each round: the sample; the chain's check from the head verified before
/// (its hash unchanged); the comparison of every deal's view with the fold of the log, after
/// every kill; and, every kFullEvery rounds and in the last, a GET of every deal and the chain
/// and the fold from sequence 1.
void check_after_restart(unsigned short port, const std::string& token, KnownDeals& known,
                         bool every, std::mt19937_64& rng, Checked& checked) {
    HttpClient client(port, token);
    struct Due {
        std::size_t writer;
        std::int64_t id;
        Known* known;
    };
    std::vector<Due> due;
    std::vector<Due> others;
    for (std::size_t w = 0; w < known.size(); ++w) {
        for (auto& [id, k] : known[w]) {
            (every || k.written || k.in_doubt ? due : others).push_back({w, id, &k});
        }
    }
    std::sample(others.begin(), others.end(), std::back_inserter(due), kSampled, rng);
    std::vector<Due> gone;
    for (const auto& d : due) {
        if (!check_deal(client, d.id, *d.known)) {
            gone.push_back(d);
        }
    }
    for (const auto& d : gone) {
        known[d.writer].erase(d.id);
    }
    checked.deals += due.size();
    checked.gone += gone.size();
}

/// Six writers' mixed load on `server`, then SIGKILL at a random moment. Returns the
/// acknowledged writes.
std::size_t load_then_kill(Dealsd& server, const std::string& token, KnownDeals& known,
                           std::mt19937_64& rng) {
    const std::size_t writers_n = known.size();
    std::vector<std::thread> writers;
    std::vector<std::size_t> acked(writers_n, 0);
    std::vector<std::vector<std::string>> problems(writers_n);
    for (std::size_t w = 0; w < writers_n; ++w) {
        writers.emplace_back([&, w, s = rng()] {
            Writer writer(server.port, token, s, known[w]);
            acked[w] = writer.run();
            problems[w] = std::move(writer.problems);
        });
    }
    const auto wait = std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 900)(rng));
    std::this_thread::sleep_for(wait);  // the load's length: the kill's random moment
    server.process->kill(SIGKILL);
    CHECK(server.process->wait() == 128 + SIGKILL);
    for (auto& t : writers) {
        t.join();
    }
    for (const auto& list : problems) {
        for (const auto& p : list) {
            FAIL_CHECK(p);
        }
    }
    return std::accumulate(acked.begin(), acked.end(), std::size_t{0});
}

/// What the rounds so far verified: the log up to `point`, and the views folded from it.
struct Verified {
    ChainPoint point;
    projections::Views views;
};

/// The directory as the next start will find it: the chain verified from `verified.point` to
/// the head, the events after the point folded into `verified.views`, then the views the store
/// opened with (checkpoint plus the log after it) compared with them deal by deal. Moves the
/// point to the head.
void check_store(const std::string& dir, Verified& verified) {
    auto opened = store::Store::open({.data_dir = dir});
    REQUIRE(opened);
    store::Store& s = **opened;
    const ChainPoint head = verify_chain_from(
        s, verified.point, [&](const events::RecordedEvent& e) { verified.views.apply(e); });
    verified.point = head;
    const auto& folded = verified.views;
    const std::size_t compared = s.read([&](const projections::Views& live) {
        REQUIRE(live.watermarks().deal == folded.watermarks().deal);
        REQUIRE(live.applied_sequence() == head.sequence);
        std::size_t n = 0;
        for (std::int64_t id = 1; id <= live.watermarks().deal; ++id) {
            const auto* a = live.deal(events::DealId{id});
            const auto* b = folded.deal(events::DealId{id});
            if ((a == nullptr) != (b == nullptr)) {
                FAIL("deal " << id << (a == nullptr ? " is missing from" : " is only in")
                             << " the views the store opened with");
            }
            if (a != nullptr) {
                const auto opened_with = store::encode_view(*a);
                const auto fold = store::encode_view(*b);
                if (opened_with != fold) {
                    INFO("deal " << id);
                    REQUIRE(opened_with == fold);
                }
                ++n;
            }
        }
        return n;
    });
    CHECK(compared > 0);
}

/// `dealsctl verify` from `from` (the head verified before, with the hash recorded there:
/// `--from S --at S --expect-hash H`; from sequence 1 at the start) agrees: intact, up to `head`.
void check_dealsctl_verify(const std::string& dir, const ChainPoint& from, const ChainPoint& head) {
    std::vector<std::string> args{"verify", "--json"};
    if (from.sequence != 0) {
        const auto at = std::to_string(from.sequence);
        args.insert(args.end(), {"--from", at, "--at", at, "--expect-hash", from.hash});
    }
    int status = -1;
    const auto verdict = run_dealsctl(dir, args, status);
    INFO(verdict);
    CHECK(status == 0);
    CHECK_THAT(verdict, Catch::Contains(R"("head":{"sequence":)" + std::to_string(head.sequence) +
                                        R"(,"hash":")" + head.hash + R"("})"));
}

int loops() {
    const char* n = std::getenv("DEALS_CRASH_LOOPS");
    return n != nullptr && std::atoi(n) > 0 ? std::atoi(n) : 20;
}

/// Every this many rounds, and in the last, the checks start from scratch: every deal's GET,
/// the chain from sequence 1, a fresh fold of the whole log.
constexpr int kFullEvery = 100;

/// The mean of `seconds` over [from, to).
double mean(const std::vector<double>& seconds, std::size_t from, std::size_t to) {
    return std::accumulate(seconds.begin() + from, seconds.begin() + to, 0.0) /
           static_cast<double>(to - from);
}

}  // namespace

TEST_CASE("crash loop: SIGKILL under mixed load loses no acknowledged write, and the views "
          "always equal a fresh rebuild",
          "[e2e][crash]") {
    TempDir dir;
    const std::string token = admin_token(dir.path());
    KnownDeals known(6);  // one writer each
    std::mt19937_64 rng(std::random_device{}());
    const auto seed = rng();
    INFO("seed " << seed);  // the kill moments, the writers' choices, the deals sampled
    rng.seed(seed);
    std::size_t total_acked = 0;
    Checked checked;
    Verified verified;
    std::vector<double> seconds;  // each round's
    const int n = loops();
    for (int round = 1; round <= n; ++round) {
        INFO("round " << round << " of " << n);
        const auto started = std::chrono::steady_clock::now();
        const bool full = round % kFullEvery == 0 || round == n;
        if (full) {
            verified = Verified{};
        }
        auto server = start_dealsd(dir.path(), {"--kafka", "off"});
        check_after_restart(server.port, token, known, full, rng, checked);
        total_acked += load_then_kill(server, token, known, rng);
        const ChainPoint from = verified.point;
        check_store(dir.path(), verified);
        check_dealsctl_verify(dir.path(), from, verified.point);
        seconds.push_back(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    INFO("acknowledged writes: " << total_acked);
    CHECK(total_acked > static_cast<std::size_t>(n) * 50);
    std::size_t tracked = 0;
    for (const auto& deals : known) {
        tracked += deals.size();
    }
    const std::size_t tenth = std::max<std::size_t>(1, seconds.size() / 10);
    std::cout << "crash loop: " << n << " SIGKILLs, " << total_acked << " acknowledged writes, "
              << verified.point.sequence << " events, " << tracked << " deals (" << checked.gone
              << " purged), " << checked.deals
              << " GETs of a deal after the restarts; a round took " << mean(seconds, 0, tenth)
              << " s in the first tenth, " << mean(seconds, seconds.size() - tenth, seconds.size())
              << " s in the last" << std::endl;
}
