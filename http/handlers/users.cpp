// POST /api/users (contract §11); the listing and single user are in directory.cpp.

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "commands/directory_commands.hpp"
#include "http/append.hpp"
#include "http/error_table.hpp"
#include "http/handlers.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_body.hpp"
#include "http/render.hpp"
#include "projections/collation.hpp"

namespace deals::http::handlers {

namespace {

using boost::asio::awaitable;
using projections::Views;

/// E-mail addresses (folded as the uniqueness rule compares them) of users being created right
/// now, per store. Claiming one before deciding and keeping it until the append has been applied
/// closes the window between the uniqueness check and the commit in which two concurrent
/// requests could both create the same address. Thread-safe.
class EmailClaims {
public:
    /// Claims `email` of `store`, or returns false when another request holds it.
    bool claim(const store::Store& store, const std::string& email) {
        std::lock_guard lock(mutex_);
        return claimed_.insert(key(store, email)).second;
    }
    void release(const store::Store& store, const std::string& email) {
        std::lock_guard lock(mutex_);
        claimed_.erase(key(store, email));
    }

private:
    static std::string key(const store::Store& store, const std::string& email) {
        return std::to_string(reinterpret_cast<std::uintptr_t>(&store)) + "\n" +
               projections::fold(email);
    }
    std::mutex mutex_;
    std::set<std::string> claimed_;
};

EmailClaims& email_claims() {
    static EmailClaims claims;
    return claims;
}

/// Holds a claim on an address for as long as it lives.
class EmailClaim {
public:
    EmailClaim(const store::Store& store, std::string email)
        : store_(store), email_(std::move(email)), held_(email_claims().claim(store_, email_)) {}
    ~EmailClaim() {
        if (held_) {
            email_claims().release(store_, email_);
        }
    }
    EmailClaim(const EmailClaim&) = delete;
    EmailClaim& operator=(const EmailClaim&) = delete;
    /// False when another request is creating a user with the same address.
    [[nodiscard]] bool held() const { return held_; }

private:
    const store::Store& store_;
    std::string email_;
    bool held_;
};

commands::UserInput user_input(const JsonValue& body) {
    return {field(body, "name"), field(body, "email"), field(body, "super_admin"),
            field(body, "access_api"), field(body, "deals_scope")};
}

}  // namespace

awaitable<Response> create_user(AppContext& app, const Call& call) {
    if (!call.caller->user.super_admin) {
        co_return error_response(commands::forbidden("This action is unauthorized."));
    }
    auto body = parse_json_object(call.request.body);
    if (!body) {
        co_return error_response(body.error());
    }
    const commands::UserInput input = user_input(*body);
    // Claimed before the uniqueness check reads the views, released after the append is
    // applied to them (the claim lives until the response is made).
    const EmailClaim claim(app.store, input.email.is_string() ? input.email.text : "");
    auto command = app.store.read(
        [&](const Views& views) { return commands::validate_create_user(views, input); });
    if (!command) {
        co_return error_response(command.error());
    }
    if (!claim.held()) {
        co_return error_response(
            commands::validation({{"email", {"The E-Mail Address has already been taken."}}}));
    }
    command->id = app.store.allocate_user_id();
    const events::UserId id = command->id;
    auto decided =
        app.store.read([&](const Views& views) { return commands::decide(views, *command); });
    if (!decided) {
        co_return error_response(decided.error());
    }
    events::AppendRequest request{"user-" + id.str(), events::ExpectedVersion::no_stream(),
                                  std::move(*decided), meta_of(call)};
    const auto outcome = co_await append(app.store.log(), std::move(request));
    if (outcome.status != events::AppendStatus::kOk) {
        co_return error_response(append_error(outcome));
    }
    co_return app.store.read([&](const Views& views) {
        const projections::User* user = views.user(id);
        if (user == nullptr) {
            return error_response(commands::not_found("User", id.str()));
        }
        json::Buffer buffer;
        json::Writer w(buffer);
        write_user(w, *user);
        return json_response(201, std::string(buffer.GetString(), buffer.GetSize()));
    });
}

}  // namespace deals::http::handlers
