#include <catch2/catch.hpp>

#include "commands/association_commands.hpp"
#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::AssociationInput;
using deals::commands::AssociationMode;
using deals::commands::ChangeAssociations;
using deals::commands::decide;
using deals::commands::FieldValue;
using deals::commands::validate_associations;

namespace {

/// A body with `contacts` (and the other types absent).
AssociationInput contacts(std::vector<std::string> ids) {
    AssociationInput in;
    in.types[0].present = true;
    in.types[0].is_array = true;
    for (auto& id : ids) {
        in.types[0].items.push_back(FieldValue::number(std::move(id)));
    }
    return in;
}

/// A deal with contacts 1 and 2 and company 5.
Deal associated() {
    return fold({open_deal(),
                 AssociationsChanged{DealId{42}, {{1, 2}, {5}, {}}, {}}});
}

AssociationsChanged only_event(const deals::commands::Result<deals::commands::Events>& events) {
    REQUIRE(events.has_value());
    REQUIRE(events->size() == 1);
    return std::get<AssociationsChanged>(events->front());
}

}  // namespace

TEST_CASE("attach, sync and detach record what was added and removed", "[commands][associations]") {
    const Deal deal = associated();
    CHECK(deal.associations.contacts == std::vector<std::int64_t>{1, 2});

    auto attach = validate_associations(contacts({"3", "2", "3"}), AssociationMode::kAttach);
    REQUIRE(attach.has_value());
    const auto added = only_event(decide(deal, *attach));
    CHECK(added.added.contacts == std::vector<std::int64_t>{3});
    CHECK(added.removed.empty());

    auto sync = validate_associations(contacts({"2", "4"}), AssociationMode::kSync);
    REQUIRE(sync.has_value());
    const auto synced = only_event(decide(deal, *sync));
    CHECK(synced.added.contacts == std::vector<std::int64_t>{4});
    CHECK(synced.removed.contacts == std::vector<std::int64_t>{1});
    CHECK(synced.removed.companies.empty());  // not named: untouched

    auto detach = validate_associations(contacts({"1", "9"}), AssociationMode::kDetach);
    REQUIRE(detach.has_value());
    const auto detached = only_event(decide(deal, *detach));
    CHECK(detached.removed.contacts == std::vector<std::int64_t>{1});
    CHECK(detached.added.empty());

    // Folding the events gives the new sets.
    CHECK(fold({open_deal(), AssociationsChanged{DealId{42}, {{1, 2}, {5}, {}}, {}}, synced})
              .associations.contacts == std::vector<std::int64_t>{2, 4});
}

TEST_CASE("a change that changes nothing records nothing; one id already there is a 409",
          "[commands][associations]") {
    const Deal deal = associated();
    auto same = validate_associations(contacts({"1", "2"}), AssociationMode::kAttach);
    REQUIRE(same.has_value());
    auto none = decide(deal, *same);
    REQUIRE(none.has_value());
    CHECK(none->empty());
    auto one = validate_associations(contacts({"2"}), AssociationMode::kAttach);
    REQUIRE(one.has_value());
    auto refused = decide(deal, *one);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == deals::commands::ErrorCode::kConflict);
    CHECK(refused.error().message == "This record is already associated");
    // Sync with the same ids and detach of absent ids record nothing either.
    auto sync = validate_associations(contacts({"2", "1"}), AssociationMode::kSync);
    REQUIRE(sync.has_value());
    CHECK(decide(deal, *sync)->empty());
    auto detach = validate_associations(contacts({"7"}), AssociationMode::kDetach);
    REQUIRE(detach.has_value());
    CHECK(decide(deal, *detach)->empty());
}

TEST_CASE("association requests are validated", "[commands][associations]") {
    AssociationInput unknown = contacts({"1"});
    unknown.unknown_keys = {"foo", "bar"};
    auto conflict = validate_associations(unknown, AssociationMode::kAttach);
    REQUIRE_FALSE(conflict.has_value());
    CHECK(conflict.error().code == deals::commands::ErrorCode::kConflict);
    CHECK(conflict.error().message == "The provided resource name \"foo\" cannot be associated to deal.");

    auto empty = validate_associations(contacts({}), AssociationMode::kAttach);
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().fields.at(0).first == "resources");
    CHECK(validate_associations(contacts({}), AssociationMode::kSync).has_value());  // [] empties

    auto bad = validate_associations(contacts({"0", "-1", "1.5", "12"}), AssociationMode::kAttach);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().fields.size() == 3);
    CHECK(bad.error().fields.at(0).first == "contacts.0");
}
