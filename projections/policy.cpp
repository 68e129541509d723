#include "projections/policy.hpp"

namespace deals::projections {

bool sees_every_deal(const User& user) {
    return user.super_admin || user.deals_scope == DealsScope::kAll;
}

bool can_view(const User& user, const Deal& deal) {
    return sees_every_deal(user) || deal.user_id == user.id;
}

DealPermissions deal_permissions(const User& user, const Deal& deal) {
    const bool allowed = can_view(user, deal);
    return DealPermissions{.view_any = true,
                           .view = allowed,
                           .create = true,
                           .update = allowed,
                           .remove = allowed,
                           .bulk_delete = allowed && user.super_admin,
                           .export_deals = user.super_admin};
}

}  // namespace deals::projections
