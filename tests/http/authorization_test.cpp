// The authorization matrix of the deal routes (issue 6; contract §1.1, §2, §3 `authorizations`,
// §8, §10, §11): super-admin, a user with `deals_scope: all`, a user with `deals_scope: own`,
// each against a deal they own, a deal someone else owns and an unowned deal, on every deal
// route. Expectations follow the contract; projections/policy.cpp is the one policy.

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;
using deals::events::DealsScope;

namespace {

constexpr const char* kNoApiAccess =
    R"({"error":"Your account is not authorized to perform API requests."})";

enum class Caller { kSuperAdmin, kScopeAll, kScopeOwn };
enum class Target { kCallers, kSomeoneElses, kUnowned };

const char* name_of(Caller c) {
    switch (c) {
        case Caller::kSuperAdmin: return "super-admin";
        case Caller::kScopeAll: return "user with deals_scope all";
        case Caller::kScopeOwn: return "user with deals_scope own";
    }
    return "?";
}

const char* name_of(Target t) {
    switch (t) {
        case Target::kCallers: return "a deal owned by the caller";
        case Target::kSomeoneElses: return "a deal owned by someone else";
        case Target::kUnowned: return "a deal without owner";
    }
    return "?";
}

/// One deal route: how to call it and what success looks like.
struct Route {
    std::string method;
    std::string prefix;  ///< the path up to the id
    std::string suffix;  ///< the path after the id
    std::string body;
    bool trashed;        ///< the target must be in the trash first
    int success;         ///< the status of an allowed call
    bool writes;         ///< an allowed call appends at least one event

    [[nodiscard]] std::string target(std::int64_t id) const {
        return prefix + std::to_string(id) + suffix;
    }
    [[nodiscard]] std::string label() const { return method + " " + prefix + "{id}" + suffix; }
};

const std::vector<Route>& deal_routes() {
    static const std::vector<Route> routes{
        {"GET", "/api/deals/", "", "", false, 200, false},
        {"PUT", "/api/deals/", "", R"({"name":"Renamed"})", false, 200, true},
        {"DELETE", "/api/deals/", "", "", false, 204, true},
        {"PUT", "/api/deals/", "/status/won", "{}", false, 200, true},
        {"GET", "/api/deals/", "/billable", "", false, 200, false},
        {"POST", "/api/deals/", "/billable",
         R"({"tax_type":"exclusive","products":[{"name":"Line","unit_price":10,"qty":1}]})", false,
         200, true},
        {"GET", "/api/associations/deals/", "", "", false, 200, false},
        {"PUT", "/api/associations/deals/", "", R"({"contacts":[5]})", false, 200, true},
        {"POST", "/api/associations/deals/", "", R"({"contacts":[2]})", false, 200, true},
        {"DELETE", "/api/associations/deals/", "", R"({"contacts":[1]})", false, 200, true},
        {"GET", "/api/trashed/deals/", "", "", true, 200, false},
        {"POST", "/api/trashed/deals/", "", "", true, 200, true},   // restore
        {"DELETE", "/api/trashed/deals/", "", "", true, 204, true},  // purge
    };
    return routes;
}

/// What the contract (§11) allows: a super-admin everything, `all` every deal, `own` only the
/// deals the caller owns. Purge has no rule of its own in §10, so it follows the same policy.
bool allowed(Caller caller, Target target) {
    return caller != Caller::kScopeOwn || target == Target::kCallers;
}

std::string not_found(std::int64_t id) {
    return R"({"message":"No query results for model [Deal] )" + std::to_string(id) + R"("})";
}

/// The server with its three callers (and one without API access); user ids are looked up.
struct World {
    TestServer server;
    std::string all_token;
    std::string own_token;
    std::string no_api_token;
    std::int64_t admin_id = 1;
    std::int64_t all_id = 0;
    std::int64_t own_id = 0;
    std::int64_t no_api_id = 0;

