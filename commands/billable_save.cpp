// The decision of a billable save (contract §7.2): which events the deal records, with the
// totals after each, and which catalog products its lines create or restore.

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "commands/billable_commands.hpp"
#include "projections/billable_math.hpp"
#include "projections/billable_tally.hpp"
#include "projections/collation.hpp"

namespace deals::commands {

namespace {

/// The working state of one save: the deal's lines as the save leaves them, their running
/// totals, and what the catalog gains. Every step costs the time of its own line: a save of n
/// lines is linear in n (the totals each event carries come from the tally, not from the whole
/// billable again).
class BillableSave {
public:
    BillableSave(const projections::Views& views, const projections::Deal& deal,
                 const BillableIds& ids, std::optional<UserId> actor)
        : views_(views), deal_(deal), ids_(ids), actor_(actor), tally_(kDefaultTaxType) {}

    Result<BillableDecision> run(const SaveBillable& command);

private:
    void emit(Event event) { out_.deal.push_back(std::move(event)); }
    BillableTotals totals() const { return totals_of(tally_.figures(), deal_.amount); }
    void start(const SaveBillable& command);
    Result<bool> change(const LineChange& change, std::size_t index);
    void put(const BillableLine& line);
    /// The catalog product a line of this name links to, found (restoring a trashed one) or
    /// created from the line.
    ProductId catalog_product_for(const BillableLine& line, const std::string& name);
    Result<BillableLine> line_from(const LineChange& change, std::size_t index,
                                   BillableProductId id, const BillableLine* stored);

