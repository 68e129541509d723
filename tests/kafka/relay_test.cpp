#include <catch2/catch.hpp>
#include <map>

#include "store/cloud_event.hpp"
#include "store/embedded_broker.hpp"
#include "store/kafka_consumer.hpp"
#include "store/kafka_relay.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace deals;
using namespace std::chrono_literals;
using deals::testing::TempDir;
using events::ExpectedVersion;

namespace {

std::unique_ptr<store::Store> open_store(const std::string& dir) {
    auto s = store::Store::open({.data_dir = dir, .seed_defaults = false});
    REQUIRE(s);
    return std::move(*s);
}

events::AppendRequest create_user(std::int64_t id) {
    return {"user-" + std::to_string(id),
            ExpectedVersion::no_stream(),
            {events::UserCreated{events::UserId{id}, "User " + std::to_string(id),
                                 "u" + std::to_string(id) + "@example.com", false, true,
                                 events::DealsScope::kOwn}},
            {{events::UserId{1}, events::TokenId{2}}, "req-1", "corr-1"}};
}

}  // namespace

TEST_CASE("the relay publishes every committed event to the topic", "[kafka]") {
    TempDir dir;
    auto store = open_store(dir.path());
    auto broker = store::EmbeddedBroker::start({});
    REQUIRE(broker);
    for (int i = 1; i <= 10; ++i) {
        REQUIRE(store->append_and_wait(create_user(i)).status == events::AppendStatus::kOk);
    }
    auto relay = store::KafkaRelay::start(*store, {.brokers = (*broker)->bootstrap(),
                                                    .fresh_broker = true});
    REQUIRE(relay);
    CHECK((*relay)->wait_published(10, 20s));
    const auto stats = (*relay)->stats();
    INFO("last error: " << stats.last_error);
    CHECK(stats.published == 10);
}
