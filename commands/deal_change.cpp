#include "commands/deal_change.hpp"

#include "commands/input.hpp"
#include "projections/policy.hpp"

namespace deals::commands {

Result<const Deal*> find_deal(const projections::Views& views, const DealTarget& target) {
    const auto id = parse_id(target.id);
    const Deal* deal = id ? views.deal(DealId{*id}) : nullptr;
    const bool in_place =
        deal != nullptr && deal->trashed() == (target.place == projections::Trash::kTrashed);
    if (!in_place || target.caller == nullptr || !projections::can_view(*target.caller, *deal)) {
        return not_found("Deal", target.id);
    }
    return deal;
}

Decide change_deal(DealTarget target, DealDecide decide, DealId& changed) {
    return [target = std::move(target), decide = std::move(decide),
            &changed](const projections::ViewReader& reader) -> Result<Decision> {
        return reader.read([&](const projections::Views& views) -> Result<Decision> {
            auto deal = find_deal(views, target);
            if (!deal) {
                return deal.error();
            }
            const Deal& state = **deal;
            changed = state.id;
            if (target.if_match && *target.if_match != state.version) {
                return precondition_failed("The deal has been modified since version " +
                                           std::to_string(*target.if_match) + ".");
            }
            auto change = decide(views, state);
            if (!change) {
                return change.error();
            }
            return deal_decision(state.id, state.version, std::move(*change));
        });
    };
}

DealDecide deal_events_only(std::function<Result<Events>(const Deal&)> decide) {
    return [decide = std::move(decide)](const projections::Views&,
                                        const Deal& deal) -> Result<DealChange> {
        auto events = decide(deal);
        if (!events) {
            return events.error();
        }
        return DealChange{std::move(*events), {}};
    };
}

Decision deal_decision(DealId id, std::optional<StreamVersion> version, DealChange change) {
    Decision decision;
    decision.what = "deal";
    // A product created is new to the log; one restored may be restored again by another
    // request meanwhile, which is harmless.
    decision.add_each(std::move(change.catalog), [](const Event& e) {
        return std::holds_alternative<CatalogProductCreated>(e) ? ExpectedVersion::no_stream()
                                                                : ExpectedVersion::any();
    });
    decision.add_subject(
        deal_stream(id),
        version ? ExpectedVersion::seen_at(*version) : ExpectedVersion::no_stream(),
        std::move(change.deal));
    return decision;
}

}  // namespace deals::commands
