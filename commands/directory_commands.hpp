#pragma once

#include <string>

#include "commands/deal_commands.hpp"
#include "commands/error.hpp"
#include "commands/input.hpp"
#include "events/default_pipeline.hpp"
#include "projections/views.hpp"

namespace deals::commands {

/// Create a user (dealsctl, and later `POST /api/users`). The id is an input.
struct CreateUser {
    UserId id;
    std::string name;
    std::string email;
    bool super_admin = false;
    bool access_api = true;
    DealsScope deals_scope = DealsScope::kOwn;
};

/// Issue an API token for a user; only the SHA-256 (hex) of the secret is given.
struct IssueToken {
    TokenId id;
    UserId user_id;
    std::string name;
    std::string secret_sha256;
};

/// Revoke a token of a user (`DELETE /api/personal-access-tokens/{id}`).
struct RevokeToken {
    TokenId id;
    UserId user_id;  ///< the caller: only their own tokens
};

/// The body of `POST /api/users` before validation (contract §11).
struct UserInput {
    FieldValue name;
    FieldValue email;
    FieldValue super_admin;
    FieldValue access_api;
    FieldValue deals_scope;
};

/// Delete a user (`DELETE /api/users/{id}`, super-admin).
struct DeleteUser {
    UserId id;
    UserId caller;
};

/// Validates a `PUT /api/users/{id}` body against the user as it is: each field optional (an
/// absent one is kept), with the create rules (an address another user has is taken). 404 when
/// there is no such user.
Result<events::UserUpdated> validate_update_user(const projections::Views& views, UserId id,
                                                 const UserInput& input);
/// Not the caller's own account, and not a user who still owns deals, trashed ones included
/// (409 saying how many); 404 when there is no such user.
Result<Events> decide(const projections::Views& views, const DeleteUser& command);

/// Name and email required, email well-formed and unique (ignoring case).
Result<Events> decide(const projections::Views& views, const CreateUser& command);
/// Validates a `POST /api/users` body (422 in field order: name, email, super_admin,
/// access_api, deals_scope) into a CreateUser without its id, with the defaults of contract
/// §11: super_admin false, access_api true, deals_scope own.
Result<CreateUser> validate_create_user(const projections::Views& views, const UserInput& input);
/// The user must exist.
Result<Events> decide(const projections::Views& views, const IssueToken& command);
/// The name of a token asked for through the API: required, a string, at most 191 characters.
Result<std::string> validate_token_name(const FieldValue& name);
/// The token must exist, be the user's own and not be revoked yet; otherwise it is not found
/// (someone else's token ids do not leak).
Result<Events> decide(const projections::Views& views, const RevokeToken& command);

/// The pipeline seeded on install, now with the events (events/default_pipeline.hpp), so that
/// the store can seed it without commands/; this keeps the `commands::default_pipeline` spelling.
using events::default_pipeline;

}  // namespace deals::commands
