#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "events/ids.hpp"

namespace deals::events {

/// Who may see which deals: every deal, or only the ones the user owns.
enum class DealsScope { kAll, kOwn };

std::string_view to_string(DealsScope scope);
std::optional<DealsScope> parse_deals_scope(std::string_view text);

/// A pipeline was created (stream `pipeline-N`).
struct PipelineCreated {
    static constexpr std::string_view kType = "PipelineCreated";
    static constexpr int kSchemaVersion = 1;
    PipelineId pipeline_id;
    std::string name;
    std::optional<std::string> flag;
    bool is_primary = false;
    friend bool operator==(const PipelineCreated&, const PipelineCreated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("pipeline_id", s.pipeline_id), f("name", s.name), f("flag", s.flag);
        f("is_primary", s.is_primary);
    }
};

/// A stage was created in a pipeline (on the pipeline's stream).
struct StageCreated {
    static constexpr std::string_view kType = "StageCreated";
    static constexpr int kSchemaVersion = 1;
    StageId stage_id;
    PipelineId pipeline_id;
    std::string name;
    std::int64_t win_probability = 0;
    std::int64_t display_order = 0;
    friend bool operator==(const StageCreated&, const StageCreated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("stage_id", s.stage_id), f("pipeline_id", s.pipeline_id), f("name", s.name);
        f("win_probability", s.win_probability), f("display_order", s.display_order);
    }
};

/// A pipeline was renamed (on its own stream). Carries the name after the change; the flag and
/// primary mark never change.
struct PipelineUpdated {
    static constexpr std::string_view kType = "PipelineUpdated";
    static constexpr int kSchemaVersion = 1;
    PipelineId pipeline_id;
    std::string name;
    friend bool operator==(const PipelineUpdated&, const PipelineUpdated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("pipeline_id", s.pipeline_id), f("name", s.name);
    }
};

/// A pipeline was deleted. Its stages are deleted first, each by a `StageDeleted` appended
/// with it; only a pipeline without deals (trashed ones included) is ever deleted, never the
/// primary one.
struct PipelineDeleted {
    static constexpr std::string_view kType = "PipelineDeleted";
    static constexpr int kSchemaVersion = 1;
    PipelineId pipeline_id;
    friend bool operator==(const PipelineDeleted&, const PipelineDeleted&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("pipeline_id", s.pipeline_id);
    }
};

/// A stage was changed (on its pipeline's stream): its state after the change. A stage never
/// moves to another pipeline.
struct StageUpdated {
    static constexpr std::string_view kType = "StageUpdated";
    static constexpr int kSchemaVersion = 1;
    StageId stage_id;
    PipelineId pipeline_id;
    std::string name;
    std::int64_t win_probability = 0;
    std::int64_t display_order = 0;
    friend bool operator==(const StageUpdated&, const StageUpdated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("stage_id", s.stage_id), f("pipeline_id", s.pipeline_id), f("name", s.name);
        f("win_probability", s.win_probability), f("display_order", s.display_order);
    }
};

/// A stage was deleted (on its pipeline's stream); it had no deals, trashed ones included.
struct StageDeleted {
    static constexpr std::string_view kType = "StageDeleted";
    static constexpr int kSchemaVersion = 1;
    StageId stage_id;
    PipelineId pipeline_id;
    friend bool operator==(const StageDeleted&, const StageDeleted&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("stage_id", s.stage_id), f("pipeline_id", s.pipeline_id);
    }
};

/// A user was created (stream `user-N`).
struct UserCreated {
    static constexpr std::string_view kType = "UserCreated";
    static constexpr int kSchemaVersion = 1;
    UserId user_id;
    std::string name;
    std::string email;
    bool super_admin = false;
    bool access_api = true;
    DealsScope deals_scope = DealsScope::kOwn;
    friend bool operator==(const UserCreated&, const UserCreated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("user_id", s.user_id), f("name", s.name), f("email", s.email);
        f("super_admin", s.super_admin), f("access_api", s.access_api);
        f("deals_scope", s.deals_scope);
    }
};

/// A user was changed (`PUT /api/users/{id}`, stream `user-N`): the whole user after it.
struct UserUpdated {
    static constexpr std::string_view kType = "UserUpdated";
    static constexpr int kSchemaVersion = 1;
    UserId user_id;
    std::string name;
    std::string email;
    bool super_admin = false;
    bool access_api = true;
    DealsScope deals_scope = DealsScope::kOwn;
    friend bool operator==(const UserUpdated&, const UserUpdated&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("user_id", s.user_id), f("name", s.name), f("email", s.email);
        f("super_admin", s.super_admin), f("access_api", s.access_api);
        f("deals_scope", s.deals_scope);
    }
};

/// A user was deleted (`DELETE /api/users/{id}`, stream `user-N`): their tokens stop working.
struct UserDeleted {
    static constexpr std::string_view kType = "UserDeleted";
    static constexpr int kSchemaVersion = 1;
    UserId user_id;
    friend bool operator==(const UserDeleted&, const UserDeleted&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("user_id", s.user_id);
    }
};

/// An API token was issued (stream `token-N`). Only the SHA-256 of the secret is recorded.
struct TokenIssued {
    static constexpr std::string_view kType = "TokenIssued";
    static constexpr int kSchemaVersion = 1;
    TokenId token_id;
    UserId user_id;
    std::string name;
    std::string secret_sha256;
    friend bool operator==(const TokenIssued&, const TokenIssued&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("token_id", s.token_id), f("user_id", s.user_id), f("name", s.name);
        f("secret_sha256", s.secret_sha256);
    }
};

/// An API token was revoked; it stops working on the next request.
struct TokenRevoked {
    static constexpr std::string_view kType = "TokenRevoked";
    static constexpr int kSchemaVersion = 1;
    TokenId token_id;
    UserId user_id;
    friend bool operator==(const TokenRevoked&, const TokenRevoked&) = default;
    template <class Self, class F>
    static void describe(Self& s, F&& f) {
        f("token_id", s.token_id), f("user_id", s.user_id);
    }
};

}  // namespace deals::events
