#pragma once

#include <string>

#include "commands/deal_commands.hpp"
#include "commands/error.hpp"
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

/// Name and email required, email well-formed and unique (ignoring case).
Result<Events> decide(const projections::Views& views, const CreateUser& command);
/// The user must exist.
Result<Events> decide(const projections::Views& views, const IssueToken& command);

/// The pipeline Concord seeds on install (contract §9): "Sales Pipeline", flag default, and
/// its five stages, all on the stream `pipeline-<pipeline>`. Ids are inputs.
Events default_pipeline(PipelineId pipeline, StageId first_stage);

}  // namespace deals::commands
