#include <cstdio>

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

namespace deals::http::handlers {

boost::asio::awaitable<Response> metrics(AppContext& app, const Call&) {
    const auto stats = app.store.log().stats();
    std::string out;
    auto metric = [&out](const char* name, const char* type, const char* help, double value) {
        char number[64];
        std::snprintf(number, sizeof number, "%.17g", value);
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
               name + " " + number + "\n";
    };
    metric("deals_log_sequence", "gauge", "Last committed sequence number.",
           static_cast<double>(app.store.log().head_sequence()));
    metric("deals_events_appended_total", "counter", "Events committed since start.",
           static_cast<double>(stats.events));
    metric("deals_appends_total", "counter", "Appends committed since start.",
           static_cast<double>(stats.appends));
    metric("deals_append_batches_total", "counter", "Durable batches (one fsync each).",
           static_cast<double>(stats.batches));
    metric("deals_append_conflicts_total", "counter", "Appends refused: stale expected version.",
           static_cast<double>(stats.conflicts));
    metric("deals_append_failures_total", "counter", "Appends failed by storage.",
           static_cast<double>(stats.failures));
    metric("deals_append_batch_max", "gauge", "Largest batch, in appends.",
           static_cast<double>(stats.max_batch_appends));
    metric("deals_fsync_seconds_total", "counter", "Time spent in synced log writes.",
           static_cast<double>(stats.sync_micros) / 1e6);
    Response r{200, std::move(out), {}};
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    co_return r;
}

}  // namespace deals::http::handlers
