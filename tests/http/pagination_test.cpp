// GET /api/deals: order, visibility in totals and the Laravel pagination body (contract §4.1).

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <optional>

#include "tests/http/http_test_helpers.hpp"

using namespace deals::testing;
using namespace deals::testing::http_tests;
using Query = std::multimap<std::string, std::string>;

namespace {

std::vector<std::string> sorted_copy(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

/// Creates `n` deals named `Deal 001`..`Deal nnn` (so name order is id order).
void create_numbered(HttpClient& client, int n) {
    for (int i = 1; i <= n; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "Deal %03d", i);
        create_named(client, name);
    }
}

struct Link {
    std::optional<std::string> url;
    std::string label;
    bool active;
    friend bool operator==(const Link&, const Link&) = default;
};

std::vector<Link> meta_links(const deals::json::Value& meta) {
    std::vector<Link> out;
    for (const auto& l : meta["links"].GetArray()) {
        out.push_back({l["url"].IsNull() ? std::nullopt : std::optional(text(l["url"])),
                       text(l["label"]), l["active"].GetBool()});
    }
    return out;
}

std::vector<std::string> labels(const deals::json::Value& meta) {
    std::vector<std::string> out;
    for (const auto& l : meta_links(meta)) {
        out.push_back(l.label);
    }
    return out;
}

/// The `page` query parameter of a link URL.
std::string page_of(const std::string& url) {
    const auto q = query_of(url);
    const auto it = q.find("page");
    return it == q.end() ? "<none>" : it->second;
}

}  // namespace

TEST_CASE("deals are listed by name ignoring case and accents, ties by id", "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    const auto bravo = create_named(client, "Bravo");
    const auto asa = create_named(client, "\xC3\x85sa");  // Åsa
    const auto alpha = create_named(client, "alpha");
    const auto charlie = create_named(client, "charlie");
    const auto same2 = create_named(client, "Same");
    const auto same1 = create_named(client, "same");
    const auto eclair = create_named(client,
                                     "\xC3\xA9"
                                     "clair");  // éclair
    const auto delta = create_named(client, "Delta");
    const auto downing = create_named(client, "10 Downing");
    const auto apple = create_named(client, "\xC3\x84pple");  // Äpple

    const auto page = get_ok(client, "/api/deals");
    CHECK(ids_of(page["data"]) == std::vector<std::int64_t>{downing, alpha, apple, asa, bravo,
                                                            charlie, delta, eclair, same2, same1});
    CHECK(page["meta"]["total"].GetInt64() == 10);
}

TEST_CASE("renaming a deal moves it in the list order", "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    const auto a = create_named(client, "Alpha");
    const auto b = create_named(client, "Bravo");
    REQUIRE(client.put("/api/deals/" + std::to_string(a), R"({"name":"Zulu"})").status == 200);
    CHECK(ids_of(get_ok(client, "/api/deals")["data"]) == std::vector<std::int64_t>{b, a});
}

TEST_CASE("an empty list has one page and null from and to", "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    const auto page = get_ok(client, "/api/deals");
    CHECK(page["data"].IsArray());
    CHECK(page["data"].Empty());
    const auto& meta = page["meta"];
    CHECK(meta["current_page"].GetInt64() == 1);
    CHECK(meta["from"].IsNull());
    CHECK(meta["to"].IsNull());
    CHECK(meta["last_page"].GetInt64() == 1);
    CHECK(meta["per_page"].GetInt64() == 15);
    CHECK(meta["total"].GetInt64() == 0);
    CHECK(labels(meta) == std::vector<std::string>{"Previous", "1", "Next"});
}

TEST_CASE("the list body has the Laravel pagination keys", "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    create_numbered(client, 3);
    const auto res = client.get("/api/deals");
    REQUIRE(res.status == 200);
    const auto page = parse(res.body);
    CHECK(keys_of(page) == std::vector<std::string>{"data", "links", "meta"});
    CHECK(sorted_copy(keys_of(page["links"])) == sorted_copy({"first", "last", "prev", "next"}));
    CHECK(sorted_copy(keys_of(page["meta"])) ==
          sorted_copy(
              {"current_page", "from", "last_page", "links", "path", "per_page", "to", "total"}));
    const auto& meta = page["meta"];
    CHECK(meta["current_page"].GetInt64() == 1);
    CHECK(meta["from"].GetInt64() == 1);
    CHECK(meta["to"].GetInt64() == 3);
    CHECK(meta["last_page"].GetInt64() == 1);
    CHECK(meta["per_page"].GetInt64() == 15);
    CHECK(meta["total"].GetInt64() == 3);
    const std::string path = text(meta["path"]);
    CHECK(path.starts_with("http"));
    CHECK(path.ends_with("/api/deals"));
    CHECK(path.find('?') == std::string::npos);

    const auto& links = page["links"];
    CHECK(path_of(text(links["first"])) == path);
    CHECK(page_of(text(links["first"])) == "1");
    CHECK(page_of(text(links["last"])) == "1");
    CHECK(links["prev"].IsNull());
    CHECK(links["next"].IsNull());
    CHECK(meta_links(meta) == std::vector<Link>{{std::nullopt, "Previous", false},
                                                {text(links["first"]), "1", true},
                                                {std::nullopt, "Next", false}});
}

