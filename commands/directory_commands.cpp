#include "commands/directory_commands.hpp"

#include <array>

#include "projections/collation.hpp"

namespace deals::commands {

Result<Events> decide(const projections::Views& views, const CreateUser& c) {
    FieldErrorsBuilder errors;
    if (c.name.empty()) {
        errors.add("name", "The Name field is required.");
    } else if (projections::utf8_length(c.name) > 191) {
        errors.add("name", "The Name field must not be greater than 191 characters.");
    }
    const auto at = c.email.find('@');
    if (c.email.empty()) {
        errors.add("email", "The E-Mail Address field is required.");
    } else if (at == std::string::npos || at == 0 || at + 1 == c.email.size()) {
        errors.add("email", "The E-Mail Address field must be a valid email address.");
    } else if (views.user_by_email(c.email) != nullptr) {
        errors.add("email", "The E-Mail Address has already been taken.");
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return Events{UserCreated{c.id, c.name, c.email, c.super_admin, c.access_api, c.deals_scope}};
}

Result<Events> decide(const projections::Views& views, const IssueToken& c) {
    if (views.user(c.user_id) == nullptr) {
        return not_found("User", c.user_id.str());
    }
    return Events{TokenIssued{c.id, c.user_id, c.name.empty() ? "api" : c.name, c.secret_sha256}};
}

Events default_pipeline(PipelineId pipeline, StageId first_stage) {
    static constexpr std::array<std::string_view, 5> kStages = {
        "Qualified To Buy", "Contact Made", "Presentation Scheduled", "Proposal Made",
        "Appointment Scheduled"};
    Events events{PipelineCreated{pipeline, "Sales Pipeline", "default", true}};
    for (std::size_t i = 0; i < kStages.size(); ++i) {
        events.emplace_back(StageCreated{StageId{first_stage.value + static_cast<std::int64_t>(i)},
                                         pipeline, std::string(kStages[i]), 100,
                                         static_cast<std::int64_t>(i + 1)});
    }
    return events;
}

}  // namespace deals::commands
