// dealsctl seed: realistic deals through the command path, the same ones for the same seed.

#include <catch2/catch.hpp>
#include <set>

#include "store/store.hpp"
#include "tests/e2e/e2e_helpers.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using deals::testing::TempDir;
using deals::testing::e2e::run_dealsctl;

namespace {

struct Seeded {
    std::vector<std::string> names;  // by id
    std::size_t won = 0, lost = 0, open = 0, with_owner = 0, non_ascii = 0;
    bool lost_have_reasons = true;
};

Seeded seed_and_read(const std::string& dir, int deals, int seed) {
    int status = 0;
    const auto line = run_dealsctl(
        dir,
        {"seed", "--deals", std::to_string(deals), "--seed", std::to_string(seed), "--no-progress"},
        status);
    INFO(line);
    REQUIRE(status == 0);
    CHECK(line.find("seeded " + std::to_string(deals) + " deals") == 0);
    auto store = store::Store::open({.data_dir = dir});
    REQUIRE(store.has_value());
    Seeded out;
    (*store)->read([&](const projections::Views& views) {
        const auto deals_by_name = views.deals_by_name(projections::Trash::kLive);
        std::vector<const projections::Deal*> by_id(deals_by_name.begin(), deals_by_name.end());
        std::sort(by_id.begin(), by_id.end(),
                  [](const auto* a, const auto* b) { return a->id < b->id; });
        for (const auto* d : by_id) {
            out.names.push_back(d->name);
            out.won += d->status == events::DealStatus::kWon;
            out.open += d->status == events::DealStatus::kOpen;
            if (d->status == events::DealStatus::kLost) {
                ++out.lost;
                out.lost_have_reasons = out.lost_have_reasons && d->lost_reason.has_value();
            }
            out.with_owner += d->user_id.has_value();
            out.non_ascii += std::any_of(d->name.begin(), d->name.end(), [](char c) {
                return static_cast<unsigned char>(c) > 127;
            });
            CHECK(d->amount.has_value());
            CHECK(d->expected_close_date.has_value());
        }
    });
    (*store)->close();
    return out;
}

}  // namespace

TEST_CASE("dealsctl seed makes varied deals, the same ones for the same seed", "[e2e]") {
    TempDir first;
    TempDir second;
    const auto a = seed_and_read(first.path() + "/data", 400, 5);
    const auto b = seed_and_read(second.path() + "/data", 400, 5);
    REQUIRE(a.names.size() == 400);
    CHECK(a.names == b.names);
    CHECK(a.won > 40);
    CHECK(a.lost > 10);
    CHECK(a.open > 200);
    CHECK(a.lost_have_reasons);
    CHECK(a.with_owner > 300);
    CHECK(a.non_ascii > 20);  // accents: José, Müller, Café, Østergaard, …
    CHECK(std::set<std::string>(a.names.begin(), a.names.end()).size() > 100);
}

TEST_CASE("dealsctl seed stops at the first refused append, after those in flight", "[e2e]") {
    TempDir dir;
    const auto data = dir.path() + "/data";
    int status = 0;
    run_dealsctl(data, {"user", "list"}, status);  // the directory, with its default pipeline
    REQUIRE(status == 0);
    // Every append refused (more free space kept than the disk has), while thousands are in
    // flight: the failure returns early, and must wait for them (the sanitizers' build would
    // see their callbacks use what no longer exists).
    const auto line = run_dealsctl(data,
                                   {"--min-free-space", "999999999", "seed", "--deals", "20000",
                                    "--owners", "0", "--no-progress"},
                                   status);
    CHECK(status == 1);
    CHECK(line.empty());  // no "seeded …"
    auto store = store::Store::open({.data_dir = data});
    REQUIRE(store.has_value());
    (*store)->read([](const projections::Views& views) {
        CHECK(views.deals_by_name(projections::Trash::kLive).empty());
    });
    (*store)->close();
}
