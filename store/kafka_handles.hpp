#pragma once

// Private to store/: owners for librdkafka's handles. Every `rd_kafka_*_destroy` of store/ is
// here, each in the deleter of the handle it frees; the rest of store/ only moves owners around.
//
// librdkafka's ownership rules that the owners do not see for themselves:
// * `rd_kafka_new` takes the configuration only when it succeeds (`new_client` below).
// * `rd_kafka_producev` takes the headers only when it succeeds: release them then.
// * a consumer is closed before it is destroyed (`ConsumerClient`).
// * a mock cluster is destroyed before the handle that hosts it (declare the host first).
// * a message from `rd_kafka_consumer_poll` or `rd_kafka_consume_batch_queue` is the caller's
//   (`Message`); the headers read from it with `rd_kafka_message_headers` stay the message's.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace deals::store::kafka {

/// Frees a librdkafka object with its own destroy function.
template <auto Destroy>
struct Destroyer {
    template <class T>
    void operator()(T* handle) const {
        Destroy(handle);
    }
};

/// A producer or consumer handle: `rd_kafka_new`.
using Client = std::unique_ptr<rd_kafka_t, Destroyer<&rd_kafka_destroy>>;
/// A configuration not yet handed to `rd_kafka_new`.
using Conf = std::unique_ptr<rd_kafka_conf_t, Destroyer<&rd_kafka_conf_destroy>>;
using Topic = std::unique_ptr<rd_kafka_topic_t, Destroyer<&rd_kafka_topic_destroy>>;
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, Destroyer<&rd_kafka_metadata_destroy>>;
using Headers = std::unique_ptr<rd_kafka_headers_t, Destroyer<&rd_kafka_headers_destroy>>;
using Message = std::unique_ptr<rd_kafka_message_t, Destroyer<&rd_kafka_message_destroy>>;
/// A queue from `rd_kafka_queue_get_*`: destroyed before the client it belongs to.
using Queue = std::unique_ptr<rd_kafka_queue_t, Destroyer<&rd_kafka_queue_destroy>>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                      Destroyer<&rd_kafka_topic_partition_list_destroy>>;
using MockCluster =
    std::unique_ptr<rd_kafka_mock_cluster_t, Destroyer<&rd_kafka_mock_cluster_destroy>>;

/// A consumer: leaves the cluster (`rd_kafka_consumer_close`) before it is destroyed.
struct CloseConsumer {
    void operator()(rd_kafka_t* consumer) const {
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
    }
};
using ConsumerClient = std::unique_ptr<rd_kafka_t, CloseConsumer>;

/// `rd_kafka_new`'s outcome: a client, or why not (then `client` is empty).
struct NewClient {
    Client client;
    std::string error;
};

/// `rd_kafka_new(type, conf)`. The configuration passes to the client when it is made, and is
/// freed here when it is not.
inline NewClient new_client(rd_kafka_type_t type, Conf conf) {
    char error[512];
    Client client(rd_kafka_new(type, conf.get(), error, sizeof error));
    if (!client) {
        return {nullptr, error};
    }
    (void)conf.release();  // the client's now
    return {std::move(client), {}};
}

/// The metadata of `topic` (every topic when null), or empty when no answer came in time.
inline Metadata metadata(rd_kafka_t* client, rd_kafka_topic_t* topic, int timeout_ms) {
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(client, 0, topic, &metadata, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return nullptr;
    }
    return Metadata(metadata);
}

/// The cluster id as far as the client knows it already (it does not wait), if it does.
inline std::optional<std::string> cluster_id(rd_kafka_t* client) {
    char* id = rd_kafka_clusterid(client, 0);
    if (id == nullptr) {
        return std::nullopt;
    }
    std::string out = id;
    rd_kafka_mem_free(client, id);
    return out;
}

}  // namespace deals::store::kafka
