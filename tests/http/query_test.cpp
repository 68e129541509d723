// The deals query language on GET /api/deals, /api/deals/search and /api/trashed/deals:
// select, with, q, search_fields, search_match, take (contract §4.3, §4.4).
//
// The seeded pipeline 1 "Sales Pipeline" has stages 1-5: Qualified To Buy, Contact Made,
// Presentation Scheduled, Proposal Made, Appointment Scheduled. The admin is user 1 "Admin".
// Search terms below are chosen so that they do not occur in those names by accident.

#include <algorithm>
#include <catch2/catch.hpp>
#include <string_view>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;
using Ids = std::vector<std::int64_t>;
using Keys = std::vector<std::string>;
using Query = std::multimap<std::string, std::string>;

namespace {

constexpr const char* kInvalidSearchFields = "Invalid search fields.";
constexpr const char* kNoneAccepted =
    "None of the search fields were accepted. Acceptable search fields are: "
    "id,name,pipeline.name,pipeline_id,stage.name,stage_id,amount,status,lost_reason,user.name,"
    "user_id";

/// Percent-decodes a query component ('+' is a space).
std::string dec(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size()) {
            out.push_back(
                static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(in[i] == '+' ? ' ' : in[i]);
        }
    }
    return out;
}

/// The decoded query parameters of a link URL.
Query decoded_query(const std::string& url) {
    Query out;
    for (const auto& [k, v] : query_of(url)) {
        out.emplace(dec(k), dec(v));
    }
    return out;
}


Keys sorted_keys(const deals::json::Value& object) {
    auto keys = keys_of(object);
    std::sort(keys.begin(), keys.end());
    return keys;
}

/// Makes a deal lost with `reason`.
void lose(HttpClient& client, std::int64_t id, const std::string& reason) {
    const auto res =
        client.put(deal_url(id), R"({"status":"lost","lost_reason":")" + reason + R"("})");
    INFO(res.body);
    REQUIRE(res.status == 200);
}

void win(HttpClient& client, std::int64_t id) {
    const auto res = client.put(deal_url(id), R"({"status":"won"})");
    INFO(res.body);
    REQUIRE(res.status == 200);
}

}  // namespace

// 1 -------------------------------------------------------------------------------------------

TEST_CASE("select keeps only the named keys plus id; an unknown key is a 422 on select",
          "[http][query]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "Alpha", R"(,"amount":10)");
    create_named(client, "Bravo");

    const auto page = get_ok(client, "/api/deals?select=name;amount");
    REQUIRE(page["data"].Size() == 2);
    for (const auto& item : page["data"].GetArray()) {
        INFO("item keys: " << Catch::Detail::stringify(keys_of(item)));
        CHECK(sorted_keys(item) == Keys{"amount", "id", "name"});
        CHECK(item.HasMember("id"));
    }
    CHECK(names_of(page["data"]) == Keys{"Alpha", "Bravo"});
    CHECK(page["meta"]["total"].GetInt64() == 2);

    check_422_on(client, "/api/deals?select=name;bogus", "select");
    check_422_on(client, "/api/deals/search?q=alpha&select=name;bogus", "select");

    const auto found = search(client, "q=alpha&select=name;amount");
    REQUIRE(found.Size() == 1);
    INFO("item keys: " << Catch::Detail::stringify(keys_of(found[0])));
    CHECK(sorted_keys(found[0]) == Keys{"amount", "id", "name"});
    CHECK(text(found[0]["name"]) == "Alpha");
}

// 2 -------------------------------------------------------------------------------------------

TEST_CASE("with=billable embeds the billable in list items; an unknown relation is a 422",
          "[http][query]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "Alpha");

    const auto plain = get_ok(client, "/api/deals");
    CHECK_FALSE(plain["data"][0].HasMember("billable"));
    const auto with = get_ok(client, "/api/deals?with=billable");
    REQUIRE(with["data"].Size() == 1);
    CHECK(with["data"][0].HasMember("billable"));
    CHECK(with["data"][0]["billable"].IsObject());

    check_422_on(client, "/api/deals?with=bogus", "with");
}

