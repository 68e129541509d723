#include <cstdio>

#include "http/handlers.hpp"
#include "http/render.hpp"
#include "http/request_metrics.hpp"

namespace deals::http::handlers {

boost::asio::awaitable<Response> healthz(AppContext& app, const Call&) {
    const auto sequence = app.log.head_sequence();
    json::Buffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    w.Key("status");
    w.String("ok");
    w.Key("sequence");
    w.Uint64(sequence);
    w.Key("role");
    w.String(app.replica ? "follower" : "leader");
    if (app.replica) {
        const auto r = app.replica->replica_stats();
        w.Key("applied_sequence");
        w.Uint64(r.applied);
        w.Key("lag");
        w.Uint64(r.lag_events);
        w.Key("lag_seconds");
        w.Double(r.lag_seconds);
        w.Key("waiting_for_sequence");
        w.Uint64(r.waiting_for);
        w.Key("stopped");
        w.String(r.stopped);
        w.Key("messages_read");
        w.Uint64(r.messages_read);
        w.Key("read_from_sequence");
        w.Uint64(r.started_after + 1);
        w.Key("catching_up");
        w.Bool(r.catching_up);
    }
    w.Key("tls");
    w.Bool(app.tls);
    w.Key("ack");
    w.String(app.ack == Ack::kReplicated ? "replicated" : "local");
    w.Key("kafka");
    w.StartObject();
    w.Key("mode");
    w.String(app.kafka_mode);
    if (app.relay) {
        const auto k = app.relay->stats();
        w.Key("bootstrap");
        w.String(app.kafka_bootstrap);
        w.Key("topic");
        w.String(k.topic);
        w.Key("state");
        w.String(k.state);
        w.Key("cluster_id");
        w.String(k.cluster_id);
        w.Key("reachable");
        w.Bool(k.reachable);
        w.Key("published_sequence");
        w.Uint64(k.published);
        w.Key("lag");
        w.Uint64(sequence > k.published ? sequence - k.published : 0);
        w.Key("lag_seconds");
        w.Double(k.lag_seconds);
        w.Key("in_flight");
        w.Uint64(k.in_flight);
        w.Key("delivery_errors");
        w.Uint64(k.delivery_errors);
        w.Key("last_error");
        w.String(k.last_error);
    } else {
        // Nothing is published while Kafka is off; the kept positions wait for it.
        w.Key("published_sequence");
        w.Uint64(0);
        w.Key("lag");
        w.Uint64(sequence);
    }
    w.EndObject();
    w.EndObject();
    co_return json_response(200, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace deals::http::handlers

namespace deals::http::handlers {

namespace {

/// One metric without labels: its HELP, TYPE and value lines.
struct MetricLines {
    std::string& out;
    void operator()(const char* name, const char* type, const char* help, double value) const {
        char number[64];
        std::snprintf(number, sizeof number, "%.17g", value);
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
               name + " " + number + "\n";
    }
};

/// A read-only replica's figures, and the relay's whenever Kafka is on.
void replication_metrics(const AppContext& app, std::string& out) {
    const MetricLines metric{out};
    if (app.replica) {
        const auto r = app.replica->replica_stats();
        metric("deals_replica_applied_sequence", "gauge",
               "The last sequence this read-only replica has applied.",
               static_cast<double>(r.applied));
        metric("deals_replica_lag_events", "gauge",
               "Events behind the topic's end: seen and not applied, and not read yet.",
               static_cast<double>(r.lag_events));
        metric("deals_replica_lag_seconds", "gauge",
               "Age of the oldest event seen on the topic and not yet applied.", r.lag_seconds);
        metric("deals_replica_catching_up", "gauge",
               "1 while a replica started empty builds its views, unserved, from the topic.",
               r.catching_up ? 1 : 0);
        metric("deals_replica_stopped", "gauge",
               "1 when applying stopped for good (an event that does not link).",
               r.stopped.empty() ? 0 : 1);
    }
    if (app.relay) {
        const auto k = app.relay->stats();
        metric("deals_kafka_published_sequence", "gauge",
               "Every event up to this sequence is acknowledged by Kafka.",
               static_cast<double>(k.published));
        metric("deals_kafka_lag_events", "gauge", "Committed events not yet acknowledged by Kafka.",
               static_cast<double>(k.lag_events));
        metric("deals_kafka_lag_seconds", "gauge", "Age of the oldest unpublished event.",
               k.lag_seconds);
        metric("deals_kafka_in_flight", "gauge", "Messages handed to the producer, not yet acked.",
               static_cast<double>(k.in_flight));
        metric("deals_kafka_delivered_total", "counter", "Messages acknowledged by Kafka.",
               static_cast<double>(k.delivered));
        metric("deals_kafka_delivery_errors_total", "counter",
               "Failed deliveries (each is retried from the published position).",
               static_cast<double>(k.delivery_errors));
        metric("deals_kafka_republished_runs_total", "counter",
               "Times the relay went back to the published position after a failure.",
               static_cast<double>(k.republished_runs));
        metric("deals_kafka_reachable", "gauge", "1 when the cluster answered last time.",
               k.reachable ? 1 : 0);
    }
}

}  // namespace

boost::asio::awaitable<Response> metrics(AppContext& app, const Call&) {
    const auto stats = app.log.stats();
    const auto storage = app.storage.storage_stats();
    std::string out;
    const MetricLines metric{out};
    metric("deals_log_sequence", "gauge", "Last committed sequence number.",
           static_cast<double>(app.log.head_sequence()));
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
    metric("deals_storage_background_jobs", "gauge",
           "RocksDB flushes and compactions running or due (0: settled).",
           static_cast<double>(storage.background_jobs));
    metric("deals_storage_free_bytes", "gauge",
           "Free space on the data directory's file system now.",
           static_cast<double>(storage.free_bytes));
    metric("deals_storage_reserve_bytes", "gauge",
           "Free space kept for RocksDB: writes that would leave less answer 503.",
           static_cast<double>(storage.reserved_bytes));
    replication_metrics(app, out);
    auto histogram = [&out](const char* name, const char* help, const events::Histogram& h) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " histogram\n";
        histogram_lines(out, name, "", h.bounds.data(), h.counts.data(), h.bounds.size(), h.sum);
    };
    histogram("deals_fsync_duration_seconds", "Time each durable batch's fsync took.",
              stats.sync_seconds);
    histogram("deals_append_batch_appends", "Appends each durable batch committed (one fsync).",
              stats.batch_appends);
    app.request_metrics->render(out);
    Response r{200, std::move(out), {}};
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    co_return r;
}

}  // namespace deals::http::handlers