    World() {
        all_token = add_user_with_token(server.store(), "Alex All", "alex@example.com", false,
                                        DealsScope::kAll);
        own_token = add_user_with_token(server.store(), "Olive Own", "olive@example.com", false,
                                        DealsScope::kOwn);
        no_api_token = add_user_with_token(server.store(), "Nina NoApi", "nina@example.com",
                                           false, DealsScope::kAll, false);
        auto admin = server.client();
        const auto users = get_ok(admin, "/api/users");
        const auto& list = users.IsArray() ? static_cast<const deals::json::Value&>(users)
                                           : users["data"];
        for (const auto& user : list.GetArray()) {
            const auto email = text(user["email"]);
            const auto id = user["id"].GetInt64();
            if (email == "admin@example.com") {
                admin_id = id;
            } else if (email == "alex@example.com") {
                all_id = id;
            } else if (email == "olive@example.com") {
                own_id = id;
            } else if (email == "nina@example.com") {
                no_api_id = id;
            }
        }
        REQUIRE(all_id != 0);
        REQUIRE(own_id != 0);
        REQUIRE(no_api_id != 0);
    }

    HttpClient client_for(Caller caller) const {
        switch (caller) {
            case Caller::kSuperAdmin: return server.client();
            case Caller::kScopeAll: return server.client(all_token);
            case Caller::kScopeOwn: return server.client(own_token);
        }
        return server.client();
    }

    std::int64_t id_of(Caller caller) const {
        switch (caller) {
            case Caller::kSuperAdmin: return admin_id;
            case Caller::kScopeAll: return all_id;
            case Caller::kScopeOwn: return own_id;
        }
        return 0;
    }

    /// The `user_id` JSON of a deal for `target` seen from `caller` ("null" when unowned).
    std::string owner_for(Caller caller, Target target) const {
        switch (target) {
            case Target::kCallers: return std::to_string(id_of(caller));
            case Target::kSomeoneElses:
                // Someone else: the own-scope user for the super-admin, the admin otherwise.
                return std::to_string(caller == Caller::kSuperAdmin ? own_id : admin_id);
            case Target::kUnowned: return "null";
        }
        return "null";
    }
};

constexpr std::array<Caller, 3> kCallers{Caller::kSuperAdmin, Caller::kScopeAll,
                                         Caller::kScopeOwn};
constexpr std::array<Target, 3> kTargets{Target::kCallers, Target::kSomeoneElses,
                                         Target::kUnowned};

void check_authorizations(const deals::json::Value& deal, Caller caller, Target target,
                          const std::string& where) {
    INFO(where << ": authorizations of " << name_of(target) << " for the " << name_of(caller));
    REQUIRE(deal.IsObject());
    REQUIRE(deal.HasMember("authorizations"));
    const auto& auth = deal["authorizations"];
    CHECK(keys_of(auth) == std::vector<std::string>{"viewAny", "view", "create", "update", "delete",
                                                    "bulkDelete", "export"});
    const bool ok = allowed(caller, target);
    const bool super = caller == Caller::kSuperAdmin;
    const auto flag = [&](const char* key) {
        return auth.HasMember(key) && auth[key].IsBool() && auth[key].GetBool();
    };
    CHECK(flag("viewAny") == true);
    CHECK(flag("view") == ok);
    CHECK(flag("create") == true);
    CHECK(flag("update") == ok);
    CHECK(flag("delete") == ok);
    CHECK(flag("bulkDelete") == (ok && super));
    CHECK(flag("export") == super);
}

}  // namespace

TEST_CASE("authorization matrix: every caller x every deal x every deal route",
          "[http][authorization]") {
    World world;
    auto admin = world.server.client();
    for (const auto& route : deal_routes()) {
        for (const auto caller : kCallers) {
            for (const auto target : kTargets) {
                // A fresh target per row, so rows do not depend on each other.
                const auto id = create_named(
                    admin, "Target", R"(,"contacts":[1],"user_id":)" + world.owner_for(caller, target));
                if (route.trashed) {
                    REQUIRE(admin.del("/api/deals/" + std::to_string(id)).status == 204);
                }
                auto client = world.client_for(caller);
                const auto before = world.server.store().log().head_sequence();
                const auto res = client.request(route.method, route.target(id), route.body);
                const auto after = world.server.store().log().head_sequence();
                const bool ok = allowed(caller, target);
                const int expected = ok ? route.success : 404;

                INFO("caller: " << name_of(caller) << "; route: " << route.label() << " ("
                                << route.target(id) << " " << route.body << "); deal: "
                                << name_of(target) << " (id " << id << ", user_id "
                                << world.owner_for(caller, target) << ")");
                INFO("expected " << expected << ", got " << res.status << " " << res.body);
                CHECK(res.status == expected);
                if (ok) {
                    if (route.writes) {
                        CHECK(after > before);
                    } else {
                        CHECK(after == before);
                    }
                    // The single-record answers carry the caller's authorizations.
                    if (res.status == 200 && route.method != "GET" &&
                        route.prefix == "/api/deals/" && route.suffix != "/billable") {
                        check_authorizations(parse(res.body), caller, target, route.label());
                    }
                    if (res.status == 200 && route.prefix == "/api/trashed/deals/") {
                        check_authorizations(parse(res.body), caller, target, route.label());
                    }
                } else {
                    CHECK(res.body == not_found(id));
                    // Nothing written on a refused call.
                    CHECK(after == before);
                    // And the deal is as it was for its owner (the admin sees it).
                    const auto seen = admin.get((route.trashed ? "/api/trashed/deals/"
                                                               : "/api/deals/") +
                                                std::to_string(id));
                    CHECK(seen.status == 200);
                }
            }
        }
    }
}