    const projections::Views& views_;
    const projections::Deal& deal_;
    const BillableIds& ids_;
    std::optional<UserId> actor_;
    TaxType tax_type_ = kDefaultTaxType;
    std::unordered_map<std::int64_t, BillableLine> lines_;  // by line id
    projections::BillableTally tally_;
    std::map<std::string, ProductId> created_;  // folded name -> product created by this save
    std::set<std::int64_t> restored_;           // trashed products this save restores
    BillableDecision out_;
};

void BillableSave::put(const BillableLine& line) {
    lines_.insert_or_assign(line.id.value, line);
    (void)projections::deal_amount(tally_.put(line).amount);  // its stored amount must fit
}

ProductId BillableSave::catalog_product_for(const BillableLine& line, const std::string& name) {
    if (const auto* p = views_.product_by_name(name)) {
        if (p->trashed() && restored_.insert(p->id.value).second) {
            out_.catalog.push_back(CatalogProductRestored{p->id});
        }
        return p->id;
    }
    const std::string key = projections::product_name_key(name);
    if (auto it = created_.find(key); it != created_.end()) {
        return it->second;
    }
    const ProductId id = ids_.next_product();
    CatalogProductFields fields;
    fields.name = name;
    fields.description = line.description;
    fields.unit_price = line.unit_price;
    fields.tax_rate = line.tax_rate;
    fields.tax_label = line.tax_label;
    fields.unit = line.unit;
    out_.catalog.push_back(CatalogProductCreated{id, fields, actor_});
    created_.emplace(key, id);
    return id;
}

Result<BillableLine> BillableSave::line_from(const LineChange& change, std::size_t index,
                                             BillableProductId id, const BillableLine* stored) {
    const std::string at = "products." + std::to_string(index) + ".";
    BillableLine line;
    if (stored) {
        line = *stored;  // an update changes only what the request sent
    } else {
        line.discount_type = change.discount_type;
        line.qty = change.qty;
        line.tax_label = change.tax_label;
        line.display_order = change.display_order;
    }
    line.id = id;
    if (change.name) {
        line.name = *change.name;
    } else {
        const auto* p = views_.product(*change.product_id);
        if (p == nullptr) {
            return validation(
                {{at + "product_id", {"The selected " + at + "product id is invalid."}}});
        }
        line.name = p->fields.name;
    }
    line.unit_price = change.unit_price;
    const auto& sent = change.sent;
    if (!stored || sent.description) {
        line.description = change.description;
    }
    if (!stored || sent.qty) {
        line.qty = change.qty;
    }
    if (!stored || sent.discount_type) {
        line.discount_type = change.discount_type;
    }
    if (!stored || sent.discount_total) {
        line.discount_total = change.discount_total;
    }
    if (!stored || sent.tax_label) {
        line.tax_label = change.tax_label;
    }
    if (!stored || sent.tax_rate) {
        line.tax_rate = change.tax_rate;
    }
    if (!stored || sent.unit) {
        line.unit = change.unit;
    }
    if (!stored || sent.note) {
        line.note = change.note;
    }
    if (!stored || sent.display_order) {
        line.display_order = change.display_order;
    }
    if (tax_type_ == TaxType::kNoTax) {
        line.tax_rate = Money::from_thousandths(0);
    }
    // An update re-derives the product from the name; a new line keeps a given product_id.
    if (change.product_id && !change.id) {
        if (views_.product(*change.product_id) == nullptr) {
            return validation(
                {{at + "product_id", {"The selected " + at + "product id is invalid."}}});
        }
        line.product_id = change.product_id;
    } else {
        line.product_id = catalog_product_for(line, line.name);
    }
    return line;
}

void BillableSave::start(const SaveBillable& command) {
    if (!deal_.billable) {
        tax_type_ = command.tax_type.value_or(kDefaultTaxType);
        tally_.set_tax_type(tax_type_);
        emit(TaxTypeChanged{deal_.id, std::nullopt, tax_type_, totals()});
        return;
    }
    tax_type_ = deal_.billable->tax_type;
    tally_.set_tax_type(tax_type_);
    lines_.reserve(deal_.billable->lines.size() + command.lines.size());
    for (const auto& l : deal_.billable->lines) {
        put(l.line);
    }
    if (!command.tax_type || *command.tax_type == tax_type_) {
        return;
    }
    const TaxType from = tax_type_;
    tax_type_ = *command.tax_type;
    tally_.set_tax_type(tax_type_);
    emit(TaxTypeChanged{deal_.id, from, tax_type_, totals()});
    if (tax_type_ != TaxType::kNoTax) {
        return;
    }
    // Contract §7.2: under no_tax every line's tax_rate is stored as 0, the lines this request
    // does not name too (in display order, as they are shown).
    for (const auto& l : deal_.billable->lines) {
        BillableLine line = lines_.at(l.line.id.value);
        if (line.tax_rate.thousandths != 0) {
            line.tax_rate = Money::from_thousandths(0);
            put(line);
            emit(ProductUpdated{deal_.id, line, totals()});
        }
    }
}

Result<bool> BillableSave::change(const LineChange& change, std::size_t i) {
    if (!change.id) {
        auto line = line_from(change, i, ids_.next_line(), nullptr);
        if (!line) {
            return line.error();
        }
        put(*line);
        emit(ProductAdded{deal_.id, *line, totals()});
        return true;
    }
    const auto it = lines_.find(change.id->value);
    if (it == lines_.end()) {
        return validation({{"products." + std::to_string(i) + ".id",
                            {"The selected products." + std::to_string(i) + ".id is invalid."}}});
    }
    auto line = line_from(change, i, *change.id, &it->second);
    if (!line) {
        return line.error();
    }
    if (*line != it->second) {
        put(*line);
        emit(ProductUpdated{deal_.id, *line, totals()});
    }
    return true;
}

Result<BillableDecision> BillableSave::run(const SaveBillable& command) {
    start(command);
    for (std::size_t i = 0; i < command.lines.size(); ++i) {
        if (auto changed = change(command.lines[i], i); !changed) {
            return changed.error();
        }
    }
    for (const auto id : command.removed) {
        if (lines_.erase(id.value) > 0) {  // lines of other deals are ignored
            tally_.remove(id);
            emit(ProductRemoved{deal_.id, id, totals()});
        }
    }
    if (out_.deal.empty()) {
        // Nothing in the billable changed, but every save syncs the deal amount (a save with
        // no products sets it to 0 unless both are zero), as Concord does.
        const auto amount = totals().amount;
        if (amount != deal_.amount) {
            DealUpdated updated;
            updated.deal_id = deal_.id;
            updated.amount = Change<std::optional<Money>>{deal_.amount, amount};
            emit(std::move(updated));
        }
    }
    return std::move(out_);
}

}  // namespace

Result<BillableDecision> decide(const projections::Views& views, const projections::Deal& deal,
                                const SaveBillable& command, const BillableIds& ids,
                                std::optional<UserId> actor) {
    BillableSave save(views, deal, ids, actor);
    try {
        return save.run(command);
    } catch (const std::overflow_error&) {
        // Exact figures beyond what a deal amount can hold (DECIMAL(15,3)): refused rather
        // than rounded or wrapped.
        return validation({{"products", {"The products total is too large."}}});
    }
}

}  // namespace deals::commands
