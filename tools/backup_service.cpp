#include "tools/backup_service.hpp"

#include <cstdio>
#include <sstream>

#include "store/backup.hpp"
#include "store/store.hpp"
#include "support/json.hpp"
#include "support/log.hpp"

namespace deals::tools {

namespace {

std::string json_quoted(std::string_view s) {
    json::Buffer buffer;
    json::Writer w(buffer);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

Result<std::unique_ptr<control::Server>> serve_backups(store::Store& store,
                                                       const std::string& data_dir) {
    return control::Server::start(
        data_dir, [&store](const std::string& request, const control::Reply& reply) {
            json::Document doc;
            doc.Parse(request.data(), request.size());
            if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("command") ||
                doc["command"] != "backup" || !doc.HasMember("backup_dir") ||
                !doc["backup_dir"].IsString()) {
                reply(
                    "{\"error\":\"unknown request: expected {\\\"command\\\":\\\"backup\\\","
                    "\\\"backup_dir\\\":…}\"}");
                return;
            }
            const std::string dir = doc["backup_dir"].GetString();
            logging::info("backup: to " + dir);
            auto info = store.backup(dir, [&reply](const store::CopyProgress& p) {
                reply("{\"progress\":[" + std::to_string(p.bytes) + "," +
                      std::to_string(p.total_bytes) + "]}");
            });
            if (!info) {
                logging::error("backup: failed: " + info.error().message);
                reply("{\"error\":" + json_quoted(info.error().message) + "}");
                return;
            }
            std::ostringstream line;
            line << "backup " << info->id << ": sequence " << info->sequence << " hash "
                 << info->hash << " (" << info->size << " bytes, " << info->new_bytes << " new, "
                 << info->seconds << " s)";
            logging::info(line.str());
            reply("{\"backup\":" + store::backup_json(*info) + "}");
        });
}

}  // namespace deals::tools
