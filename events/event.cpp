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

std::string deal_stream(DealId id) { return "deal-" + id.str(); }

namespace {

struct StreamOf {
    std::string operator()(const PipelineCreated& e) const {
        return "pipeline-" + e.pipeline_id.str();
    }
    // Stages belong to their pipeline's stream: the pipeline is the aggregate.
    std::string operator()(const StageCreated& e) const {
        return "pipeline-" + e.pipeline_id.str();
    }
    std::string operator()(const PipelineUpdated& e) const {
        return "pipeline-" + e.pipeline_id.str();
    }
    std::string operator()(const PipelineDeleted& e) const {
        return "pipeline-" + e.pipeline_id.str();
    }
    std::string operator()(const StageUpdated& e) const {
        return "pipeline-" + e.pipeline_id.str();
    }
    std::string operator()(const StageDeleted& e) const {
        return "pipeline-" + e.pipeline_id.str();
    }
    std::string operator()(const UserCreated& e) const { return "user-" + e.user_id.str(); }
    std::string operator()(const TokenIssued& e) const { return "token-" + e.token_id.str(); }
    std::string operator()(const TokenRevoked& e) const { return "token-" + e.token_id.str(); }
    template <class E>
        requires requires(const E& e) { e.custom_field_id; }
    std::string operator()(const E& e) const {
        return "custom-field-" + e.custom_field_id.str();
    }
    template <class E>
        requires requires(const E& e) { e.product_id; }
    std::string operator()(const E& e) const {
        return "product-" + e.product_id.str();
    }
    template <class DealEvent>
        requires requires(const DealEvent& e) { e.deal_id; }
    std::string operator()(const DealEvent& e) const {
        return deal_stream(e.deal_id);
    }
};

}  // namespace

std::string stream_of(const Event& event) { return std::visit(StreamOf{}, event); }

}  // namespace deals::events
