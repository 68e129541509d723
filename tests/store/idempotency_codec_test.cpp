#include "store/idempotency_codec.hpp"

#include <catch2/catch.hpp>

using namespace deals;
using events::IdempotencyRecord;

TEST_CASE("an Idempotency-Key's marker and kept response are stored as they always were",
          "[store][idempotency]") {
    IdempotencyRecord marker{"ab12", 1772359200, {}, {}};
    marker.written = {"deal-7", 3, 42};
    // The format data directories already hold: a restart must read their markers.
    const std::string stored =
        R"({"fingerprint":"ab12","stream":"deal-7","version":3,"sequence":42,"at":1772359200})";
    CHECK(store::encode_idempotency(marker) == stored);
    auto back = store::decode_idempotency(stored);
    REQUIRE(back.has_value());
    REQUIRE(back->written.has_value());
    CHECK(back->written->stream == "deal-7");
    CHECK(back->written->version == 3);
    CHECK(back->written->sequence == 42);
    CHECK_FALSE(back->kept.has_value());

    IdempotencyRecord kept{"cd34", 1772359201, {}, {}};
    kept.kept = {201, {{"Location", "/api/deals/7"}}, "{\"id\":7,\"name\":\"Q\\\"\"}"};
    const std::string text = store::encode_idempotency(kept);
    CHECK(text == R"({"fingerprint":"cd34","status":201,"headers":[["Location","/api/deals/7"]],)"
                  R"("body":"{\"id\":7,\"name\":\"Q\\\"\"}","at":1772359201})");
    back = store::decode_idempotency(text);
    REQUIRE(back.has_value());
    REQUIRE(back->kept.has_value());
    CHECK(back->kept->status == 201);
    CHECK(back->kept->headers == kept.kept->headers);
    CHECK(back->kept->body == kept.kept->body);
    CHECK(back->at == 1772359201);
}

TEST_CASE("a corrupt idempotency record is an error, not an exception", "[store][idempotency]") {
    for (const std::string text :
         {"", "[]", R"({"at":1})", R"({"fingerprint":"x"})", R"({"fingerprint":"x","at":1})",
          R"({"fingerprint":"x","at":1,"status":200})",
          R"({"fingerprint":"x","at":1,"status":200,"headers":[[1,2]],"body":""})"}) {
        INFO(text);
        const auto decoded = store::decode_idempotency(text);
        REQUIRE_FALSE(decoded.has_value());
        CHECK(decoded.error().code == ErrorCode::kInternal);
    }
}
