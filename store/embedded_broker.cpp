#include "store/embedded_broker.hpp"

#include <vector>

#include "store/kafka_handles.hpp"

namespace deals::store {

namespace {
constexpr std::int16_t kProduceApiKey = 0;  // the Kafka protocol's ProduceRequest
}  // namespace

struct EmbeddedBroker::Impl {
    // The host first: the cluster is destroyed before the handle whose threads serve it.
    kafka::Client host;
    kafka::MockCluster cluster;
    std::string bootstrap;
    int brokers = 1;
};

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::start(Options options) {
    auto impl = std::make_unique<Impl>();
    impl->brokers = options.brokers;
    char error[512];
    kafka::Conf conf(rd_kafka_conf_new());
    // The host handle never connects anywhere; silence its "no bootstrap.servers" notice.
    rd_kafka_conf_set(conf.get(), "log_level", "0", error, sizeof error);
    auto host = kafka::new_client(RD_KAFKA_PRODUCER, std::move(conf));
    if (!host.client) {
        return unavailable("cannot start the embedded Kafka broker: " + host.error);
    }
    impl->host = std::move(host.client);
    impl->cluster.reset(rd_kafka_mock_cluster_new(impl->host.get(), options.brokers));
    if (!impl->cluster) {
        return unavailable("cannot start the embedded Kafka broker");
    }
    impl->bootstrap = rd_kafka_mock_cluster_bootstraps(impl->cluster.get());
    if (!options.topic.empty()) {
        const auto err = rd_kafka_mock_topic_create(impl->cluster.get(), options.topic.c_str(),
                                                    options.partitions, 1);
        if (err) {
            return unavailable("cannot create topic " + options.topic + ": " +
                                         rd_kafka_err2str(err));
        }
    }
    return std::unique_ptr<EmbeddedBroker>(new EmbeddedBroker(std::move(impl)));
}

EmbeddedBroker::EmbeddedBroker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmbeddedBroker::~EmbeddedBroker() = default;

const std::string& EmbeddedBroker::bootstrap() const { return impl_->bootstrap; }
int EmbeddedBroker::brokers() const { return impl_->brokers; }

void EmbeddedBroker::set_down(bool down) {
    // Mock broker ids are 1..N.
    for (int id = 1; id <= impl_->brokers; ++id) {
        if (down) {
            rd_kafka_mock_broker_set_down(impl_->cluster.get(), id);
        } else {
            rd_kafka_mock_broker_set_up(impl_->cluster.get(), id);
        }
    }
}

void EmbeddedBroker::fail_next_produce_requests(int count, int kafka_error) {
    std::vector<rd_kafka_resp_err_t> errors(static_cast<std::size_t>(count),
                                            static_cast<rd_kafka_resp_err_t>(kafka_error));
    rd_kafka_mock_push_request_errors_array(impl_->cluster.get(), kProduceApiKey, errors.size(),
                                            errors.data());
}

void EmbeddedBroker::set_round_trip_delay(int millis) {
    for (int id = 1; id <= impl_->brokers; ++id) {
        rd_kafka_mock_broker_set_rtt(impl_->cluster.get(), id, millis);
    }
}

}  // namespace deals::store
