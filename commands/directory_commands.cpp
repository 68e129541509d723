#include "commands/directory_commands.hpp"

#include <cctype>
#include <string_view>

#include "projections/collation.hpp"

namespace deals::commands {

namespace {

/// Laravel's `email` rule (RFC validation) as far as addresses of people go: one `@` between a
/// local part and a domain, no spaces or control characters, no empty dot-separated labels,
/// none of RFC 5322's specials unquoted in the local part.
bool valid_email(std::string_view email) {
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == email.size() ||
        email.find('@', at + 1) != std::string_view::npos) {
        return false;
    }
    for (const unsigned char c : email) {
        if (c <= 0x20 || c == 0x7f) {
            return false;
        }
    }
    auto dotted = [](std::string_view part) {
        return part.front() != '.' && part.back() != '.' &&
               part.find("..") == std::string_view::npos;
    };
    const std::string_view local = email.substr(0, at);
    const std::string_view domain = email.substr(at + 1);
    if (!dotted(local) || !dotted(domain) ||
        local.find_first_of("\"(),:;<>[\\]") != std::string_view::npos) {
        return false;
    }
    for (const unsigned char c : domain) {
        if (c < 0x80 && !std::isalnum(c) && c != '-' && c != '.') {
            return false;
        }
    }
    return true;
}

void check_name(FieldErrorsBuilder& errors, const std::string& name) {
    if (name.empty()) {
        errors.add("name", "The Name field is required.");
    } else if (projections::utf8_length(name) > 191) {
        errors.add("name", "The Name field must not be greater than 191 characters.");
    }
}

/// `self`: the user being changed, whose own address is not taken by them.
void check_email(FieldErrorsBuilder& errors, const projections::Views& views,
                 const std::string& email, UserId self = UserId{}) {
    if (email.empty()) {
        errors.add("email", "The E-Mail Address field is required.");
    } else if (projections::utf8_length(email) > 191) {
        errors.add("email", "The E-Mail Address field must not be greater than 191 characters.");
    } else if (!valid_email(email)) {
        errors.add("email", "The E-Mail Address field must be a valid email address.");
    } else if (const auto* other = views.user_by_email(email);
               other != nullptr && other->id != self) {
        errors.add("email", "The E-Mail Address has already been taken.");
    }
}

/// A string field: null and absent give "", anything else not a string is an error.
std::string string_field(FieldErrorsBuilder& errors, const FieldValue& v, const std::string& key,
                         const std::string& label) {
    if (v.missing()) {
        return {};
    }
    if (!v.is_string()) {
        errors.add(key, "The " + label + " field must be a string.");
        return {};
    }
    return v.text;
}

/// Laravel's `boolean` rule: true, false, 1, 0, "1", "0". Absent or null keeps `fallback`.
bool boolean_field(FieldErrorsBuilder& errors, const FieldValue& v, const std::string& key,
                   const std::string& label, bool fallback) {
    if (v.missing()) {
        return fallback;
    }
    if (v.kind == FieldValue::Kind::kBool) {
        return v.text == "true";
    }
    if ((v.is_number() || v.is_string()) && (v.text == "1" || v.text == "0")) {
        return v.text == "1";
    }
    errors.add(key, "The " + label + " field must be true or false.");
    return fallback;
}

}  // namespace

Result<Events> decide(const projections::Views& views, const CreateUser& c) {
    FieldErrorsBuilder errors;
    check_name(errors, c.name);
    check_email(errors, views, c.email);
    if (!errors.empty()) {
        return errors.error();
    }
    return Events{UserCreated{c.id, c.name, c.email, c.super_admin, c.access_api, c.deals_scope}};
}

Result<CreateUser> validate_create_user(const projections::Views& views, const UserInput& in) {
    FieldErrorsBuilder errors;
    CreateUser c{UserId{}, {}, {}, false, true, DealsScope::kOwn};
    c.name = string_field(errors, in.name, "name", "Name");
    if (!errors.has("name")) {
        check_name(errors, c.name);
    }
    c.email = string_field(errors, in.email, "email", "E-Mail Address");
    if (!errors.has("email")) {
        check_email(errors, views, c.email);
    }
    c.super_admin = boolean_field(errors, in.super_admin, "super_admin", "Super Admin", false);
    c.access_api = boolean_field(errors, in.access_api, "access_api", "API Access", true);
    if (!in.deals_scope.missing()) {
        const auto scope =
            in.deals_scope.is_string() ? parse_deals_scope(in.deals_scope.text) : std::nullopt;
        if (scope) {
            c.deals_scope = *scope;
        } else {
            errors.add("deals_scope", "The selected Deals Scope is invalid.");
        }
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return c;
}

Result<events::UserUpdated> validate_update_user(const projections::Views& views, UserId id,
                                                 const UserInput& in) {
    const projections::User* user = views.user(id);
    if (user == nullptr) {
        return not_found("User", id.str());
    }
    FieldErrorsBuilder errors;
    events::UserUpdated u{
        id, user->name, user->email, user->super_admin, user->access_api, user->deals_scope};
    if (in.name.present()) {
        u.name = string_field(errors, in.name, "name", "Name");
        if (!errors.has("name")) {
            check_name(errors, u.name);
        }
    }
    if (in.email.present()) {
        u.email = string_field(errors, in.email, "email", "E-Mail Address");
        if (!errors.has("email")) {
            check_email(errors, views, u.email, id);
        }
    }
    u.super_admin =
        boolean_field(errors, in.super_admin, "super_admin", "Super Admin", u.super_admin);
    u.access_api = boolean_field(errors, in.access_api, "access_api", "API Access", u.access_api);
    if (!in.deals_scope.missing()) {
        const auto scope =
            in.deals_scope.is_string() ? parse_deals_scope(in.deals_scope.text) : std::nullopt;
        if (scope) {
            u.deals_scope = *scope;
        } else {
            errors.add("deals_scope", "The selected Deals Scope is invalid.");
        }
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return u;
}

Result<Events> decide(const projections::Views& views, const DeleteUser& c) {
    if (views.user(c.id) == nullptr) {
        return not_found("User", c.id.str());
    }
    if (c.id == c.caller) {
        return conflict("You cannot delete your own account.");
    }
    std::size_t owned = 0;
    for (const auto which : {projections::Trash::kLive, projections::Trash::kTrashed}) {
        for (const projections::Deal* deal : views.deals_by_name(which)) {
            owned += deal->user_id == c.id ? 1 : 0;
        }
    }
    if (owned > 0) {
        return conflict("The user owns " + std::to_string(owned) +
                        (owned == 1 ? " deal" : " deals") +
                        " (trashed ones included): give them to another owner before deleting "
                        "the user.");
    }
    return Events{events::UserDeleted{c.id}};
}

Result<Events> decide(const projections::Views& views, const IssueToken& c) {
    if (views.user(c.user_id) == nullptr) {
        return not_found("User", c.user_id.str());
    }
    return Events{TokenIssued{c.id, c.user_id, c.name.empty() ? "api" : c.name, c.secret_sha256}};
}

Result<std::string> validate_token_name(const FieldValue& name) {
    FieldErrorsBuilder errors;
    std::string text = string_field(errors, name, "name", "Name");
    if (!errors.has("name")) {
        check_name(errors, text);
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return text;
}

Result<Events> decide(const projections::Views& views, const RevokeToken& c) {
    const projections::Token* token = views.token(c.id);
    if (token == nullptr || token->user_id != c.user_id || token->revoked) {
        return not_found("PersonalAccessToken", c.id.str());
    }
    return Events{TokenRevoked{c.id, c.user_id}};
}

}  // namespace deals::commands
