#pragma once

#include <boost/system/result.hpp>
#include <exception>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The one error vocabulary of the service, at the bottom of the house so that every layer says
// the same: the domain's rules, the store's adapters, the mains. Transport-only refusals (no
// route, wrong verb, body too large) are not here: they belong to http/error_table.hpp.

namespace deals {

/// What went wrong, independent of transport. http/error_table.cpp maps each code to a status
/// and an envelope of contract §1.1; nothing else chooses a status.
enum class ErrorCode {
    kBadRequest,          ///< malformed JSON or query syntax (400)
    kUnauthenticated,     ///< no, unknown or revoked token (401)
    kForbidden,           ///< policy denial (403)
    kNoApiAccess,         ///< user without API access (403, its own body)
    kNotFound,            ///< record missing, trashed or invisible (404)
    kConflict,            ///< business rule conflict (409)
    kPreconditionFailed,  ///< If-Match mismatch (412)
    kValidation,          ///< field errors (422)
    kUnavailable,         ///< storage unavailable or shutting down (503)
    kInternal,            ///< a bug (500)
};

/// Field errors in the order fields are validated: one list of messages per field.
using FieldErrors = std::vector<std::pair<std::string, std::vector<std::string>>>;

/// An expected failure: a code, a message for the client and, for validation, field errors.
struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;
    FieldErrors fields;
};

/// For logs and test failure messages: the code number and the message.
std::ostream& operator<<(std::ostream& os, const Error& error);

/// What every fallible function returns, in every layer (`std::expected` is not in g++ 12's
/// C++20).
template <class T>
using Result = boost::system::result<T, Error>;

/// `.value()` on a failed Result throws this (a programmer error: check first).
struct ErrorException : std::exception {
    Error error;
    explicit ErrorException(Error e) : error(std::move(e)) {}
    const char* what() const noexcept override { return error.message.c_str(); }
};
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location&);

Error bad_request(std::string message);
Error not_found(std::string_view model, std::string_view id);
Error conflict(std::string message);
Error forbidden(std::string message);
Error precondition_failed(std::string message);
Error unavailable(std::string detail);
Error internal(std::string detail);
/// The 403 of a route only super-admins may use, or nothing when the caller is one.
std::optional<Error> only_super_admins(bool by_super_admin);
/// A 422 from collected field errors, with the Laravel summary message.
Error validation(FieldErrors fields);

/// Collects field errors in order; `add("name", "...")` appends to that field's list.
class FieldErrorsBuilder {
public:
    void add(const std::string& field, std::string message);
    [[nodiscard]] bool empty() const { return fields_.empty(); }
    [[nodiscard]] bool has(const std::string& field) const;
    [[nodiscard]] Error error() const { return validation(fields_); }

private:
    FieldErrors fields_;
};

}  // namespace deals
