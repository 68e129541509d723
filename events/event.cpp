#include "events/event.hpp"

namespace deals::events {

std::string_view to_string(DealStatus status) {
    switch (status) {
        case DealStatus::kOpen:
            return "open";
        case DealStatus::kWon:
            return "won";
        case DealStatus::kLost:
            return "lost";
    }
    return "open";
}

std::optional<DealStatus> parse_deal_status(std::string_view text) {
    if (text == "open") {
        return DealStatus::kOpen;
    }
    if (text == "won") {
        return DealStatus::kWon;
    }
    if (text == "lost") {
        return DealStatus::kLost;
    }
    return std::nullopt;
}

std::string_view to_string(DealsScope scope) { return scope == DealsScope::kAll ? "all" : "own"; }

std::optional<DealsScope> parse_deals_scope(std::string_view text) {
    if (text == "all") {
        return DealsScope::kAll;
    }
    if (text == "own") {
        return DealsScope::kOwn;
    }
    return std::nullopt;
}

std::string_view to_string(CustomFieldType type) {
    switch (type) {
        case CustomFieldType::kText:
            return "Text";
        case CustomFieldType::kTextarea:
            return "Textarea";
        case CustomFieldType::kNumeric:
            return "Numeric";
        case CustomFieldType::kDate:
            return "Date";
        case CustomFieldType::kBoolean:
            return "Boolean";
        case CustomFieldType::kSelect:
            return "Select";
        case CustomFieldType::kMultiSelect:
            return "MultiSelect";
    }
    return "Text";
}

std::optional<CustomFieldType> parse_custom_field_type(std::string_view text) {
    for (const auto type :
         {CustomFieldType::kText, CustomFieldType::kTextarea, CustomFieldType::kNumeric,
          CustomFieldType::kDate, CustomFieldType::kBoolean, CustomFieldType::kSelect,
          CustomFieldType::kMultiSelect}) {
        if (to_string(type) == text) {
            return type;
        }
    }
    return std::nullopt;
}

std::string_view type_name(const Event& event) {
    return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; }, event);
}

int schema_version(const Event& event) {
    return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kSchemaVersion; },
                      event);
}

namespace {

constexpr std::string_view kDeal = "deal";
constexpr std::string_view kPipeline = "pipeline";
constexpr std::string_view kUser = "user";
constexpr std::string_view kToken = "token";
constexpr std::string_view kProduct = "product";
constexpr std::string_view kCustomField = "custom-field";

std::string named(std::string_view kind, const std::string& id) {
    std::string out;
    out.reserve(kind.size() + 1 + id.size());
    out.append(kind).push_back('-');
    out.append(id);
    return out;
}

struct StreamOf {
    // Stages belong to their pipeline's stream: the pipeline is the aggregate. (Named one by
    // one: a deal's events carry a pipeline_id too.)
    std::string operator()(const PipelineCreated& e) const {
        return pipeline_stream(e.pipeline_id);
    }
    std::string operator()(const PipelineUpdated& e) const {
        return pipeline_stream(e.pipeline_id);
    }
    std::string operator()(const PipelineDeleted& e) const {
        return pipeline_stream(e.pipeline_id);
    }
    std::string operator()(const StageCreated& e) const { return pipeline_stream(e.pipeline_id); }
    std::string operator()(const StageUpdated& e) const { return pipeline_stream(e.pipeline_id); }
    std::string operator()(const StageDeleted& e) const { return pipeline_stream(e.pipeline_id); }
    std::string operator()(const UserCreated& e) const { return user_stream(e.user_id); }
    std::string operator()(const UserUpdated& e) const { return user_stream(e.user_id); }
    std::string operator()(const UserDeleted& e) const { return user_stream(e.user_id); }
    std::string operator()(const TokenIssued& e) const { return token_stream(e.token_id); }
    std::string operator()(const TokenRevoked& e) const { return token_stream(e.token_id); }
    template <class E>
        requires requires(const E& e) { e.custom_field_id; }
        std::string operator()(const E& e) const { return custom_field_stream(e.custom_field_id); }
        template <class E>
        requires requires(const E& e) { e.product_id; }
        std::string operator()(const E& e) const { return product_stream(e.product_id); }
        template <class DealEvent>
        requires requires(const DealEvent& e) { e.deal_id; }
    std::string operator()(const DealEvent& e) const {
        return deal_stream(e.deal_id);
    }
};

}  // namespace

std::string deal_stream(DealId id) { return named(kDeal, id.str()); }
std::string pipeline_stream(PipelineId id) { return named(kPipeline, id.str()); }
std::string user_stream(UserId id) { return named(kUser, id.str()); }
std::string token_stream(TokenId id) { return named(kToken, id.str()); }
std::string product_stream(ProductId id) { return named(kProduct, id.str()); }
std::string custom_field_stream(CustomFieldId id) { return named(kCustomField, id.str()); }

std::optional<StreamName> parse_stream(std::string_view stream) {
    // Longest kinds first: `custom-field-2` is not of a kind `custom`.
    for (const std::string_view kind : {kCustomField, kPipeline, kProduct, kToken, kDeal, kUser}) {
        if (stream.size() > kind.size() + 1 && stream.starts_with(kind) &&
            stream[kind.size()] == '-') {
            return StreamName{kind, std::string(stream.substr(kind.size() + 1))};
        }
    }
    return std::nullopt;
}

std::string stream_of(const Event& event) { return std::visit(StreamOf{}, event); }

}  // namespace deals::events