// 3 -------------------------------------------------------------------------------------------

TEST_CASE("q matches names as a substring ignoring case and accents both ways", "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto jose_nunez = create_named(client,
                                         "Jos\xC3\xA9 N\xC3\xBA\xC3\xB1"
                                         "ez");  // José Núñez
    const auto muller = create_named(client,
                                     "M\xC3\x9C"
                                     "LLER GmbH");  // MÜLLER GmbH
    const auto jose = create_named(client, "jose");
    create_named(client, "Other thing");

    CHECK(found(client, "jose") == Ids{jose, jose_nunez});
    CHECK(found(client, "NUNEZ") == Ids{jose_nunez});
    CHECK(found(client, "muller") == Ids{muller});
    CHECK(found(client, "ller gm") == Ids{muller});
    CHECK(found(client, "Jos\xC3\xA9") == Ids{jose, jose_nunez});  // José
    CHECK(found(client, "\xC3\xBA\xC3\xB1") == Ids{jose_nunez});   // úñ
    CHECK(found(client, "nothing like it").empty());
}

TEST_CASE("q matches stage, pipeline and owner names", "[http][query]") {
    TestServer server;
    add_user_with_token(server.store(), "Nakamura Ken", "ken@example.com", false,
                        deals::events::DealsScope::kAll);  // user 2
    auto client = server.client();
    const auto alpha = create_named(client, "Alpha");  // Qualified To Buy
    const auto bravo = create_deal(client, R"({"name":"Bravo","stage_id":3})")["id"].GetInt64();
    const auto charlie = create_deal(client, R"({"name":"Charlie","stage_id":4})")["id"].GetInt64();
    const auto delta = create_named(client, "Delta", R"(,"user_id":2)");
    const auto echo = create_named(client, "Echo", R"(,"user_id":1)");

    // stage.name like
    CHECK(found(client, "presentation") == Ids{bravo});
    CHECK(found(client, "PROPOSAL") == Ids{charlie});
    CHECK(found(client, "tion sched") == Ids{bravo});
    CHECK(found(client, "qualified") == Ids{alpha, delta, echo});
    // pipeline.name like
    CHECK(found(client, "sales pipeline") == Ids{alpha, bravo, charlie, delta, echo});
    // user.name like
    CHECK(found(client, "nakamura") == Ids{delta});
    CHECK(found(client, "ADMIN") == Ids{echo});
}

TEST_CASE("q matches the status by its name and the lost reason", "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto alpha = create_named(client, "Alpha");
    const auto bravo = create_named(client, "Bravo");
    const auto charlie = create_named(client, "Charlie");
    const auto delta = create_named(client, "Delta");
    win(client, bravo);
    lose(client, charlie, "Too expensive");
    win(client, delta);

    CHECK(found(client, "won") == Ids{bravo, delta});
    CHECK(found(client, "WON") == Ids{bravo, delta});
    CHECK(found(client, "lost") == Ids{charlie});
    CHECK(found(client, "open") == Ids{alpha});
    CHECK(found(client, "expens") == Ids{charlie});
    CHECK(found(client, "TOO EXPENSIVE") == Ids{charlie});
}

