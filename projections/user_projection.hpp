#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "projections/apply_context.hpp"
#include "projections/directory.hpp"

namespace deals::projections {

/// The users and their personal access tokens, folded from the `user-N` and `token-N` streams;
/// tokens are also found by the hash of their secret while they work. Part of `Views`: not
/// thread-safe, guarded by the views' lock.
class UserProjection {
public:
    void apply(const UserCreated& e, const ApplyContext& c);
    void apply(const UserUpdated& e, const ApplyContext& c);
    /// The user goes, and with them every way in: their tokens find no user from then on.
    void apply(const UserDeleted& e, const ApplyContext& c);
    void apply(const TokenIssued& e, const ApplyContext& c);
    void apply(const TokenRevoked& e, const ApplyContext& c);

    /// Takes a persisted view at start-up.
    void load(User user);
    void load(Token token);

    [[nodiscard]] const User* user(UserId id) const;
    [[nodiscard]] const User* user_by_name(std::string_view name) const;
    [[nodiscard]] const User* user_by_email(std::string_view email) const;
    [[nodiscard]] std::vector<const User*> users() const;  ///< by id
    [[nodiscard]] const Token* token(TokenId id) const;
    /// The working (not revoked) token whose secret has this SHA-256 (hex).
    [[nodiscard]] const Token* token_by_secret_hash(const std::string& sha256_hex) const;
    /// The tokens of `user` that still work (not revoked), by id.
    [[nodiscard]] std::vector<const Token*> tokens_of(UserId user) const;

    /// Changes whenever a user is created, changed, deleted or loaded (never to a value it had,
    /// in any UserProjection of the process): what a user's JSON, cached, is valid for.
    [[nodiscard]] std::uint64_t users_stamp() const { return users_stamp_; }

    /// Calls `visit(view)` for every user, then every token.
    template <class Visit>
    void each_view(Visit&& visit) const {
        for (const auto& [_, v] : users_) {
            visit(v);
        }
        for (const auto& [_, v] : tokens_) {
            visit(v);
        }
    }

private:
    static std::uint64_t new_stamp();

    std::uint64_t users_stamp_ = new_stamp();
    std::map<UserId, User> users_;
    std::map<TokenId, Token> tokens_;
    std::unordered_map<std::string, TokenId> token_by_hash_;  ///< working tokens only
};

}  // namespace deals::projections