TEST_CASE("per_page splits the list into pages with from, to and links", "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    create_numbered(client, 5);

    const auto first = get_ok(client, "/api/deals?per_page=2");
    CHECK(ids_of(first["data"]) == std::vector<std::int64_t>{1, 2});
    CHECK(first["meta"]["from"].GetInt64() == 1);
    CHECK(first["meta"]["to"].GetInt64() == 2);
    CHECK(first["meta"]["last_page"].GetInt64() == 3);
    CHECK(first["meta"]["per_page"].GetInt64() == 2);
    CHECK(first["meta"]["total"].GetInt64() == 5);
    CHECK(first["links"]["prev"].IsNull());
    CHECK(page_of(text(first["links"]["next"])) == "2");
    CHECK(page_of(text(first["links"]["last"])) == "3");
    CHECK(labels(first["meta"]) == std::vector<std::string>{"Previous", "1", "2", "3", "Next"});

    const auto middle = get_ok(client, "/api/deals?per_page=2&page=2");
    CHECK(ids_of(middle["data"]) == std::vector<std::int64_t>{3, 4});
    CHECK(middle["meta"]["current_page"].GetInt64() == 2);
    CHECK(middle["meta"]["from"].GetInt64() == 3);
    CHECK(middle["meta"]["to"].GetInt64() == 4);
    CHECK(page_of(text(middle["links"]["prev"])) == "1");
    CHECK(page_of(text(middle["links"]["next"])) == "3");
    const auto links = meta_links(middle["meta"]);
    REQUIRE(links.size() == 5);
    CHECK(links[0].url == text(middle["links"]["prev"]));
    CHECK(links[2].active);
    CHECK_FALSE(links[1].active);
    CHECK(links[4].url == text(middle["links"]["next"]));

    const auto last = get_ok(client, "/api/deals?per_page=2&page=3");
    CHECK(ids_of(last["data"]) == std::vector<std::int64_t>{5});
    CHECK(last["meta"]["from"].GetInt64() == 5);
    CHECK(last["meta"]["to"].GetInt64() == 5);
    CHECK(last["links"]["next"].IsNull());
    CHECK(meta_links(last["meta"]).back() == Link{std::nullopt, "Next", false});
}

TEST_CASE("a page past the end is empty with null from and to and correct totals",
          "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    create_numbered(client, 3);
    const auto page = get_ok(client, "/api/deals?per_page=2&page=9");
    CHECK(page["data"].Empty());
    const auto& meta = page["meta"];
    CHECK(meta["current_page"].GetInt64() == 9);
    CHECK(meta["from"].IsNull());
    CHECK(meta["to"].IsNull());
    CHECK(meta["last_page"].GetInt64() == 2);
    CHECK(meta["total"].GetInt64() == 3);
    CHECK(page_of(text(page["links"]["prev"])) == "8");
    CHECK(page["links"]["next"].IsNull());
}

TEST_CASE("per_page above 100 is clamped to 100", "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    create_numbered(client, 101);
    const auto page = get_ok(client, "/api/deals?per_page=500");
    CHECK(page["meta"]["per_page"].GetInt64() == 100);
    CHECK(page["data"].Size() == 100);
    CHECK(page["meta"]["last_page"].GetInt64() == 2);
    CHECK(page["meta"]["total"].GetInt64() == 101);
    const auto second = get_ok(client, "/api/deals?per_page=500&page=2");
    CHECK(ids_of(second["data"]) == std::vector<std::int64_t>{101});
}

