#include "projections/deal_table.hpp"

namespace deals::projections {

Deal& DealTable::operator[](DealId id) {
    if (!paged(id)) {
        auto [it, added] = others_.try_emplace(id);
        size_ += added ? 1 : 0;
        return it->second;
    }
    const auto at = static_cast<std::uint64_t>(id.value);
    const std::size_t p = at / kPage;
    const std::size_t i = at % kPage;
    if (p >= pages_.size()) {
        pages_.resize(std::max(p + 1, pages_.size() * 3 / 2));
    }
    if (pages_[p] == nullptr) {
        pages_[p] = std::make_unique<Page>();
    }
    Page& page = *pages_[p];
    if (!page.present[i]) {
        page.present[i] = true;
        ++size_;
    }
    return page.deals[i];
}

void DealTable::adopt(std::size_t n, std::unique_ptr<Page> page) {
    if (n >= pages_.size()) {
        pages_.resize(std::max(n + 1, pages_.size() * 3 / 2));
    }
    if (pages_[n] == nullptr) {
        size_ += page->present.count();
        pages_[n] = std::move(page);
        return;
    }
    Page& into = *pages_[n];
    for (std::size_t i = 0; i < kPage; ++i) {
        if (page->present[i]) {
            size_ += into.present[i] ? 0 : 1;
            into.present[i] = true;
            into.deals[i] = std::move(page->deals[i]);
        }
    }
}

const Deal* DealTable::find(DealId id) const {
    if (!paged(id)) {
        auto it = others_.find(id);
        return it == others_.end() ? nullptr : &it->second;
    }
    const auto at = static_cast<std::uint64_t>(id.value);
    const std::size_t p = at / kPage;
    const std::size_t i = at % kPage;
    if (p >= pages_.size() || pages_[p] == nullptr || !pages_[p]->present[i]) {
        return nullptr;
    }
    return &pages_[p]->deals[i];
}

void DealTable::erase(DealId id) {
    if (!paged(id)) {
        size_ -= others_.erase(id);
        return;
    }
    const auto at = static_cast<std::uint64_t>(id.value);
    const std::size_t p = at / kPage;
    const std::size_t i = at % kPage;
    if (p < pages_.size() && pages_[p] != nullptr && pages_[p]->present[i]) {
        pages_[p]->present[i] = false;
        pages_[p]->deals[i] = Deal{};  // its strings and vectors go now
        --size_;
    }
}

}  // namespace deals::projections
