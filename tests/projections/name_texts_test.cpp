#include "projections/name_texts.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "projections/collation.hpp"
#include "projections/deal_table.hpp"

using deals::events::DealId;
using deals::projections::collation_key;
using deals::projections::Deal;
using deals::projections::DealTable;
using deals::projections::fold;
using deals::projections::NameTexts;

TEST_CASE("a name's entry holds the name its collation key and its folded form",
          "[projections][name_texts]") {
    NameTexts texts;

    const NameTexts::Text* text = texts.acquire("Müller GmbH — Café");

    CHECK(text->name() == "Müller GmbH — Café");
    CHECK(text->key() == collation_key("Müller GmbH — Café"));
    CHECK(text->folded() == fold("Müller GmbH — Café"));
}

TEST_CASE("deals with the same name share one entry until its last use is released",
          "[projections][name_texts]") {
    NameTexts texts;
    const auto* first = texts.acquire("Acme — renewal");
    const auto* second = texts.acquire("Acme — renewal");
    const auto* other = texts.acquire("acme — renewal");  // another name, though the same key

    CHECK(first == second);
    CHECK(other != first);
    CHECK(texts.size() == 2);
    texts.release(first);
    CHECK(texts.size() == 2);
    CHECK(texts.acquire("Acme — renewal") == second);  // still the same entry
    texts.release(second);
    texts.release(second);
    CHECK(texts.size() == 1);
    CHECK(texts.acquire("Acme — renewal")->name() == "Acme — renewal");  // made again
}

TEST_CASE("acquiring many names at once makes one entry per distinct name on every thread",
          "[projections][name_texts]") {
    NameTexts texts;
    const auto* known = texts.acquire("Björk AB — pilot");
    std::vector<std::string> storage;
    for (int i = 0; i < 5000; ++i) {
        storage.push_back("Dvořák " + std::to_string(i % 700) + " — upgrade");
    }
    storage.emplace_back("Björk AB — pilot");
    const std::vector<std::string_view> names(storage.begin(), storage.end());

    const auto got = texts.acquire_all(names, 2);

    REQUIRE(got.size() == names.size());
    CHECK(texts.size() == 701);
    CHECK(got.back() == known);
    for (std::size_t i = 0; i < names.size(); ++i) {
        CHECK(got[i]->name() == names[i]);
        CHECK(got[i]->key() == collation_key(names[i]));
    }
    CHECK(got[0] == got[700]);
    // Every use counts: 5000 / 700 deals hold "… 0 …", 8 of them; released 7 times it stays.
    for (int i = 0; i < 7; ++i) {
        texts.release(got[0]);
    }
    CHECK(texts.size() == 701);
    texts.release(got[0]);
    CHECK(texts.size() == 700);
}

TEST_CASE("ranks follow the collation keys and equal keys share a rank",
          "[projections][name_texts]") {
    NameTexts texts;
    const auto* zoe = texts.acquire("Zoë");
    const auto* apple = texts.acquire("apple");
    const auto* jose = texts.acquire("José");
    const auto* jose_plain = texts.acquire("jose");

    texts.rank();

    CHECK(apple->rank() < jose->rank());
    CHECK(jose->rank() == jose_plain->rank());
    CHECK(jose->rank() < zoe->rank());
}

TEST_CASE("the deal table keeps deals by id in id order with stable addresses",
          "[projections][deal_table]") {
    DealTable table;
    Deal& five = table[DealId{5}];
    five.id = DealId{5};
    five.name = "five";
    for (std::int64_t id = 6; id < 5000; ++id) {
        table[DealId{id}].id = DealId{id};
    }
    table[DealId{3}].id = DealId{3};
    table[DealId{-1}].id = DealId{-1};                // outside the pages
    table[DealId{1LL << 40}].id = DealId{1LL << 40};  // far outside

    CHECK(table.size() == 4998);
    CHECK(table.find(DealId{5}) == &five);
    CHECK(table.find(DealId{5})->name == "five");
    CHECK(table.find(DealId{4}) == nullptr);
    CHECK(table.find(DealId{9999}) == nullptr);
    CHECK(table.find(DealId{1LL << 40}) != nullptr);
    std::vector<std::int64_t> ids;
    table.each([&](const Deal& d) { ids.push_back(d.id.value); });
    REQUIRE(ids.size() == 4998);
    CHECK(ids[0] == 3);
    CHECK(ids[1] == 5);
    CHECK(std::is_sorted(ids.begin(), ids.end() - 2));

    table.erase(DealId{5});
    table.erase(DealId{-1});
    table.erase(DealId{4});  // absent: nothing

    CHECK(table.size() == 4996);
    CHECK(table.find(DealId{5}) == nullptr);
    CHECK(table.find(DealId{-1}) == nullptr);
    CHECK(table[DealId{5}].name.empty());  // made anew, default
    CHECK(table.size() == 4997);
}