TEST_CASE("a zero, missing or non-numeric per_page means 15 and a bad page means 1",
          "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    create_numbered(client, 16);
    for (const char* query : {"", "?per_page=0", "?per_page=abc", "?per_page=", "?page=0",
                              "?page=-3", "?page=abc", "?page=1.5"}) {
        INFO("query " << query);
        const auto page = get_ok(client, std::string("/api/deals") + query);
        CHECK(page["meta"]["per_page"].GetInt64() == 15);
        CHECK(page["meta"]["current_page"].GetInt64() == 1);
        CHECK(page["data"].Size() == 15);
        CHECK(page["meta"]["last_page"].GetInt64() == 2);
    }
}

TEST_CASE("pagination links keep the other query parameters and change only page",
          "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    create_numbered(client, 5);
    const auto page = get_ok(client, "/api/deals?per_page=2&foo=bar&page=2&x=1");
    const std::string path = text(page["meta"]["path"]);
    auto expect = [&](const std::string& url, const std::string& n) {
        INFO("url " << url);
        CHECK(path_of(url) == path);
        CHECK(query_of(url) == Query{{"per_page", "2"}, {"foo", "bar"}, {"x", "1"}, {"page", n}});
    };
    expect(text(page["links"]["first"]), "1");
    expect(text(page["links"]["last"]), "3");
    expect(text(page["links"]["prev"]), "1");
    expect(text(page["links"]["next"]), "3");
    for (const auto& link : meta_links(page["meta"])) {
        if (link.url) {
            expect(*link.url, link.label == "Previous" ? "1"
                              : link.label == "Next"   ? "3"
                                                       : link.label);
        }
    }
}

TEST_CASE("many pages show Laravel's window of links around the current page",
          "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    create_numbered(client, 20);
    using Labels = std::vector<std::string>;
    const auto near_start = get_ok(client, "/api/deals?per_page=1&page=2");
    CHECK(labels(near_start["meta"]) == Labels{"Previous", "1", "2", "3", "4", "5", "6", "7", "8",
                                               "9", "10", "...", "19", "20", "Next"});
    const auto middle = get_ok(client, "/api/deals?per_page=1&page=10");
    CHECK(labels(middle["meta"]) == Labels{"Previous", "1", "2", "...", "7", "8", "9", "10", "11",
                                           "12", "13", "...", "19", "20", "Next"});
    const auto near_end = get_ok(client, "/api/deals?per_page=1&page=18");
    CHECK(labels(near_end["meta"]) == Labels{"Previous", "1", "2", "...", "11", "12", "13", "14",
                                             "15", "16", "17", "18", "19", "20", "Next"});
    for (const auto& link : meta_links(middle["meta"])) {
        if (link.label == "...") {
            CHECK_FALSE(link.url.has_value());
            CHECK_FALSE(link.active);
        }
        CHECK(link.active == (link.label == "10"));
    }
}

TEST_CASE("thirteen pages are all listed", "[http][pagination]") {
    TestServer server;
    auto client = server.client();
    create_numbered(client, 13);
    const auto page = get_ok(client, "/api/deals?per_page=1&page=7");
    CHECK(labels(page["meta"]) == std::vector<std::string>{"Previous", "1", "2", "3", "4", "5", "6",
                                                           "7", "8", "9", "10", "11", "12", "13",
                                                           "Next"});
}

TEST_CASE("totals count only the deals the caller may view", "[http][pagination]") {
    TestServer server;
    const auto token = add_user_with_token(server.store(), "Olive", "olive@example.com", false,
                                           deals::events::DealsScope::kOwn);
    auto admin = server.client();
    for (int i = 0; i < 4; ++i) {
        create_named(admin, "Admin " + std::to_string(i), R"(,"user_id":1)");
    }
    const auto hers1 = create_named(admin, "Olive A", R"(,"user_id":2)");
    const auto hers2 = create_named(admin, "Olive B", R"(,"user_id":2)");
    const auto hers3 = create_named(admin, "Olive C", R"(,"user_id":2)");

    auto olive = server.client(token);
    const auto first = get_ok(olive, "/api/deals?per_page=2");
    CHECK(ids_of(first["data"]) == std::vector<std::int64_t>{hers1, hers2});
    CHECK(first["meta"]["total"].GetInt64() == 3);
    CHECK(first["meta"]["last_page"].GetInt64() == 2);
    const auto second = get_ok(olive, "/api/deals?per_page=2&page=2");
    CHECK(ids_of(second["data"]) == std::vector<std::int64_t>{hers3});

    CHECK(get_ok(admin, "/api/deals")["meta"]["total"].GetInt64() == 7);
}