TEST_CASE("a numeric q matches ids, amounts, stage, pipeline and owner ids and names",
          "[http][query]") {
    TestServer server;
    add_user_with_token(server.store(), "Second User", "second@example.com", false,
                        deals::events::DealsScope::kAll);  // user 2
    add_user_with_token(server.store(), "Third User", "third@example.com", false,
                        deals::events::DealsScope::kAll);  // user 3
    auto client = server.client();
    const auto by_amount = create_named(client, "Alpha", R"(,"amount":3)");  // 1
    const auto by_stage = create_deal(client, R"({"name":"Bravo","stage_id":3})")["id"].GetInt64();
    const auto by_id = create_named(client, "Charlie");                     // 3
    const auto by_name = create_named(client, "Room 305");                  // 4
    const auto by_owner = create_named(client, "Echo", R"(,"user_id":3)");  // 5
    const auto other1 =
        create_deal(client, R"({"name":"Foxtrot","stage_id":2,"amount":30})")["id"].GetInt64();
    const auto other2 = create_named(client, "Golf", R"(,"amount":3.5)");  // 7
    REQUIRE(by_id == 3);

    CHECK(found(client, "3") == Ids{by_amount, by_stage, by_id, by_owner, by_name});
    const auto page = get_ok(client, "/api/deals?q=3&per_page=2");
    CHECK(ids_of(page["data"]) == Ids{by_amount, by_stage});
    CHECK(page["meta"]["total"].GetInt64() == 5);
    CHECK(page["meta"]["last_page"].GetInt64() == 3);

    // Each field on its own.
    CHECK(found(client, "3", "&search_fields=id") == Ids{by_id});
    CHECK(found(client, "3", "&search_fields=amount") == Ids{by_amount});
    CHECK(found(client, "3.5", "&search_fields=amount") == Ids{other2});
    CHECK(found(client, "3", "&search_fields=stage_id") == Ids{by_stage});
    CHECK(found(client, "3", "&search_fields=user_id") == Ids{by_owner});
    CHECK(found(client, "3", "&search_fields=name") == Ids{by_name});
    CHECK(found(client, "1", "&search_fields=pipeline_id") ==
          Ids{by_amount, by_stage, by_id, by_owner, other1, other2, by_name});
    CHECK(found(client, "3", "&search_fields=pipeline_id").empty());
}

// 4 -------------------------------------------------------------------------------------------

TEST_CASE("a non-numeric q skips numeric fields; none left is a 422", "[http][query]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "abc deal");
    check_refused(client, "/api/deals?q=abc&search_fields=id", 422, kInvalidSearchFields);
    check_refused(client, "/api/deals?q=abc&search_fields=id;amount;user_id", 422,
                  kInvalidSearchFields);
    check_refused(client, "/api/deals/search?q=abc&search_fields=stage_id", 422,
                  kInvalidSearchFields);
    // With a text field among them the numeric ones are skipped quietly.
    CHECK(found(client, "abc", "&search_fields=id;name") == Ids{1});
}

// 5 -------------------------------------------------------------------------------------------

TEST_CASE("search_fields with no searchable field is a 403 listing the acceptable ones",
          "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Alpha");
    check_refused(client, "/api/deals?q=alpha&search_fields=bogus", 403, kNoneAccepted);
    check_refused(client, "/api/deals?q=alpha&search_fields=email:like;phones.number:=", 403,
                  kNoneAccepted);
    check_refused(client, "/api/deals/search?q=alpha&search_fields=bogus", 403, kNoneAccepted);
    // One accepted name is enough.
    CHECK(found(client, "alpha", "&search_fields=name;bogus") == Ids{id});
}

// 6 -------------------------------------------------------------------------------------------

TEST_CASE("search_fields picks the fields and their operators", "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto alpha = create_named(client, "Alpha");         // 1
    const auto soup = create_named(client, "alphabet soup");  // 2
    const auto bravo = create_named(client, "Bravo");         // 3
    const auto charlie =
        create_deal(client, R"({"name":"Charlie","stage_id":3})")["id"].GetInt64();  // 4
    const auto accented = create_named(client, "\xC3\x84lpha");                      // Älpha, 5
    lose(client, bravo, "alpha reasons");

    // Unrestricted, the lost reason matches too.
    CHECK(found(client, "alpha") == Ids{alpha, accented, soup, bravo});

    // = is whole-value equality, ignoring case and accents.
    CHECK(found(client, "ALPHA", "&search_fields=name:=") == Ids{alpha, accented});
    CHECK(found(client, "\xC3\xA1lpha", "&search_fields=name:=") == Ids{alpha, accented});  // álpha
    CHECK(found(client, "alph", "&search_fields=name:=").empty());
    // like is a substring match.
    CHECK(found(client, "alpha", "&search_fields=name:like") == Ids{alpha, accented, soup});
    CHECK(found(client, "alpha", "&search_fields=name") == Ids{alpha, accented, soup});
    // in splits on commas, trims and drops empty entries.
    CHECK(found(client, "1,3", "&search_fields=id:in") == Ids{alpha, bravo});
    CHECK(found(client, " 1 , ,3 ,", "&search_fields=id:in") == Ids{alpha, bravo});
    // Only the named fields are searched.
    CHECK(found(client, "alpha", "&search_fields=name;stage.name") == Ids{alpha, accented, soup});
    CHECK(found(client, "presentation", "&search_fields=name;stage.name") == Ids{charlie});
    CHECK(found(client, "reasons", "&search_fields=name;stage.name").empty());
    CHECK(found(client, "reasons", "&search_fields=lost_reason") == Ids{bravo});
}

