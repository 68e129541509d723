#include "commands/deal_body.hpp"

#include <algorithm>

namespace deals::commands {

namespace {

std::optional<Error> error_of(const auto& result) {
    return result ? std::nullopt : std::optional<Error>(result.error());
}

/// `billable` must be an object (§5.1). Empty values are no billable, as in Concord; anything
/// else that is not an object is a 422 on `billable`, after the deal's own errors.
std::optional<Error> with_billable_type_error(const DealBody& body, std::optional<Error> error) {
    if (body.billable_kind != DealBody::Billable::kWrongType) {
        return error;
    }
    if (error && error->code != ErrorCode::kValidation) {
        return error;
    }
    FieldErrors fields = error ? error->fields : FieldErrors{};
    fields.emplace_back("billable",
                        std::vector<std::string>{"The billable field must be an array."});
    return validation(std::move(fields));
}

/// Custom fields come last in contract §5.1's field order, after the association keys and
/// the billable: moves their errors there (the summary message follows the new first error).
Error custom_fields_last(Error error) {
    std::stable_partition(error.fields.begin(), error.fields.end(),
                          [](const auto& field) { return !field.first.starts_with("cf_"); });
    return validation(std::move(error.fields));
}

/// Validates the embedded billable; merges its errors after the deal's (keys `billable.…`),
/// and the custom fields' after both.
Result<std::optional<SaveBillable>> embedded_save(const DealBody& body,
                                                  const std::optional<Error>& deal_error) {
    std::optional<SaveBillable> save;
    std::optional<Error> billable_error;
    if (body.billable_kind == DealBody::Billable::kObject) {
        auto validated = validate_billable(body.billable);
        if (validated) {
            save = std::move(*validated);
        } else {
            billable_error = validated.error();
        }
    }
    if (deal_error && deal_error->code != ErrorCode::kValidation) {
        return *deal_error;
    }
    if (deal_error || billable_error) {
        return custom_fields_last(merge_validation(deal_error ? &*deal_error : nullptr,
                                                   billable_error ? &*billable_error : nullptr,
                                                   "billable."));
    }
    return save;
}

/// An embedded billable's validation errors, keyed under `billable.`.
Error under_billable(const Error& error) {
    return error.code == ErrorCode::kValidation ? merge_validation(nullptr, &error, "billable.")
                                                : error;
}

/// The deal's validation error with the association keys' errors after it (contract §5.1
/// order), or whichever exists.
std::optional<Error> with_association_errors(
    std::optional<Error> deal_error,
    const Result<std::optional<ChangeAssociations>>& associations) {
    if (associations) {
        return deal_error;
    }
    if (!deal_error) {
        return associations.error();
    }
    if (deal_error->code != ErrorCode::kValidation) {
        return deal_error;
    }
    const Error assoc = associations.error();
    return merge_validation(&*deal_error, &assoc, "");
}

/// The deal as `events` leave it (from `before`, or from nothing for a new deal).
Deal folded(const Deal* before, const Events& events, Timestamp now) {
    Deal deal = before ? *before : Deal{};
    for (const auto& e : events) {
        projections::apply(deal, e, now, deal.version + 1);
    }
    return deal;
}

BillableIds ids_of(IdSource& ids) {
    return {[&ids] { return ids.next_line(); }, [&ids] { return ids.next_product(); }};
}

/// A deal's events with the body's association change and billable save after them, each
/// decided against the deal as the events before it leave it (folded once, as they come); the
/// catalog events the save needs apart.
Result<DealChange> with_associations_and_billable(
    const projections::Views& views, const Deal* before, Events events,
    const std::optional<ChangeAssociations>& associations, const SaveBillable* save,
    const DealBodyContext& context) {
    const Timestamp now = context.clock();
    Deal state = folded(before, events, now);
    DealChange change{std::move(events), {}};
    if (associations) {
        // A body's keys never make the one-id 409: that is only the attach route's.
        if (auto decided = decide(state, *associations)) {
            for (auto& e : *decided) {
                projections::apply(state, e, now, state.version + 1);
                change.deal.push_back(std::move(e));
            }
        }
    }
    if (save != nullptr) {
        auto decided = decide(views, state, *save, ids_of(context.ids), context.actor);
        if (!decided) {
            return under_billable(decided.error());
        }
        change.catalog = std::move(decided->catalog);
        for (auto& e : decided->deal) {
            change.deal.push_back(std::move(e));
        }
    }
    return change;
}

/// Gives every event of a new deal the deal's id, once it is taken.
void assign_deal(Events& events, DealId id) {
    for (auto& event : events) {
        std::visit(
            [id](auto& e) {
                if constexpr (requires { e.deal_id; }) {
                    e.deal_id = id;
                }
            },
            event);
    }
}

/// Validates a new deal's body and decides its events (with a stand-in id, 0).
Result<DealChange> decide_create(const projections::Views& views, const DealBody& body,
                                 const DealBodyContext& context) {
    auto command = validate_create(body.deal, views, DealId{}, context.settings);
    const auto associations =
        validate_body_associations(body.associations, AssociationMode::kAttach);
    auto billable = embedded_save(
        body,
        with_billable_type_error(body, with_association_errors(error_of(command), associations)));
    if (!billable) {
        return billable.error();
    }
    auto events = decide(nullptr, *command);
    if (!events) {
        return events.error();
    }
    const SaveBillable* save = *billable && body.billable_has_lines ? &**billable : nullptr;
    return with_associations_and_billable(views, nullptr, std::move(*events), *associations, save,
                                           context);
}

}  // namespace

Error merge_validation(const Error* a, const Error* b, const std::string& prefix) {
    FieldErrors fields;
    if (a) {
        fields = a->fields;
    }
    if (b) {
        for (const auto& [key, messages] : b->fields) {
            fields.emplace_back(prefix + key, messages);
        }
    }
    return validation(std::move(fields));
}

Decide create_deal(DealBody body, DealBodyContext context, DealId& created) {
    return [body = std::move(body), context = std::move(context),
            &created](const projections::ViewReader& reader) -> Result<Decision> {
        auto change = reader.read(
            [&](const projections::Views& views) { return decide_create(views, body, context); });
        if (!change) {
            return change.error();
        }
        // The id is taken only once the request is valid, so rejected creates use up none.
        created = context.ids.next_deal();
        assign_deal(change->deal, created);
        return deal_decision(created, std::nullopt, std::move(*change));
    };
}

DealDecide update_deal(DealBody body, DealBodyContext context) {
    return [body = std::move(body), context = std::move(context)](
               const projections::Views& views, const Deal& deal) -> Result<DealChange> {
        auto command = validate_update(body.deal, deal, views, context.settings);
        const auto associations =
            validate_body_associations(body.associations, AssociationMode::kSync);
        auto billable = embedded_save(
            body, with_billable_type_error(
                      body, with_association_errors(error_of(command), associations)));
        if (!billable) {
            return billable.error();
        }
        auto events = decide(deal, *command);
        if (!events) {
            return events.error();
        }
        const SaveBillable* save = *billable ? &**billable : nullptr;
        return with_associations_and_billable(views, &deal, std::move(*events), *associations,
                                               save, context);
    };
}

DealDecide save_billable(SaveBillable command, DealBodyContext context, bool& created) {
    return [command = std::move(command), context = std::move(context), &created](
               const projections::Views& views, const Deal& deal) -> Result<DealChange> {
        auto decided = decide(views, deal, command, ids_of(context.ids), context.actor);
        if (!decided) {
            return decided.error();
        }
        created = !deal.billable.has_value();
        return DealChange{std::move(decided->deal), std::move(decided->catalog)};
    };
}

}  // namespace deals::commands
