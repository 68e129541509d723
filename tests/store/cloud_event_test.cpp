// The way back from a Kafka message to the stored record it was made from
// (store/cloud_event.hpp: record_from_kafka_value, topic_event): byte for byte, whether the
// message is in the form the relay writes (read front to back) or in any other form a JSON
// writer could give it (parsed); and an error naming the message when it is not an event.

#include "store/cloud_event.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "events/event.hpp"
#include "store/codec.hpp"
#include "support/json.hpp"
#include "support/sha256.hpp"

using namespace deals;
using events::RecordedEvent;

namespace {

/// 2026-03-01T10:00:00.123456Z.
constexpr events::Timestamp kT0{1'772'359'200'123'456};

/// A stored record of a user created, with `meta` and `sequence`.
std::string record_with(events::EventMeta meta, events::Sequence sequence = 41) {
    RecordedEvent r;
    r.id = "0b7e6f8a-3c1d-4e2f-9a5b-6c7d8e9f0a1b";
    r.sequence = sequence;
    r.stream = "user-7";
    r.stream_version = 1;
    r.occurred_at = kT0;
    r.meta = std::move(meta);
    r.data = events::UserCreated{
        events::UserId{7},       "Zoë \"Z\" Müller", "zoe@example.com", false, true,
        events::DealsScope::kOwn};
    const std::string body = store::encode_body(r, store::encode_data(r.data));
    const std::string prev = support::sha256_hex("the event before");
    return store::make_record(body, prev, support::sha256_hex(prev, body));
}

const events::EventMeta kRequest{{events::UserId{1}, events::TokenId{7}}, "req-1", "corr-1"};

/// `value` written again with its members but `data` (which stays last, as the contract has it)
/// in reverse order: what another JSON writer may do.
std::string reversed(const std::string& value) {
    json::Document doc;
    doc.Parse(value.c_str());
    REQUIRE(doc.IsObject());
    json::Document out;
    out.SetObject();
    for (auto m = doc.MemberEnd(); m != doc.MemberBegin();) {
        --m;
        if (m->name != "data") {
            json::Value name(m->name, out.GetAllocator());
            json::Value copy(m->value, out.GetAllocator());
            out.AddMember(name, copy, out.GetAllocator());
        }
    }
    json::Value data(doc["data"], out.GetAllocator());
    out.AddMember("data", data, out.GetAllocator());
    json::Buffer buffer;
    rapidjson::Writer<json::Buffer> w(buffer);
    out.Accept(w);
    return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

TEST_CASE("a message as the relay writes it gives back its record byte for byte", "[store]") {
    const auto system = events::EventMeta{{std::nullopt, std::nullopt}, "req-2", "corr-2"};
    const auto user_only = events::EventMeta{{events::UserId{3}, std::nullopt}, "r", "c"};
    for (const auto& record : {record_with(kRequest), record_with(system), record_with(user_only),
                               record_with(kRequest, 1), record_with(kRequest, 1234567890123)}) {
        INFO(record);
        CHECK(store::record_from_kafka_value(store::to_kafka_message(record).value) == record);
    }
}

TEST_CASE("escapes in the envelope and members in another order give back the same record",
          "[store]") {
    SECTION("a request id with a quote, a backslash and a control character") {
        const auto record =
            record_with({{events::UserId{1}, std::nullopt}, "req \"1\" \\ \x01", "corr"});
        CHECK(store::record_from_kafka_value(store::to_kafka_message(record).value) == record);
    }
    SECTION("the envelope's members in reverse order, data last") {
        const auto record = record_with(kRequest);
        const auto value = reversed(store::to_kafka_message(record).value);
        REQUIRE(value.rfind("{\"hash\":", 0) == 0);
        CHECK(store::record_from_kafka_value(value) == record);
    }
    SECTION("a null actor written out") {
        const auto record = record_with({{std::nullopt, events::TokenId{9}}, "r", "c"});
        auto value = store::to_kafka_message(record).value;
        const auto at = value.find(",\"actortokenid\"");
        REQUIRE(at != std::string::npos);
        value.insert(at, ",\"actoruserid\":null");
        CHECK(store::record_from_kafka_value(value) == record);
    }
}

TEST_CASE("a message that is not an event is an error naming its partition and offset", "[store]") {
    const auto value = store::to_kafka_message(record_with(kRequest)).value;
    SECTION("cut short") {
        const auto event = store::topic_event(3, 17, value.substr(0, value.size() / 2));
        REQUIRE_FALSE(event.has_value());
        CHECK(event.error().message.rfind("partition 3 offset 17 is not an event", 0) == 0);
    }
    SECTION("a sequence that is not a number") {
        auto bad = value;
        bad.replace(bad.find("\"sequence\":41"), 13, "\"sequence\":\"x\"");
        const auto event = store::topic_event(0, 5, bad);
        REQUIRE_FALSE(event.has_value());
        CHECK(event.error().message == "partition 0 offset 5 has no sequence");
    }
    SECTION("an event") {
        const auto event = store::topic_event(0, 5, value);
        REQUIRE(event.has_value());
        CHECK(event->sequence == 41);
        CHECK(event->record == record_with(kRequest));
    }
}
