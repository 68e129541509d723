#include "projections/collation.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

using deals::projections::collation_key;
using deals::projections::fold;
using deals::projections::utf8_length;

TEST_CASE("collation keys order Åsa between alpha and Bravo", "[projections][collation]") {
    CHECK(collation_key("alpha") < collation_key("Åsa"));
    CHECK(collation_key("Åsa") < collation_key("Bravo"));
    CHECK(collation_key("alpha") < collation_key("Bravo"));
}

TEST_CASE("collation keys ignore case and accents", "[projections][collation]") {
    CHECK(collation_key("José") == collation_key("jose"));
    CHECK(collation_key("CAFÉ") == collation_key("cafe"));
    CHECK_FALSE(collation_key("a") == collation_key("b"));
}

TEST_CASE("sorting by collation key gives dictionary order, not byte order",
          "[projections][collation]") {
    std::vector<std::string> names{"zebra", "Émile", "bravo", "Zoë", "apple", "éclair", "Eve"};

    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return collation_key(a) < collation_key(b);
    });

    CHECK(names ==
          std::vector<std::string>{"apple", "bravo", "éclair", "Émile", "Eve", "zebra", "Zoë"});
}

TEST_CASE("the empty name sorts first", "[projections][collation]") {
    CHECK(collation_key("").empty());
    CHECK(collation_key("") < collation_key("a"));
}

TEST_CASE("a long name gets a full collation key", "[projections][collation]") {
    // Longer than the key's initial buffer: the key must still tell the names apart at the end.
    const std::string prefix(200, 'x');

    CHECK(collation_key(prefix + "a") < collation_key(prefix + "b"));
    CHECK(collation_key(prefix + "A") == collation_key(prefix + "a"));
}

TEST_CASE("folding removes case and accents for equality tests", "[projections][collation]") {
    CHECK(fold("José") == fold("jose"));
    CHECK(fold("CAFÉ") == "cafe");
    CHECK(fold("Núñez") == "nunez");
    CHECK(fold("Qualified To Buy") == "qualified to buy");
    CHECK(fold("") == "");
    CHECK(fold("jose") != fold("josé ramón"));
}

TEST_CASE("folding mixed ASCII and other text folds each part alike", "[projections][collation]") {
    CHECK(fold("MÜLLER GmbH — Café Crème") == "muller gmbh — cafe creme");
    CHECK(fold("Jose\u0301") == "jose");            // a combining accent after ASCII
    CHECK(fold("\u212Aelvin") == "kelvin");          // KELVIN SIGN folds to k
    CHECK(fold("ÅSA Østergaard") == "asa ostergaard");
    CHECK(fold("straße") == "strasse");
}

TEST_CASE("string length counts Unicode code points, as Laravel's max does",
          "[projections][collation]") {
    CHECK(utf8_length("") == 0);
    CHECK(utf8_length("abc") == 3);
    CHECK(utf8_length("é") == 1);
    CHECK(utf8_length("日本語") == 3);
    CHECK(utf8_length("😀") == 1);
    CHECK(utf8_length("a😀é") == 3);
}

TEST_CASE("folding agrees with the collation on letters that do not decompose",
          "[projections][collation]") {
    // Each pair collates equal at primary strength; folding must make them equal too, so that
    // a search finds what the order puts together.
    const std::vector<std::pair<std::string, std::string>> same = {
        {"Łódź", "lodz"}, {"Østergaard", "ostergaard"}, {"Æble", "aeble"}, {"Đorđe", "dorde"},
        {"Ðór", "dor"},   {"Œuvre", "oeuvre"},          {"Ħal", "hal"},   {"Straße", "strasse"},
        {"ŀl", "ll"}};
    for (const auto& [a, b] : same) {
        INFO(a << " / " << b);
        CHECK(deals::projections::collation_key(a) == deals::projections::collation_key(b));
        CHECK(fold(a) == fold(b));
    }
    // And letters the collation keeps apart stay apart.
    for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{{"ıi", "ii"},
                                                                             {"Ŧŧ", "tt"}}) {
        INFO(a << " / " << b);
        CHECK(deals::projections::collation_key(a) != deals::projections::collation_key(b));
        CHECK(fold(a) != fold(b));
    }
}