TEST_CASE("authorizations in each deal JSON follow the policy for each caller",
          "[http][authorization]") {
    World world;
    auto admin = world.server.client();
    for (const auto caller : kCallers) {
        auto client = world.client_for(caller);
        for (const auto target : kTargets) {
            const auto id = create_named(admin, "Auth " + std::string(name_of(caller)),
                                         R"(,"user_id":)" + world.owner_for(caller, target));
            INFO("caller: " << name_of(caller) << "; deal: " << name_of(target) << " (id " << id
                            << ")");
            const auto res = client.get("/api/deals/" + std::to_string(id));
            INFO("GET /api/deals/" << id << " -> " << res.status << " " << res.body);
            if (!allowed(caller, target)) {
                CHECK(res.status == 404);
                CHECK(res.body == not_found(id));
                continue;
            }
            REQUIRE(res.status == 200);
            check_authorizations(parse(res.body), caller, target, "GET /api/deals/{id}");
        }
        // The deal a caller creates for themselves (POST answer).
        const auto created = client.post(
            "/api/deals",
            R"({"name":"Created","stage_id":1,"user_id":)" + std::to_string(world.id_of(caller)) +
                "}");
        INFO("caller: " << name_of(caller) << "; POST /api/deals -> " << created.status << " "
                        << created.body);
        REQUIRE(created.status == 201);
        check_authorizations(parse(created.body), caller, Target::kCallers, "POST /api/deals");
    }
}

