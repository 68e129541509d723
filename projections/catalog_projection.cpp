#include "projections/catalog_projection.hpp"

#include <algorithm>
#include <utility>

#include "projections/collation.hpp"
#include "projections/map_lookup.hpp"

namespace deals::projections {

std::string product_name_key(std::string_view name) {
    while (!name.empty() && name.back() == ' ') {
        name.remove_suffix(1);
    }
    return fold(name);
}

void CatalogProjection::index(const Product& p) {
    product_by_folded_name_[product_name_key(p.fields.name)] = p.id;
    if (p.fields.sku) {
        product_by_sku_[fold(*p.fields.sku)] = p.id;
    }
}

void CatalogProjection::unindex(const Product& p) {
    product_by_folded_name_.erase(product_name_key(p.fields.name));
    if (p.fields.sku) {
        product_by_sku_.erase(fold(*p.fields.sku));
    }
}

template <class Change>
void CatalogProjection::change(ProductId id, const ApplyContext& c, Change&& change) {
    if (Product* p = find_in(products_, id)) {
        change(*p);
        p->updated_at = c.at();
    }
    c.dirty.products.insert(id);
}

void CatalogProjection::apply(const CatalogProductCreated& e, const ApplyContext& c) {
    Product p{e.product_id, e.fields, e.created_by, c.at(), c.at(), std::nullopt};
    index(p);
    products_[e.product_id] = std::move(p);
    raise_to(c.watermarks.product, e.product_id.value);
    c.dirty.products.insert(e.product_id);
}

void CatalogProjection::apply(const CatalogProductUpdated& e, const ApplyContext& c) {
    change(e.product_id, c, [&](Product& p) {
        unindex(p);
        p.fields = e.fields;
        index(p);
    });
}

void CatalogProjection::apply(const CatalogProductTrashed& e, const ApplyContext& c) {
    change(e.product_id, c, [&](Product& p) { p.deleted_at = c.at(); });
}

void CatalogProjection::apply(const CatalogProductRestored& e, const ApplyContext& c) {
    change(e.product_id, c, [](Product& p) { p.deleted_at.reset(); });
}

void CatalogProjection::load(Product product, IdWatermarks& watermarks) {
    index(product);
    const ProductId id = product.id;
    raise_to(watermarks.product, id.value);
    products_[id] = std::move(product);
}

const Product* CatalogProjection::product(ProductId id) const { return find_in(products_, id); }

const Product* CatalogProjection::product_by_name(std::string_view name) const {
    auto it = product_by_folded_name_.find(product_name_key(name));
    return it == product_by_folded_name_.end() ? nullptr : product(it->second);
}

const Product* CatalogProjection::product_by_sku(std::string_view sku) const {
    auto it = product_by_sku_.find(fold(sku));
    return it == product_by_sku_.end() ? nullptr : product(it->second);
}

std::vector<const Product*> CatalogProjection::products_by_name(Trash which) const {
    std::vector<std::pair<std::string, const Product*>> keyed;
    for (const auto& [_, p] : products_) {
        if (p.trashed() == (which == Trash::kTrashed)) {
            keyed.emplace_back(collation_key(p.fields.name), &p);
        }
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<const Product*> out;
    out.reserve(keyed.size());
    for (const auto& [_, p] : keyed) {
        out.push_back(p);
    }
    return out;
}

}  // namespace deals::projections
