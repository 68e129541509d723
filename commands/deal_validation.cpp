#include "commands/deal_validation.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "commands/custom_field_commands.hpp"
#include "projections/collation.hpp"

namespace deals::commands {

namespace {

constexpr std::size_t kMaxString = 191;
const Money kMaxAmount = Money::units(1'000'000'000'000);

/// Checks a nullable string rule (string, ≤ 191) and returns its value, or nullopt.
std::optional<std::optional<std::string>> nullable_string(const FieldValue& v,
                                                          const std::string& field,
                                                          const std::string& label,
                                                          FieldErrorsBuilder& errors) {
    if (!v.present()) {
        return std::nullopt;
    }
    if (v.is_null()) {
        return std::optional<std::string>{};
    }
    if (!v.is_string()) {
        errors.add(field, "The " + label + " field must be a string.");
        return std::nullopt;
    }
    if (projections::utf8_length(v.text) > kMaxString) {
        errors.add(field, "The " + label + " field must not be greater than 191 characters.");
        return std::nullopt;
    }
    return std::optional<std::string>{v.text};
}

const projections::Stage* resolve_stage(const FieldValue& v, const projections::Views& views) {
    if (v.is_number() || (v.is_string() && is_integer_text(v.text))) {
        if (!is_integer_text(v.text)) {
            return nullptr;
        }
        return views.stage(StageId{std::stoll(v.text)});
    }
    return v.is_string() ? views.stage_by_name(v.text) : nullptr;
}

const projections::Pipeline* resolve_pipeline(const FieldValue& v,
                                              const projections::Views& views) {
    if (v.is_number() || (v.is_string() && is_integer_text(v.text))) {
        return is_integer_text(v.text) ? views.pipeline(PipelineId{std::stoll(v.text)}) : nullptr;
    }
    return v.is_string() ? views.pipeline_by_name(v.text) : nullptr;
}

/// Owner: an existing user id or user name; null unassigns.
std::optional<std::optional<UserId>> owner(const FieldValue& v, const projections::Views& views,
                                           FieldErrorsBuilder& errors) {
    if (!v.present()) {
        return std::nullopt;
    }
    if (v.is_null()) {
        return std::optional<UserId>{};
    }
    const projections::User* user = nullptr;
    if (v.is_number() || (v.is_string() && is_integer_text(v.text))) {
        user = is_integer_text(v.text) ? views.user(UserId{std::stoll(v.text)}) : nullptr;
    } else if (v.is_string()) {
        user = views.user_by_name(v.text);
    }
    if (user == nullptr) {
        errors.add("user_id", "The selected Owner is invalid.");
        return std::nullopt;
    }
    return std::optional<UserId>{user->id};
}

/// Decimal number syntax (as PHP's is_numeric) with a magnitude above 10^12. Money::parse
/// refuses such text when it is too large for Money (`1e15`); that is a bounds error, not
/// "must be a number".
bool too_large_for_money(const std::string& text) {
    static const std::regex kNumeric(R"(^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$)");
    if (!std::regex_match(text, kNumeric)) {
        return false;
    }
    // Only the order of magnitude matters here; the value itself is never kept.
    const long double magnitude = std::fabs(std::strtold(text.c_str(), nullptr));
    return magnitude > 1e12L;
}

std::optional<std::optional<Money>> amount(const FieldValue& v, FieldErrorsBuilder& errors) {
    if (!v.present()) {
        return std::nullopt;
    }
    if (v.is_null()) {
        return std::optional<Money>{};
    }
    std::optional<Money> m =
        v.is_number() || v.is_string() ? Money::parse(v.text) : std::optional<Money>{};
    if (!m && (v.is_number() || v.is_string()) && too_large_for_money(v.text)) {
        // Numeric, but beyond what Money holds (`1e15`): a bounds error, as Laravel's max/min.
        errors.add("amount", v.text.starts_with('-')
                                 ? "The Amount field must be at least -1000000000000."
                                 : "The Amount field must not be greater than 1000000000000.");
        return std::nullopt;
    }
    if (!m) {
        errors.add("amount", "The Amount field must be a number.");
        return std::nullopt;
    }
    if (*m < Money{-kMaxAmount.thousandths}) {
        errors.add("amount", "The Amount field must be at least -1000000000000.");
        return std::nullopt;
    }
    if (*m > kMaxAmount) {
        errors.add("amount", "The Amount field must not be greater than 1000000000000.");
        return std::nullopt;
    }
    return std::optional<Money>{*m};
}

std::optional<std::optional<Date>> close_date(const FieldValue& v, FieldErrorsBuilder& errors) {
    if (!v.present()) {
        return std::nullopt;
    }
    if (v.is_null()) {
        return std::optional<Date>{};
    }
    auto d = v.is_string() ? Date::parse(v.text) : std::nullopt;
    if (!d) {
        errors.add("expected_close_date", "The Expected Close Date field must be a valid date.");
        return std::nullopt;
    }
    return std::optional<Date>{*d};
}

std::optional<DealStatus> status(const FieldValue& v, FieldErrorsBuilder& errors) {
    if (!v.present()) {
        return std::nullopt;
    }
    auto s = v.is_string() ? parse_deal_status(v.text) : std::nullopt;
    if (!s) {
        errors.add("status", "The selected Status is invalid.");
    }
    return s;
}

std::optional<std::optional<std::string>> color(const FieldValue& v, FieldErrorsBuilder& errors) {
    if (!v.present()) {
        return std::nullopt;
    }
    if (v.is_null()) {
        return std::optional<std::string>{};
    }
    static const std::regex kHex("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$");
    if (!v.is_string() || !std::regex_match(v.text, kHex)) {
        errors.add("swatch_color", "The Color field must be a valid hexadecimal color.");
        return std::nullopt;
    }
    return std::optional<std::string>{v.text};
}

void lost_reason_required(const FieldValue& lost_reason, FieldErrorsBuilder& errors) {
    if (lost_reason.missing() && !errors.has("lost_reason")) {
        errors.add("lost_reason", "The Lost Reason field is required when Status is lost.");
    }
}

void deal_name(const FieldValue& v, FieldErrorsBuilder& errors, std::optional<std::string>& out) {
    if (!v.is_string()) {
        errors.add("name", "The Deal Name field must be a string.");
    } else if (projections::utf8_length(v.text) > kMaxString) {
        errors.add("name", "The Deal Name field must not be greater than 191 characters.");
    } else {
        out = v.text;
    }
}

}  // namespace

Result<CreateDeal> validate_create(const DealInput& in, const projections::Views& views,
                                   DealId new_id, const ValidationSettings& settings) {
    FieldErrorsBuilder errors;
    CreateDeal c{.id = new_id};
    std::optional<std::string> name;
    if (in.name.missing()) {
        errors.add("name", "The Deal Name field is required.");
    } else {
        deal_name(in.name, errors, name);
    }
    if (!in.pipeline_id.missing() && resolve_pipeline(in.pipeline_id, views) == nullptr) {
        errors.add("pipeline_id", "This Pipeline value is forbidden.");
    }
    const projections::Stage* stage = nullptr;
    if (in.stage_id.missing()) {
        errors.add("stage_id", "The Stage field is required.");
    } else if ((stage = resolve_stage(in.stage_id, views)) == nullptr) {
        errors.add("stage_id", "The selected Stage is invalid.");
    }
    auto amt = amount(in.amount, errors);
    auto ecd = close_date(in.expected_close_date, errors);
    const FieldValue status_value =
        in.status.present() ? in.status : FieldValue::string(std::string("open"));
    auto st = status(status_value, errors);
    auto reason = nullable_string(in.lost_reason, "lost_reason", "Lost Reason", errors);
    if (settings.lost_reason_required && st == DealStatus::kLost) {
        lost_reason_required(in.lost_reason, errors);
    }
    auto user = owner(in.user_id, views, errors);
    auto swatch = color(in.swatch_color, errors);
    c.custom_fields = validate_custom_values(in.custom_fields, views, errors);
    if (!errors.empty()) {
        return errors.error();
    }
    c.name = *name;
    c.stage_id = stage->id;
    c.pipeline_id = stage->pipeline_id;
    c.amount = amt.value_or(std::nullopt);
    c.expected_close_date = ecd.value_or(std::nullopt);
    c.status = *st;
    c.lost_reason = reason.value_or(std::nullopt);
    c.user_id = user.value_or(std::nullopt);
    c.swatch_color = swatch.value_or(std::nullopt);
    return c;
}

Result<UpdateDeal> validate_update(const DealInput& in, const Deal& current,
                                   const projections::Views& views,
                                   const ValidationSettings& settings) {
    FieldErrorsBuilder errors;
    UpdateDeal u;
    if (in.name.present()) {
        if (in.name.is_null()) {
            errors.add("name", "The Deal Name field must have a value.");
        } else {
            deal_name(in.name, errors, u.name);
        }
    }
    const bool pipeline_given = !in.pipeline_id.missing();
    // Pipeline and stage are separate rules: both errors may show, pipeline first (field order).
    if (pipeline_given && resolve_pipeline(in.pipeline_id, views) == nullptr &&
        !(is_integer_text(in.pipeline_id.text) &&
          std::stoll(in.pipeline_id.text) == current.pipeline_id.value)) {
        errors.add("pipeline_id", "This Pipeline value is forbidden.");
    }
    if (pipeline_given && in.stage_id.missing()) {
        errors.add("stage_id", in.stage_id.is_null()
                                   ? "The Stage field must have a value."
                                   : "The Stage field is required when Pipeline is present.");
    }
    if (in.stage_id.is_null() && !errors.has("stage_id")) {
        errors.add("stage_id", "The Stage field must have a value.");
    } else if (in.stage_id.present() && !in.stage_id.is_null()) {
        const projections::Stage* stage = resolve_stage(in.stage_id, views);
        if (stage == nullptr) {
            errors.add("stage_id", "The selected Stage is invalid.");
        } else {
            u.stage = StagePlacement{stage->id, stage->pipeline_id};
        }
    }
    // Amount is read-only while the deal has product lines: silently ignored, as Concord.
    auto amt = current.products_count > 0 ? std::nullopt : amount(in.amount, errors);
    u.amount = amt;
    u.expected_close_date = close_date(in.expected_close_date, errors);
    if (in.status.present()) {
        u.status = status(in.status, errors);
    }
    u.lost_reason = nullable_string(in.lost_reason, "lost_reason", "Lost Reason", errors);
    const bool becomes_lost = u.status == DealStatus::kLost && current.status != DealStatus::kLost;
    if (settings.lost_reason_required && becomes_lost) {
        lost_reason_required(in.lost_reason, errors);
    }
    u.user_id = owner(in.user_id, views, errors);
    u.swatch_color = color(in.swatch_color, errors);
    u.custom_fields = validate_custom_values(in.custom_fields, views, errors);
    if (!errors.empty()) {
        return errors.error();
    }
    return u;
}

Result<ChangeStatus> validate_status_change(std::string_view status_text,
                                            const FieldValue& lost_reason,
                                            const ValidationSettings& settings) {
    FieldErrorsBuilder errors;
    auto st = parse_deal_status(status_text);
    if (!st) {
        errors.add("status", "The selected status is invalid.");
    }
    ChangeStatus c;
    if (lost_reason.present() && !lost_reason.is_null()) {
        if (!lost_reason.is_string()) {
            errors.add("lost_reason", "The lost reason field must be a string.");
        } else if (projections::utf8_length(lost_reason.text) > kMaxString) {
            errors.add("lost_reason",
                       "The lost reason field must not be greater than 191 characters.");
        } else {
            c.lost_reason = lost_reason.text;
        }
    } else if (settings.lost_reason_required && st == DealStatus::kLost) {
        errors.add("lost_reason", "The lost reason field is required.");
    }
    if (!errors.empty()) {
        return errors.error();
    }
    c.status = *st;
    return c;
}

FieldValue FieldValue::string(std::string t) {
    const auto first = t.find_first_not_of(" \t\n\r\f\v");
    if (first == std::string::npos) {
        return null();
    }
    const auto last = t.find_last_not_of(" \t\n\r\f\v");
    return {Kind::kString, t.substr(first, last - first + 1)};
}

}  // namespace deals::commands
