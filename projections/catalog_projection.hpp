#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "projections/apply_context.hpp"
#include "projections/directory.hpp"
#include "projections/trash.hpp"

namespace deals::projections {

/// The catalog's name key: case and accents folded, trailing spaces ignored (MySQL's
/// utf8mb4_unicode_ci, which Concord relies on). Two products may not share one.
std::string product_name_key(std::string_view name);

/// The products catalog (`/api/products`), folded from the `product-N` streams, with its
/// name and SKU keys. Part of `Views`: not thread-safe, guarded by the views' lock.
class CatalogProjection {
public:
    void apply(const CatalogProductCreated& e, const ApplyContext& c);
    void apply(const CatalogProductUpdated& e, const ApplyContext& c);
    void apply(const CatalogProductTrashed& e, const ApplyContext& c);
    void apply(const CatalogProductRestored& e, const ApplyContext& c);

    /// Takes a persisted view at start-up (raising the product watermark to its id).
    void load(Product product, IdWatermarks& watermarks);

    [[nodiscard]] const Product* product(ProductId id) const;
    /// The product whose name equals `name` ignoring case, accents and trailing spaces, the
    /// trashed ones included (contract §7.4).
    [[nodiscard]] const Product* product_by_name(std::string_view name) const;
    /// The product with this SKU, ignoring case (the trashed ones included).
    [[nodiscard]] const Product* product_by_sku(std::string_view sku) const;
    /// Catalog products in name order (ties by id).
    [[nodiscard]] std::vector<const Product*> products_by_name(Trash which) const;

    /// Calls `visit(view)` for every product.
    template <class Visit>
    void each_view(Visit&& visit) const {
        for (const auto& [_, v] : products_) {
            visit(v);
        }
    }

private:
    /// Enters / removes a product's name and SKU keys.
    void index(const Product& product);
    void unindex(const Product& product);
    /// An event that changes product `id` (if it exists) at `c.at()`, marking it dirty.
    template <class Change>
    void change(ProductId id, const ApplyContext& c, Change&& change);

    std::map<ProductId, Product> products_;
    std::unordered_map<std::string, ProductId> product_by_folded_name_;
    std::unordered_map<std::string, ProductId> product_by_sku_;
};

}  // namespace deals::projections
