// libFuzzer: a request body decoded into commands, as POST/PUT /api/deals and POST …/billable
// do: JSON into the tree, then the deal, association and billable validations against views
// holding the default pipeline and its stages.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "commands/association_commands.hpp"
#include "commands/billable_commands.hpp"
#include "commands/deal_validation.hpp"
#include "commands/directory_commands.hpp"
#include "http/handlers/deal_change.hpp"
#include "http/json_body.hpp"
#include "projections/views.hpp"

namespace {

const deals::projections::Views& seeded_views() {
    static const deals::projections::Views views = [] {
        deals::projections::Views v;
        deals::events::Sequence seq = 0;
        deals::events::StreamVersion version = 0;
        for (auto& e : deals::commands::default_pipeline(deals::events::PipelineId{1},
                                                         deals::events::StageId{1})) {
            deals::events::RecordedEvent r;
            r.sequence = ++seq;
            r.stream = "pipeline-1";
            r.stream_version = ++version;
            r.data = std::move(e);
            v.apply(r);
        }
        return v;
    }();
    return views;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace http = deals::http;
    namespace commands = deals::commands;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto body = http::parse_json_object(text);
    if (!body) {
        return 0;
    }
    const auto& views = seeded_views();
    const auto input = http::handlers::deal_input(*body);
    const commands::ValidationSettings settings;
    const auto created = commands::validate_create(input, views, deals::events::DealId{1}, settings);
    if (created) {
        deals::projections::Deal current;
        current.id = deals::events::DealId{1};
        (void)commands::validate_update(input, current, views, settings);
    }
    (void)commands::validate_body_associations(http::handlers::association_input(*body, false),
                                               commands::AssociationMode::kAttach);
    (void)commands::validate_billable(http::handlers::billable_input(*body));
    return 0;
}
