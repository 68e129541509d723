#include "http/wiring.hpp"

#include "store/kafka_relay.hpp"
#include "store/store.hpp"

namespace deals::http {

AppContext app_context(store::Store& store, const store::KafkaRelay* relay, AppSettings settings,
                       const events::ReplicaStatus* replica) {
    return AppContext{store.log(),
                      store,
                      store,
                      store,
                      store,
                      relay,
                      std::move(settings.validation),
                      std::move(settings.clock),
                      std::move(settings.kafka_mode),
                      std::move(settings.kafka_bootstrap),
                      std::move(settings.version),
                      replica,
                      std::move(settings.leader_url),
                      settings.min_sequence_wait,
                      settings.ack,
                      settings.ack_timeout,
                      settings.tls};
}

}  // namespace deals::http
