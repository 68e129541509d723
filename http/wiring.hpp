#pragma once

// Where the HTTP front is wired to a data directory: the one place in http/ that knows the
// concrete store and relay. Everything else in http/ sees their ports (app_context.hpp).

#include "http/app_context.hpp"

namespace deals::store {
class Store;
class KafkaRelay;
}  // namespace deals::store

namespace deals::http {

/// The handlers' context over `store` (the log, views, ids, idempotency records and storage
/// status) and `relay` (null when Kafka is off); on a read-only replica, `replica`.
AppContext app_context(store::Store& store, const store::KafkaRelay* relay, AppSettings settings,
                       const events::ReplicaStatus* replica = nullptr);

}  // namespace deals::http
