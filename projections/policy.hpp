#pragma once

#include "projections/deal.hpp"
#include "projections/directory.hpp"

namespace deals::projections {

/// The one authorization policy for deals (contract §11): a super-admin may do everything; a
/// user with `deals_scope: all` sees and changes every deal; with `own` only the deals they
/// own. A deal the caller may not view answers 404, so ids do not leak.
struct DealPermissions {
    bool view_any = true;
    bool view = false;
    bool create = true;
    bool update = false;
    bool remove = false;
    bool bulk_delete = false;
    bool export_deals = false;
};

DealPermissions deal_permissions(const User& user, const Deal& deal);
bool can_view(const User& user, const Deal& deal);
/// Whether `user` may view every deal (super-admin or deals scope `all`).
bool sees_every_deal(const User& user);

}  // namespace deals::projections
