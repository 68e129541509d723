#include "commands/association_commands.hpp"

#include <algorithm>
#include <iterator>

namespace deals::commands {

namespace {

/// A positive integer id as written (`7`, not `7.5`, `-1` or `"7"`), or nullopt.
std::optional<std::int64_t> positive_id(const FieldValue& v) {
    if (!v.is_number() || v.text.empty() || v.text.size() > 15 ||
        !std::all_of(v.text.begin(), v.text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    const auto id = std::stoll(v.text);
    return id > 0 ? std::optional(id) : std::nullopt;
}

/// The ids of one type, or the field errors of its items.
std::vector<std::int64_t> ids_of(const AssociationValue& value, const std::string& type,
                                 FieldErrorsBuilder& errors) {
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < value.items.size(); ++i) {
        const std::string key = type + "." + std::to_string(i);
        if (auto id = positive_id(value.items[i])) {
            ids.push_back(*id);
        } else {
            errors.add(key, "The " + key + " must be a positive integer id.");
        }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::vector<std::int64_t>& of(AssociatedIds& ids, std::size_t type) {
    return type == 0 ? ids.contacts : (type == 1 ? ids.companies : ids.activities);
}

const std::vector<std::int64_t>& of(const AssociatedIds& ids, std::size_t type) {
    return type == 0 ? ids.contacts : (type == 1 ? ids.companies : ids.activities);
}

std::vector<std::int64_t> minus(const std::vector<std::int64_t>& a,
                                const std::vector<std::int64_t>& b) {
    std::vector<std::int64_t> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

std::vector<std::int64_t> both(const std::vector<std::int64_t>& a,
                               const std::vector<std::int64_t>& b) {
    std::vector<std::int64_t> out;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

}  // namespace

bool ChangeAssociations::single() const {
    std::size_t n = 0;
    for (const auto& t : ids) {
        n += t ? t->size() : 0;
    }
    return n == 1;
}

Result<ChangeAssociations> validate_associations(const AssociationInput& input,
                                                 AssociationMode mode) {
    if (!input.unknown_keys.empty()) {
        return conflict("The provided resource name \"" + input.unknown_keys.front() +
                        "\" cannot be associated to deal.");
    }
    ChangeAssociations command{mode, {}};
    FieldErrorsBuilder errors;
    bool any = false;
    for (std::size_t t = 0; t < kAssociationTypes.size(); ++t) {
        const auto& value = input.types[t];
        // Attach and detach skip what is not a non-empty array; sync takes [] (it empties).
        if (!value.present || !value.is_array ||
            (value.items.empty() && mode != AssociationMode::kSync)) {
            continue;
        }
        command.ids[t] = ids_of(value, kAssociationTypes[t], errors);
        any = true;
    }
    if (!any) {
        return validation(
            {{"resources", {"Make sure to provide at least one resource."}}});
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return command;
}

Result<std::optional<ChangeAssociations>> validate_body_associations(const AssociationInput& input,
                                                                     AssociationMode mode) {
    ChangeAssociations command{mode, {}};
    FieldErrorsBuilder errors;
    bool any = false;
    for (std::size_t t = 0; t < kAssociationTypes.size(); ++t) {
        const auto& value = input.types[t];
        if (!value.present || value.is_null) {
            continue;
        }
        if (!value.is_array) {
            errors.add(kAssociationTypes[t],
                       std::string("The ") + kAssociationTypes[t] + " must be an array.");
            continue;
        }
        command.ids[t] = ids_of(value, kAssociationTypes[t], errors);
        any = true;
    }
    if (!errors.empty()) {
        return errors.error();
    }
    return any ? std::optional(command) : std::nullopt;
}

Result<Events> decide(const Deal& state, const ChangeAssociations& command) {
    AssociationsChanged e{state.id, {}, {}};
    for (std::size_t t = 0; t < kAssociationTypes.size(); ++t) {
        if (!command.ids[t]) {
            continue;
        }
        const auto& now = of(state.associations, t);
        const auto& ids = *command.ids[t];
        switch (command.mode) {
            case AssociationMode::kAttach:
                of(e.added, t) = minus(ids, now);
                break;
            case AssociationMode::kSync:
                of(e.added, t) = minus(ids, now);
                of(e.removed, t) = minus(now, ids);
                break;
            case AssociationMode::kDetach:
                of(e.removed, t) = both(ids, now);
                break;
        }
    }
    if (command.mode == AssociationMode::kAttach && command.single() && e.added.empty()) {
        return conflict("This record is already associated");
    }
    if (e.added.empty() && e.removed.empty()) {
        return Events{};
    }
    return Events{std::move(e)};
}

}  // namespace deals::commands
