#include "projections/collation.hpp"

#include <unicode/coll.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <memory>
#include <stdexcept>

namespace deals::projections {

namespace {

/// ICU collators are not safe to share for all operations; one per thread is cheap.
icu::Collator& thread_collator() {
    thread_local std::unique_ptr<icu::Collator> collator = [] {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::Collator> c(
            icu::Collator::createInstance(icu::Locale::getRoot(), status));
        if (U_FAILURE(status)) {
            throw std::runtime_error("ICU root collator unavailable");
        }
        c->setStrength(icu::Collator::PRIMARY);
        return c;
    }();
    return *collator;
}

}  // namespace

std::string collation_key(std::string_view text) {
    const auto ustr =
        icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int>(text.size())));
    auto& collator = thread_collator();
    std::string key(64, '\0');
    int32_t n = collator.getSortKey(ustr, reinterpret_cast<uint8_t*>(key.data()),
                                    static_cast<int32_t>(key.size()));
    if (n > static_cast<int32_t>(key.size())) {
        key.resize(n);
        n = collator.getSortKey(ustr, reinterpret_cast<uint8_t*>(key.data()), n);
    }
    key.resize(n > 0 ? n - 1 : 0);  // drop the terminating zero byte
    return key;
}

namespace {

/// Folds text that holds no ASCII byte (see `fold`).
std::string fold_unicode(std::string_view text) {
    // Decompose, drop combining marks, case-fold: the primary-strength notion of "same letter".
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
    auto ustr =
        icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int>(text.size())));
    icu::UnicodeString decomposed = nfd->normalize(ustr, status);
    icu::UnicodeString out;
    for (int32_t i = 0; i < decomposed.length();) {
        const UChar32 c = decomposed.char32At(i);
        if (u_getCombiningClass(c) == 0 && u_charType(c) != U_NON_SPACING_MARK) {
            out.append(c);
        }
        i += U16_LENGTH(c);
    }
    out.foldCase();
    // Letters that do not decompose but that the root collation takes as the same letter at
    // primary strength (Łódź sorts as Lodz), so that matching agrees with ordering.
    static constexpr std::pair<char16_t, const char16_t*> kSameLetter[] = {
        {u'\u0142', u"l"},  {u'\u00F8', u"o"},  {u'\u00E6', u"ae"}, {u'\u0111', u"d"},
        {u'\u00F0', u"d"},  {u'\u0153', u"oe"}, {u'\u0127', u"h"},  {u'\u0140', u"l"},
    };
    for (const auto& [letter, same] : kSameLetter) {
        if (out.indexOf(letter) >= 0) {  // rare: most runs have none of them
            out.findAndReplace(icu::UnicodeString(letter), icu::UnicodeString(same));
        }
    }
    std::string result;
    out.toUTF8String(result);
    return result;
}

}  // namespace

std::string fold(std::string_view text) {
    // ASCII folds to lower case on its own; only runs of other characters need ICU. Folding
    // run by run is the same as folding the whole: decomposition, mark removal and case
    // folding all work character by character.
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : static_cast<char>(c));
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < text.size() && static_cast<unsigned char>(text[i]) >= 0x80) {
            ++i;
        }
        out += fold_unicode(text.substr(start, i - start));
    }
    return out;
}

std::size_t utf8_length(std::string_view text) {
    std::size_t n = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++n;
        }
    }
    return n;
}

}  // namespace deals::projections
