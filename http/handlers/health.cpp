#include "http/handlers.hpp"
#include "http/render.hpp"

namespace deals::http::handlers {

boost::asio::awaitable<Response> healthz(AppContext& app, const Call&) {
    const auto sequence = app.store.log().head_sequence();
    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("status");
    w.String("ok");
    w.Key("sequence");
    w.Uint64(sequence);
    w.Key("kafka");
    w.StartObject();
    w.Key("mode");
    w.String(app.kafka_mode);
    w.Key("published_sequence");
    w.Uint64(0);
    w.Key("lag");
    w.Uint64(sequence);  // nothing is published yet
    w.EndObject();
    w.EndObject();
    co_return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace deals::http::handlers
