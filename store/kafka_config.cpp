#include "store/kafka_config.hpp"

#include "store/kafka_conf.hpp"

namespace deals::store {

Result<KafkaConfig> parse_kafka_config(const std::vector<std::string>& items) {
    KafkaConfig out;
    for (const auto& item : items) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
            return bad_request("--kafka-config expects key=value, got '" + item + "'");
        }
        out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    return out;
}

Result<kafka::Conf> make_kafka_conf(const KafkaConfig& defaults,
                                              const KafkaConfig& overrides) {
    char error[512];
    kafka::Conf conf(rd_kafka_conf_new());
    for (const KafkaConfig* settings : {&defaults, &overrides}) {
        for (const auto& [key, value] : *settings) {
            if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), error, sizeof error) !=
                RD_KAFKA_CONF_OK) {
                return bad_request("Kafka setting " + key + "=" + value + ": " + error);
            }
        }
    }
    return conf;
}

}  // namespace deals::store