// 7 -------------------------------------------------------------------------------------------

TEST_CASE("q of the form field:value;field:value searches each field for its own value",
          "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto alpha1 = create_named(client, "alpha one");
    const auto bravo = create_named(client, "bravo");
    const auto alpha2 = create_named(client, "alpha two");
    create_named(client, "charlie");
    const auto delta = create_named(client, "delta");
    const auto url = create_named(client, "Visit http://x.example today");
    win(client, bravo);
    win(client, alpha2);
    lose(client, delta, "alpha budget");

    // OR by default; fields not named in q are not searched (delta's lost reason has alpha).
    CHECK(found(client, "name:alpha;status:won") == Ids{alpha1, alpha2, bravo});
    for (const char* match : {"and", "AND", "And"}) {
        INFO("search_match=" << match);
        CHECK(found(client, "name:alpha;status:won", std::string("&search_match=") + match) ==
              Ids{alpha2});
    }
    CHECK(found(client, "name:alpha") == Ids{alpha1, alpha2});
    CHECK(found(client, "lost_reason:budget") == Ids{delta});
    // A segment without ':' is ignored.
    CHECK(found(client, "name:alpha;junk") == Ids{alpha1, alpha2});
    // A URL is a plain value, not field:value.
    CHECK(found(client, "http://x.example") == Ids{url});
}

// 8 -------------------------------------------------------------------------------------------

TEST_CASE("conditions on several fields are OR-ed unless search_match=and", "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto alpha = create_named(client, "Alpha");
    const auto bravo = create_named(client, "Bravo");
    const auto both = create_named(client, "alpha deal");
    lose(client, bravo, "alpha budget");
    lose(client, both, "alpha gone");

    const std::string fields = "&search_fields=name;lost_reason";
    CHECK(found(client, "alpha", fields) == Ids{alpha, both, bravo});
    CHECK(found(client, "alpha", fields + "&search_match=or") == Ids{alpha, both, bravo});
    CHECK(found(client, "alpha", fields + "&search_match=and") == Ids{both});
    CHECK(found(client, "alpha", fields + "&search_match=AND") == Ids{both});
}

// 9 -------------------------------------------------------------------------------------------

TEST_CASE("q combines with order, select and pagination; links keep the query", "[http][query]") {
    TestServer server;
    auto client = server.client();
    for (int i = 1; i <= 7; ++i) {  // ids 1-7, amounts 10-70
        create_named(client, "Match " + std::to_string(i),
                     R"(,"amount":)" + std::to_string(i * 10));
    }
    create_named(client, "Other", R"(,"amount":15)");
    create_named(client, "Another", R"(,"amount":25)");

    const std::string query = "q=match&order=amount|desc&select=name;amount&per_page=3";
    const auto page = get_ok(client, "/api/deals?" + query + "&page=2");
    CHECK(ids_of(page["data"]) == Ids{4, 3, 2});
    const auto& meta = page["meta"];
    CHECK(meta["total"].GetInt64() == 7);
    CHECK(meta["last_page"].GetInt64() == 3);
    CHECK(meta["current_page"].GetInt64() == 2);
    CHECK(meta["from"].GetInt64() == 4);
    CHECK(meta["to"].GetInt64() == 6);
    for (const auto& item : page["data"].GetArray()) {
        CHECK(sorted_keys(item) == Keys{"amount", "id", "name"});
    }
    auto expect = [&](const deals::json::Value& link, const std::string& n) {
        REQUIRE(link.IsString());
        INFO("link " << text(link));
        CHECK(decoded_query(text(link)) == Query{{"q", "match"},
                                                 {"order", "amount|desc"},
                                                 {"select", "name;amount"},
                                                 {"per_page", "3"},
                                                 {"page", n}});
    };
    expect(page["links"]["first"], "1");
    expect(page["links"]["prev"], "1");
    expect(page["links"]["next"], "3");
    expect(page["links"]["last"], "3");

    const auto last = get_ok(client, "/api/deals?" + query + "&page=3");
    CHECK(ids_of(last["data"]) == Ids{1});
    CHECK(last["meta"]["total"].GetInt64() == 7);
    CHECK(last["links"]["next"].IsNull());

    const auto past = get_ok(client, "/api/deals?" + query + "&page=9");
    CHECK(past["data"].Empty());
    CHECK(past["meta"]["from"].IsNull());
    CHECK(past["meta"]["to"].IsNull());
    CHECK(past["meta"]["total"].GetInt64() == 7);
    CHECK(past["meta"]["last_page"].GetInt64() == 3);
}