TEST_CASE("lists, the trash and search never show an own-scope user the deals of others",
          "[http][authorization]") {
    World world;
    auto admin = world.server.client();
    // Live: one per owner; trashed: one per owner. All match q=zeta.
    std::vector<std::pair<Target, std::int64_t>> live;
    std::vector<std::pair<Target, std::int64_t>> trashed;
    const auto owner_json = [&](Target t) { return world.owner_for(Caller::kScopeOwn, t); };
    for (const auto target : kTargets) {
        live.emplace_back(target, create_named(admin, std::string("Zeta live ") + name_of(target),
                                               R"(,"user_id":)" + owner_json(target)));
        const auto gone = create_named(admin, std::string("Zeta trashed ") + name_of(target),
                                       R"(,"user_id":)" + owner_json(target));
        REQUIRE(admin.del("/api/deals/" + std::to_string(gone)).status == 204);
        trashed.emplace_back(target, gone);
    }

    for (const auto caller : kCallers) {
        auto client = world.client_for(caller);
        // What the caller should see, in creation order (names sort the same way here).
        const auto expected_ids = [&](const std::vector<std::pair<Target, std::int64_t>>& all) {
            std::vector<std::int64_t> out;
            for (const auto& [target, id] : all) {
                // The targets above were made for the own-scope user; for the others every
                // deal is allowed, which `allowed` also says for any target.
                if (caller != Caller::kScopeOwn || target == Target::kCallers) {
                    out.push_back(id);
                }
            }
            std::sort(out.begin(), out.end());
            return out;
        };
        const auto sorted_ids = [](const deals::json::Value& items) {
            auto ids = ids_of(items);
            std::sort(ids.begin(), ids.end());
            return ids;
        };
        // Authorizations of list items: the target is the own-scope user's frame; for the
        // super-admin / all user every deal is allowed, so the caller/target split only
        // matters for `own`.
        const auto item_target = [&](std::int64_t id,
                                     const std::vector<std::pair<Target, std::int64_t>>& all) {
            for (const auto& [target, tid] : all) {
                if (tid == id) {
                    return caller == Caller::kScopeOwn ? target : Target::kSomeoneElses;
                }
            }
            return Target::kUnowned;
        };
        {
            INFO("caller: " << name_of(caller) << "; GET /api/deals");
            const auto page = get_ok(client, "/api/deals");
            CHECK(sorted_ids(page["data"]) == expected_ids(live));
            CHECK(page["meta"]["total"].GetInt64() ==
                  static_cast<std::int64_t>(expected_ids(live).size()));
            for (const auto& item : page["data"].GetArray()) {
                const auto id = item["id"].GetInt64();
                check_authorizations(item, caller, item_target(id, live),
                                     "GET /api/deals item " + std::to_string(id));
            }
        }
        {
            INFO("caller: " << name_of(caller) << "; GET /api/trashed/deals");
            const auto page = get_ok(client, "/api/trashed/deals");
            CHECK(sorted_ids(page["data"]) == expected_ids(trashed));
            CHECK(page["meta"]["total"].GetInt64() ==
                  static_cast<std::int64_t>(expected_ids(trashed).size()));
            for (const auto& item : page["data"].GetArray()) {
                const auto id = item["id"].GetInt64();
                check_authorizations(item, caller, item_target(id, trashed),
                                     "GET /api/trashed/deals item " + std::to_string(id));
            }
        }
        {
            INFO("caller: " << name_of(caller) << "; GET /api/deals/search?q=zeta");
            const auto found = get_ok(client, "/api/deals/search?q=zeta");
            REQUIRE(found.IsArray());
            CHECK(sorted_ids(found) == expected_ids(live));
            for (const auto& item : found.GetArray()) {
                const auto id = item["id"].GetInt64();
                check_authorizations(item, caller, item_target(id, live),
                                     "GET /api/deals/search item " + std::to_string(id));
            }
        }
        {
            INFO("caller: " << name_of(caller) << "; GET /api/deals?q=zeta");
            const auto page = get_ok(client, "/api/deals?q=zeta");
            CHECK(sorted_ids(page["data"]) == expected_ids(live));
            CHECK(page["meta"]["total"].GetInt64() ==
                  static_cast<std::int64_t>(expected_ids(live).size()));
        }
    }
}

TEST_CASE("a user without API access gets 403 on every deal route and nothing is written",
          "[http][authorization]") {
    World world;
    auto admin = world.server.client();
    auto nina = world.server.client(world.no_api_token);
    // Her own deal: even that is refused.
    const auto id =
        create_named(admin, "Ninas", R"(,"contacts":[1],"user_id":)" + std::to_string(world.no_api_id));
    const auto gone =
        create_named(admin, "Ninas trashed", R"(,"user_id":)" + std::to_string(world.no_api_id));
    REQUIRE(admin.del("/api/deals/" + std::to_string(gone)).status == 204);

    std::vector<Route> routes = deal_routes();
    routes.push_back({"GET", "/api/deals", "", "", false, 200, false});
    routes.push_back({"GET", "/api/trashed/deals", "", "", false, 200, false});
    routes.push_back({"GET", "/api/deals/search?q=ninas", "", "", false, 200, false});
    for (const auto& route : routes) {
        const bool listing = route.prefix.back() != '/';
        const std::string target =
            listing ? route.prefix : route.target(route.trashed ? gone : id);
        const auto before = world.server.store().log().head_sequence();
        const auto res = nina.request(route.method, target, route.body);
        INFO("caller: user with access_api false; route: " << route.method << " " << target
                                                            << "; deal: her own; got "
                                                            << res.status << " " << res.body);
        CHECK(res.status == 403);
        CHECK(res.body == kNoApiAccess);
        CHECK(world.server.store().log().head_sequence() == before);
    }
    {
        const auto before = world.server.store().log().head_sequence();
        const auto res = nina.post("/api/deals", R"({"name":"Nope","stage_id":1})");
        INFO("caller: user with access_api false; route: POST /api/deals; got " << res.status << " "
                                                                               << res.body);
        CHECK(res.status == 403);
        CHECK(res.body == kNoApiAccess);
        CHECK(world.server.store().log().head_sequence() == before);
    }
}
