#pragma once

// The search part of the query language (contract §4.4, reference §3.4): `q`,
// `search_fields`, `search_match`, for deals and for the products catalog alike.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace deals::projections {

enum class SearchOp { kEquals, kLike, kIn };

/// A searchable field: its name in `search_fields`, its default operator, and whether its
/// values are numbers (skipped when the searched value is not numeric).
struct SearchField {
    std::string_view name;
    SearchOp op;
    bool numeric;
};

/// One field searched for one value.
struct SearchCondition {
    std::size_t field;  ///< index into the field table
    SearchOp op;
    std::string value;
    friend bool operator==(const SearchCondition&, const SearchCondition&) = default;
};

/// The conditions of a search, OR-ed unless `match_all`.
struct Search {
    std::vector<SearchCondition> conditions;
    bool match_all = false;
};

/// Why a search is refused: no name of `search_fields` is searchable (403), or every field
/// was skipped because the value is not numeric (422).
enum class SearchRefusal { kNoFieldAccepted, kInvalidFields };

/// What the request's search parameters ask: nothing (empty `q`), a search, or a refusal.
using ParsedSearch = std::variant<std::monostate, Search, SearchRefusal>;

ParsedSearch parse_search(std::span<const SearchField> fields, std::string_view q,
                          std::optional<std::string_view> search_fields,
                          std::optional<std::string_view> search_match);

/// Whether `q` asks for a search at all (not empty once trimmed).
bool has_search_text(std::string_view q);

/// The field names, comma-separated, as the 403 message lists them.
std::string field_names(std::span<const SearchField> fields);

/// The deal fields of contract §4.4, in Concord's order.
std::span<const SearchField> deal_search_fields();
/// The product fields of contract §7.6.
std::span<const SearchField> product_search_fields();

/// PHP's is_numeric: optional sign, digits with an optional fraction, optional exponent,
/// surrounding whitespace allowed.
bool is_numeric(std::string_view text);
/// A numeric text in thousandths when it is exactly that (at most three decimals); empty
/// otherwise (too precise, or not a number).
std::optional<std::int64_t> thousandths(std::string_view text);

/// The parts of `text` between any of `separators`, trimmed, empty ones dropped
/// (`select=a;b`, `with=`, `in` values, `"1, 2"` id lists).
std::vector<std::string> split_list(std::string_view text, std::string_view separators);
/// `in` values: split on commas, trimmed, empty ones dropped.
std::vector<std::string> in_values(std::string_view value);

/// Whether a field value matches a condition, for searches that test records one by one.
/// `text` is the value as the database would show it (null when absent); `number` its value
/// in thousandths when the field is numeric.
bool value_matches(SearchOp op, std::string_view wanted, const std::optional<std::string>& text,
                   std::optional<std::int64_t> number);

/// Text folded for `=`: case and accents ignored, trailing spaces ignored (MySQL's PAD SPACE).
std::string equality_key(std::string_view text);

}  // namespace deals::projections