TEST_CASE("a q that matches nothing gives an empty first and last page", "[http][query]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "Alpha");
    const auto page = get_ok(client, "/api/deals?q=zzz");
    CHECK(page["data"].IsArray());
    CHECK(page["data"].Empty());
    const auto& meta = page["meta"];
    CHECK(meta["total"].GetInt64() == 0);
    CHECK(meta["current_page"].GetInt64() == 1);
    CHECK(meta["last_page"].GetInt64() == 1);
    CHECK(meta["from"].IsNull());
    CHECK(meta["to"].IsNull());
}

// 10 ------------------------------------------------------------------------------------------

TEST_CASE("a user who sees only own deals finds and counts only those", "[http][query]") {
    TestServer server;
    const auto token = add_user_with_token(server.store(), "Olive", "olive@example.com", false,
                                           deals::events::DealsScope::kOwn);  // user 2
    auto admin = server.client();
    const auto admins = create_named(admin, "Match admin", R"(,"user_id":1)");
    const auto hers = create_named(admin, "Match olive", R"(,"user_id":2)");
    create_named(admin, "Other olive", R"(,"user_id":2)");
    create_named(admin, "Match nobody");

    auto olive = server.client(token);
    const auto page = get_ok(olive, "/api/deals?q=match");
    CHECK(ids_of(page["data"]) == Ids{hers});
    CHECK(page["meta"]["total"].GetInt64() == 1);
    CHECK(page["meta"]["last_page"].GetInt64() == 1);
    // Matches by owner name or id still stay hidden.
    CHECK(found(olive, "admin").empty());
    CHECK(found(olive, std::to_string(admins), "&search_fields=id").empty());
    CHECK(ids_of(search(olive, "q=match")) == Ids{hers});

    CHECK(get_ok(admin, "/api/deals?q=match")["meta"]["total"].GetInt64() == 3);
}

// 11 ------------------------------------------------------------------------------------------

TEST_CASE("GET /api/deals/search answers a bare array in name order", "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto bravo = create_named(client, "Zed bravo");
    const auto alpha1 = create_named(client, "Zed Alpha");
    const auto alpha2 = create_named(client, "zed alpha");
    const auto charlie = create_named(client, "Zed charlie");
    create_named(client, "Nope");

    const auto res = client.get("/api/deals/search?q=zed");
    INFO(res.body);
    REQUIRE(res.status == 200);
    CHECK((!res.body.empty() && res.body.front() == '['));
    const auto found = parse(res.body);
    REQUIRE(found.IsArray());
    CHECK(ids_of(found) == Ids{alpha1, alpha2, bravo, charlie});
    for (const auto& item : found.GetArray()) {
        CHECK(item.HasMember("contacts"));
        CHECK(item.HasMember("companies"));
        if (item.HasMember("contacts")) {
            CHECK(item["contacts"].IsArray());
        }
        if (item.HasMember("companies")) {
            CHECK(item["companies"].IsArray());
        }
        CHECK(item.HasMember("stage"));
        CHECK(item.HasMember("authorizations"));
    }

    CHECK(ids_of(search(client, "q=zed&order=id|desc")) == Ids{charlie, alpha2, alpha1, bravo});
    CHECK(ids_of(search(client, "q=zed&take=2")) == Ids{alpha1, alpha2});
    CHECK(ids_of(search(client, "q=zed&page=2&per_page=1")) == Ids{alpha1, alpha2, bravo, charlie});
    CHECK(search(client, "q=nothing%20here").Empty());
}

