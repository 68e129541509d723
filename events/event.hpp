#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "events/billable_events.hpp"
#include "events/custom_field_events.hpp"
#include "events/deal_events.hpp"
#include "events/directory_events.hpp"

namespace deals::events {

/// Every event the service records. Append new types at the end; never reorder or remove.
using Event =
    std::variant<DealCreated, DealUpdated, StageChanged, OwnerAssigned, StatusChanged, DealTrashed,
                 DealRestored, DealPurged, PipelineCreated, StageCreated, UserCreated, TokenIssued,
                 TokenRevoked, ProductAdded, ProductUpdated, ProductRemoved, TaxTypeChanged,
                 CatalogProductCreated, CatalogProductUpdated, CatalogProductTrashed,
                 CatalogProductRestored, AssociationsChanged, PipelineUpdated, PipelineDeleted,
                 StageUpdated, StageDeleted, CustomFieldCreated, CustomFieldUpdated,
                 CustomFieldDeleted, CustomFieldValuesChanged, UserUpdated, UserDeleted>;

/// The wire name of an event (`DealCreated`).
std::string_view type_name(const Event& event);
/// The schema version of an event's `data`.
int schema_version(const Event& event);

/// Who caused an event: the user and token of the request, or nobody (the system itself).
struct Actor {
    std::optional<UserId> user_id;
    std::optional<TokenId> token_id;
    friend bool operator==(const Actor&, const Actor&) = default;
};

/// A write made under an `Idempotency-Key` (contract §13). Not part of any event: the log
/// stores a marker under `key` in the same atomic batch as the events, so a retry after a crash
/// between the commit and the response still finds that the write was made.
struct IdempotencyMark {
    std::string key;          ///< the caller's key, scoped to the caller (hex)
    std::string fingerprint;  ///< of the request's method, target and body (hex)
};

/// Request context copied into every event of one append.
struct EventMeta {
    Actor actor;
    std::string request_id;
    std::string correlation_id;
    IdempotencyMark idempotency;  ///< not recorded in the events; empty key: none
};

/// An event as it stands in the log: the envelope of contract §16 around `data`.
/// Immutable once recorded; `hash` = SHA-256 over `prev_hash` and the event (store/README.md).
struct RecordedEvent {
    std::string id;  ///< a UUID
    Sequence sequence = 0;
    std::string stream;  ///< `deal-42`
    StreamVersion stream_version = 0;
    Timestamp occurred_at;
    EventMeta meta;
    Event data;
    std::string prev_hash;  ///< hex
    std::string hash;       ///< hex
};

/// Stream names: `deal-42` (with its product lines), `pipeline-1` (with its stages), `user-1`,
/// `token-7`, `product-3` (a catalog product), `custom-field-2`. One function names each kind;
/// nothing else spells them.
std::string deal_stream(DealId id);
std::string pipeline_stream(PipelineId id);
std::string user_stream(UserId id);
std::string token_stream(TokenId id);
std::string product_stream(ProductId id);
std::string custom_field_stream(CustomFieldId id);
/// The stream an event belongs to.
std::string stream_of(const Event& event);

/// A stream name taken apart: its kind (`deal`, `custom-field`, …) and the id after it.
struct StreamName {
    std::string_view kind;
    std::string id;
};
/// `deal-42` → {"deal", "42"}; nullopt for a name of no known kind.
std::optional<StreamName> parse_stream(std::string_view stream);

}  // namespace deals::events
