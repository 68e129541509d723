#include "projections/user_projection.hpp"

#include <atomic>
#include <utility>

#include "projections/map_lookup.hpp"

namespace deals::projections {

std::uint64_t UserProjection::new_stamp() {
    static std::atomic<std::uint64_t> last{0};
    return ++last;
}

void UserProjection::apply(const UserCreated& e, const ApplyContext& c) {
    users_[e.user_id] = User{e.user_id,    e.name,        e.email, e.super_admin,
                             e.access_api, e.deals_scope, c.at(),  c.at()};
    raise_to(c.watermarks.user, e.user_id.value);
    c.dirty.users.insert(e.user_id);
    users_stamp_ = new_stamp();
}

void UserProjection::apply(const UserUpdated& e, const ApplyContext& c) {
    if (User* user = find_in(users_, e.user_id)) {
        const Timestamp created = user->created_at;
        *user = User{e.user_id,    e.name,        e.email, e.super_admin,
                     e.access_api, e.deals_scope, created, c.at()};
    }
    c.dirty.users.insert(e.user_id);
    users_stamp_ = new_stamp();
}

void UserProjection::apply(const UserDeleted& e, const ApplyContext& c) {
    users_.erase(e.user_id);
    users_stamp_ = new_stamp();
    for (auto& [id, token] : tokens_) {
        if (token.user_id == e.user_id && !token.revoked) {
            token_by_hash_.erase(token.secret_sha256);
        }
    }
    c.dirty.users.insert(e.user_id);
}

void UserProjection::apply(const TokenIssued& e, const ApplyContext& c) {
    tokens_[e.token_id] = Token{e.token_id, e.user_id, e.name, e.secret_sha256, false, c.at()};
    token_by_hash_[e.secret_sha256] = e.token_id;
    raise_to(c.watermarks.token, e.token_id.value);
    c.dirty.tokens.insert(e.token_id);
}

void UserProjection::apply(const TokenRevoked& e, const ApplyContext& c) {
    if (Token* token = find_in(tokens_, e.token_id)) {
        token->revoked = true;
        token_by_hash_.erase(token->secret_sha256);
    }
    c.dirty.tokens.insert(e.token_id);
}

void UserProjection::load(User user) {
    const UserId id = user.id;
    users_[id] = std::move(user);
    users_stamp_ = new_stamp();
}

void UserProjection::load(Token token) {
    if (!token.revoked) {
        token_by_hash_[token.secret_sha256] = token.id;
    }
    const TokenId id = token.id;
    tokens_[id] = std::move(token);
}

const User* UserProjection::user(UserId id) const { return find_in(users_, id); }

const User* UserProjection::user_by_name(std::string_view name) const {
    return find_folded(users_, name, &User::name);
}

const User* UserProjection::user_by_email(std::string_view email) const {
    return find_folded(users_, email, &User::email);
}

std::vector<const User*> UserProjection::users() const { return values_of(users_); }

const Token* UserProjection::token(TokenId id) const { return find_in(tokens_, id); }

const Token* UserProjection::token_by_secret_hash(const std::string& sha256_hex) const {
    auto it = token_by_hash_.find(sha256_hex);
    return it == token_by_hash_.end() ? nullptr : token(it->second);
}

std::vector<const Token*> UserProjection::tokens_of(UserId user) const {
    std::vector<const Token*> out;
    for (const auto& [_, t] : tokens_) {
        if (t.user_id == user && !t.revoked) {
            out.push_back(&t);
        }
    }
    return out;
}

}  // namespace deals::projections
