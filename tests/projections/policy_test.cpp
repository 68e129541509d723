#include "projections/policy.hpp"

#include <catch2/catch.hpp>

#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::projections::can_view;
using deals::projections::deal_permissions;
using deals::projections::DealPermissions;
using deals::projections::User;

namespace {

User user(std::int64_t id, bool super_admin, DealsScope scope) {
    User u;
    u.id = UserId{id};
    u.name = "User " + std::to_string(id);
    u.super_admin = super_admin;
    u.deals_scope = scope;
    return u;
}

Deal owned_by(std::optional<UserId> owner) {
    DealCreated created = open_deal();
    created.user_id = owner;
    return fold({created});
}

bool same(const DealPermissions& a, const DealPermissions& b) {
    return a.view_any == b.view_any && a.view == b.view && a.create == b.create &&
           a.update == b.update && a.remove == b.remove && a.bulk_delete == b.bulk_delete &&
           a.export_deals == b.export_deals;
}

}  // namespace

TEST_CASE("a super-admin may do everything with any deal", "[projections][policy]") {
    const User admin = user(1, true, DealsScope::kOwn);
    const auto owner = GENERATE(std::optional<UserId>{}, std::optional<UserId>{UserId{1}},
                                std::optional<UserId>{UserId{2}});
    const Deal deal = owned_by(owner);

    CHECK(can_view(admin, deal));
    CHECK(same(deal_permissions(admin, deal),
               DealPermissions{true, true, true, true, true, true, true}));
}

TEST_CASE(
    "a user who sees all deals may view, update and delete any deal but not bulk delete "
    "or export",
    "[projections][policy]") {
    const User all = user(3, false, DealsScope::kAll);
    const auto owner = GENERATE(std::optional<UserId>{}, std::optional<UserId>{UserId{2}},
                                std::optional<UserId>{UserId{3}});
    const Deal deal = owned_by(owner);

    CHECK(can_view(all, deal));
    CHECK(same(deal_permissions(all, deal),
               DealPermissions{true, true, true, true, true, false, false}));
}

TEST_CASE("a user who sees own deals may change the deals they own", "[projections][policy]") {
    const User bob = user(2, false, DealsScope::kOwn);
    const Deal deal = owned_by(UserId{2});

    CHECK(can_view(bob, deal));
    CHECK(same(deal_permissions(bob, deal),
               DealPermissions{true, true, true, true, true, false, false}));
}

TEST_CASE("a user who sees own deals may not see another's deal or an unowned one",
          "[projections][policy]") {
    const User bob = user(2, false, DealsScope::kOwn);
    const auto owner = GENERATE(std::optional<UserId>{}, std::optional<UserId>{UserId{3}});
    const Deal deal = owned_by(owner);

    CHECK_FALSE(can_view(bob, deal));
    // viewAny and create stay true: the user may list (their own) deals and create new ones.
    CHECK(same(deal_permissions(bob, deal),
               DealPermissions{true, false, true, false, false, false, false}));
}