TEST_CASE("GET /api/deals/search with an empty or missing q answers []", "[http][query]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "Alpha");
    for (const char* target :
         {"/api/deals/search", "/api/deals/search?q=", "/api/deals/search?q=&take=5"}) {
        const auto res = client.get(target);
        INFO(target << " -> " << res.status << " " << res.body);
        CHECK(res.status == 200);
        CHECK(res.body == "[]");
    }
}

TEST_CASE("/api/deals/search is not read as a deal id", "[http][query]") {
    TestServer server;
    auto client = server.client();
    create_named(client, "Alpha");
    const auto res = client.get("/api/deals/search?q=alpha");
    INFO(res.status << " " << res.body);
    CHECK(res.status == 200);
    CHECK(res.body.find("No query results") == std::string::npos);
    CHECK((!res.body.empty() && res.body.front() == '['));
}

// 12 ------------------------------------------------------------------------------------------

TEST_CASE("the trash is searched on its own; lists and search never show trashed deals",
          "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto keep = create_named(client, "Keep alpha");
    const auto gone_alpha = create_named(client, "Trash alpha");
    const auto gone_bravo = create_named(client, "Trash bravo");
    REQUIRE(client.del(deal_url(gone_alpha)).status == 204);
    REQUIRE(client.del(deal_url(gone_bravo)).status == 204);

    const auto trash = get_ok(client, "/api/trashed/deals?q=alpha");
    CHECK(ids_of(trash["data"]) == Ids{gone_alpha});
    CHECK(trash["meta"]["total"].GetInt64() == 1);
    CHECK(ids_of(get_ok(client, "/api/trashed/deals?q=trash")["data"]) ==
          Ids{gone_alpha, gone_bravo});
    CHECK(get_ok(client, "/api/trashed/deals?q=keep")["data"].Empty());

    const auto live = get_ok(client, "/api/deals?q=alpha");
    CHECK(ids_of(live["data"]) == Ids{keep});
    CHECK(live["meta"]["total"].GetInt64() == 1);
    CHECK(found(client, "trash").empty());
    CHECK(search(client, "q=trash").Empty());
    CHECK(ids_of(search(client, "q=alpha")) == Ids{keep});
}

// 13 ------------------------------------------------------------------------------------------

TEST_CASE("searches see renames, trash and restore at once", "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto id = create_named(client, "Old title");
    create_named(client, "Bystander");
    REQUIRE(client.put(deal_url(id), R"({"name":"Fresh title"})").status == 200);

    CHECK(found(client, "fresh") == Ids{id});
    CHECK(found(client, "old").empty());
    CHECK(ids_of(search(client, "q=fresh")) == Ids{id});
    CHECK(search(client, "q=old").Empty());

    REQUIRE(client.del(deal_url(id)).status == 204);
    CHECK(found(client, "fresh").empty());
    CHECK(search(client, "q=fresh").Empty());

    REQUIRE(client.post("/api/trashed/deals/" + std::to_string(id), "").status == 200);
    CHECK(found(client, "fresh") == Ids{id});
}

// 14 ------------------------------------------------------------------------------------------

TEST_CASE("% and _ in q are matched literally", "[http][query]") {
    TestServer server;
    auto client = server.client();
    const auto percent = create_named(client, "50% off deal");
    create_named(client, "500 units");
    const auto underscore = create_named(client, "a_c widget");
    create_named(client, "abc widget");

    CHECK(found(client, "50%") == Ids{percent});
    CHECK(found(client, "%") == Ids{percent});
    CHECK(found(client, "a_c") == Ids{underscore});
    CHECK(ids_of(search(client, "q=" + enc("50%"))) == Ids{percent});
}
