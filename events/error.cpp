#include "events/error.hpp"

#include <algorithm>
#include <ostream>

namespace deals {

void throw_exception_from_error(const Error& e, const boost::source_location&) {
    throw ErrorException(e);
}

std::ostream& operator<<(std::ostream& os, const Error& error) {
    os << "Error{" << static_cast<int>(error.code) << ", \"" << error.message << "\"";
    for (const auto& [field, messages] : error.fields) {
        for (const auto& m : messages) {
            os << ", " << field << ": " << m;
        }
    }
    return os << "}";
}

Error bad_request(std::string message) { return {ErrorCode::kBadRequest, std::move(message), {}}; }

Error not_found(std::string_view model, std::string_view id) {
    return {ErrorCode::kNotFound,
            "No query results for model [" + std::string(model) + "] " + std::string(id),
            {}};
}

Error conflict(std::string message) { return {ErrorCode::kConflict, std::move(message), {}}; }

Error forbidden(std::string message) { return {ErrorCode::kForbidden, std::move(message), {}}; }

std::optional<Error> only_super_admins(bool by_super_admin) {
    if (!by_super_admin) {
        return forbidden("This action is unauthorized.");
    }
    return std::nullopt;
}

Error precondition_failed(std::string message) {
    return {ErrorCode::kPreconditionFailed, std::move(message), {}};
}

Error unavailable(std::string detail) { return {ErrorCode::kUnavailable, std::move(detail), {}}; }

Error internal(std::string detail) { return {ErrorCode::kInternal, std::move(detail), {}}; }

Error validation(FieldErrors fields) {
    std::size_t total = 0;
    for (const auto& [_, messages] : fields) {
        total += messages.size();
    }
    std::string message = fields.empty() ? "The given data was invalid." : fields[0].second[0];
    if (total > 1) {
        const std::size_t more = total - 1;
        message += " (and " + std::to_string(more) + (more == 1 ? " more error)" : " more errors)");
    }
    return {ErrorCode::kValidation, std::move(message), std::move(fields)};
}

void FieldErrorsBuilder::add(const std::string& field, std::string message) {
    auto it = std::find_if(fields_.begin(), fields_.end(),
                           [&](const auto& p) { return p.first == field; });
    if (it == fields_.end()) {
        fields_.emplace_back(field, std::vector<std::string>{std::move(message)});
    } else {
        it->second.push_back(std::move(message));
    }
}

bool FieldErrorsBuilder::has(const std::string& field) const {
    return std::any_of(fields_.begin(), fields_.end(),
                       [&](const auto& p) { return p.first == field; });
}

}  // namespace deals
