#include "projections/search.hpp"

#include <array>
#include <cctype>
#include <stdexcept>
#include <map>

#include "events/decimal.hpp"
#include "projections/collation.hpp"

namespace deals::projections {

namespace {

constexpr std::array kDealFields = {
    SearchField{"id", SearchOp::kEquals, true},
    SearchField{"name", SearchOp::kLike, false},
    SearchField{"pipeline.name", SearchOp::kLike, false},
    SearchField{"pipeline_id", SearchOp::kEquals, true},
    SearchField{"stage.name", SearchOp::kLike, false},
    SearchField{"stage_id", SearchOp::kEquals, true},
    SearchField{"amount", SearchOp::kEquals, true},
    SearchField{"status", SearchOp::kLike, false},
    SearchField{"lost_reason", SearchOp::kLike, false},
    SearchField{"user.name", SearchOp::kLike, false},
    SearchField{"user_id", SearchOp::kEquals, true},
};

/// Contract §7.6 (reference §10 lists more; the contract wins).
constexpr std::array kProductFields = {
    SearchField{"id", SearchOp::kEquals, true},
    SearchField{"name", SearchOp::kLike, false},
    SearchField{"sku", SearchOp::kEquals, false},
    SearchField{"description", SearchOp::kLike, false},
    SearchField{"unit_price", SearchOp::kEquals, true},
    SearchField{"tax_label", SearchOp::kLike, false},
    SearchField{"unit", SearchOp::kLike, false},
    SearchField{"is_active", SearchOp::kEquals, true},
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

std::vector<std::string_view> split(std::string_view s, char by) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == by) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

std::optional<std::size_t> field_index(std::span<const SearchField> fields,
                                       std::string_view name) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (fields[i].name == name) {
            return i;
        }
    }
    return std::nullopt;
}

/// Whether `value` can be searched in a numeric field with `op`.
bool numeric_value(SearchOp op, std::string_view value) {
    if (op != SearchOp::kIn) {
        return is_numeric(value);
    }
    for (const auto& v : in_values(value)) {
        if (is_numeric(v)) {
            return true;
        }
    }
    return false;
}

/// `q` in the per-field form `field:value;field2:value2` (reference §3.4): not a URL, with a
/// `:` after the first character.
bool per_field_form(std::string_view q) {
    if (q.find("http:") != std::string_view::npos || q.find("https:") != std::string_view::npos) {
        return false;
    }
    const auto colon = q.find(':');
    return colon != std::string_view::npos && colon > 0;
}

}  // namespace

std::span<const SearchField> deal_search_fields() { return kDealFields; }
std::span<const SearchField> product_search_fields() { return kProductFields; }

bool has_search_text(std::string_view q) { return !trim(q).empty(); }

std::string field_names(std::span<const SearchField> fields) {
    std::string out;
    for (const auto& f : fields) {
        if (!out.empty()) {
            out += ',';
        }
        out += f.name;
    }
    return out;
}

bool is_numeric(std::string_view text) {
    text = trim(text);
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        ++i;
    }
    std::size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        ++i, ++digits;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++i, ++digits;
        }
    }
    if (digits == 0) {
        return false;
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
            ++i;
        }
        std::size_t exponent = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++i, ++exponent;
        }
        if (exponent == 0) {
            return false;
        }
    }
    return i == text.size();
}

std::optional<std::int64_t> thousandths(std::string_view text) {
    if (!is_numeric(text)) {
        return std::nullopt;
    }
    const auto value = events::Decimal::parse(trim(text));
    if (!value || value->rounded(3) != *value) {
        return std::nullopt;  // too large, or more than three decimals: equals no stored value
    }
    try {
        return value->to_money().thousandths;
    } catch (const std::overflow_error&) {
        return std::nullopt;
    }
}

std::vector<std::string> split_list(std::string_view text, std::string_view separators) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || separators.find(text[i]) != std::string_view::npos) {
            const auto part = trim(text.substr(start, i - start));
            if (!part.empty()) {
                out.emplace_back(part);
            }
            start = i + 1;
        }
    }
    return out;
}

std::vector<std::string> in_values(std::string_view value) { return split_list(value, ","); }

std::string equality_key(std::string_view text) {
    while (!text.empty() && text.back() == ' ') {
        text.remove_suffix(1);
    }
    return fold(text);
}

ParsedSearch parse_search(std::span<const SearchField> fields, std::string_view q,
                          std::optional<std::string_view> search_fields,
                          std::optional<std::string_view> search_match) {
    q = trim(q);  // as Laravel's TrimStrings middleware
    if (q.empty()) {
        return std::monostate{};
    }
    // The candidate fields and their operators.
    std::vector<std::pair<std::size_t, SearchOp>> candidates;
    if (search_fields && !trim(*search_fields).empty()) {
        for (const auto segment : split(*search_fields, ';')) {
            const auto colon = segment.find(':');
            const auto name = segment.substr(0, colon);
            const auto index = field_index(fields, name);
            if (!index) {
                continue;
            }
            SearchOp op = fields[*index].op;
            if (colon != std::string_view::npos) {
                const auto op_text = segment.substr(colon + 1);
                if (op_text == "=") {
                    op = SearchOp::kEquals;
                } else if (op_text == "like") {
                    op = SearchOp::kLike;
                } else if (op_text == "in") {
                    op = SearchOp::kIn;
                }
            }
            candidates.emplace_back(*index, op);
        }
        if (candidates.empty()) {
            return SearchRefusal::kNoFieldAccepted;
        }
    } else {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            candidates.emplace_back(i, fields[i].op);
        }
    }
    // Per-field values, when q names them.
    std::optional<std::map<std::string_view, std::string_view>> values;
    if (per_field_form(q)) {
        values.emplace();
        for (const auto segment : split(q, ';')) {
            const auto colon = segment.find(':');
            if (colon == std::string_view::npos) {
                continue;
            }
            values->emplace(trim(segment.substr(0, colon)), trim(segment.substr(colon + 1)));
        }
    }
    Search search;
    for (const auto& [index, op] : candidates) {
        std::string_view value = q;
        if (values) {
            auto it = values->find(fields[index].name);
            if (it == values->end()) {
                continue;
            }
            value = it->second;
        }
        if (value.empty() || (fields[index].numeric && !numeric_value(op, value))) {
            continue;
        }
        search.conditions.push_back({index, op, std::string(value)});
    }
    if (search.conditions.empty()) {
        return SearchRefusal::kInvalidFields;
    }
    if (search_match) {
        std::string m(trim(*search_match));
        for (auto& c : m) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        search.match_all = m == "and";
    }
    return search;
}

bool value_matches(SearchOp op, std::string_view wanted, const std::optional<std::string>& text,
                   std::optional<std::int64_t> number) {
    if (!text && !number) {
        return false;  // NULL matches nothing
    }
    switch (op) {
        case SearchOp::kLike:
            if (number) {
                return text && text->find(wanted) != std::string::npos;
            }
            return fold(*text).find(fold(wanted)) != std::string::npos;
        case SearchOp::kEquals:
            if (number) {
                return thousandths(wanted) == number;
            }
            return equality_key(*text) == equality_key(wanted);
        case SearchOp::kIn:
            for (const auto& v : in_values(wanted)) {
                if (value_matches(SearchOp::kEquals, v, text, number)) {
                    return true;
                }
            }
            return false;
    }
    return false;
}

}  // namespace deals::projections
