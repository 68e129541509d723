#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "projections/deal_index.hpp"

namespace deals::projections {

/// The index of one custom field: an ordered index over every deal of its `DealIndex` (unset
/// values have key 0 and sort first), and for Text the collation keys, folded texts and
/// substring index. Owned by the `DealIndex` (behind a pointer: `tie` points back at it).
struct DealIndex::CustomColumn {
    /// Orders Text values with equal keys by their whole collation key.
    class Tie : public OrderedIndex::Tie {
    public:
        explicit Tie(const CustomColumn& column) : column_(column) {}
        [[nodiscard]] int compare(std::uint32_t a, std::uint32_t b) const override {
            return column_.collation_of(a).compare(column_.collation_of(b));
        }

    private:
        const CustomColumn& column_;
    };

    CustomColumn(CustomFieldId field, CustomFieldType kind);

    /// Whether a custom field of this type is indexed (sorted or searched).
    static bool indexed(CustomFieldType type);
    /// A present text's collation key behind a 0x01 byte, so that it sorts after every unset
    /// value (empty) even when the collation ignores all of it (a lone soft hyphen).
    static std::string present_key(std::string_view text);

    [[nodiscard]] std::string_view collation_of(std::uint32_t slot) const {
        auto it = collation.find(slot);
        return it == collation.end() ? std::string_view{} : std::string_view(it->second);
    }
    /// The key of a value (0: none). Text keys are a prefix of the collation key.
    [[nodiscard]] std::uint64_t key(const CustomValue* value) const;
    /// Takes / forgets a deal's text (Text fields only; the ordered index is the caller's).
    void enter(std::uint32_t slot, const CustomValue* value);
    void leave(std::uint32_t slot);

    CustomFieldId id;
    CustomFieldType type;
    Tie tie;
    OrderedIndex order;
    std::unordered_map<std::uint32_t, std::string> collation;
    std::unordered_map<std::uint32_t, std::string> folded;
    TextIndex text;
};

}  // namespace deals::projections
