#include "tools/export_command.hpp"

#include <exception>
#include <iostream>
#include <string_view>
#include <utility>
#include <vector>

#include "support/json.hpp"
#include "store/log_reader.hpp"
#include "tools/audit_support.hpp"

namespace deals::tools {

namespace {

using events::Timestamp;

/// A fixed CSV column: its name, and the key of the deal's API JSON it shows (with an inner key
/// for an object).
struct Column {
    const char* name;
    const char* key;
    const char* inner;
};

constexpr Column kColumns[] = {
    {"id", "id", nullptr},
    {"name", "name", nullptr},
    {"pipeline_id", "pipeline_id", nullptr},
    {"pipeline", "pipeline", "name"},
    {"stage_id", "stage_id", nullptr},
    {"stage", "stage", "name"},
    {"amount", "amount", nullptr},
    {"expected_close_date", "expected_close_date", nullptr},
    {"status", "status", nullptr},
    {"lost_reason", "lost_reason", nullptr},
    {"user_id", "user_id", nullptr},
    {"owner", "user", "name"},
    {"won_date", "won_date", nullptr},
    {"lost_date", "lost_date", nullptr},
    {"created_at", "created_at", nullptr},
    {"updated_at", "updated_at", nullptr},
};

/// The columns after the custom fields.
constexpr const char* kAssociations[] = {"contacts", "companies", "activities"};

/// RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled.
void csv_field(std::string& row, std::string_view value) {
    if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
        row.append(value);
        return;
    }
    row.push_back('"');
    for (const char c : value) {
        if (c == '"') {
            row.push_back('"');
        }
        row.push_back(c);
    }
    row.push_back('"');
}

/// A JSON value as one CSV cell: strings and numbers as they are (numbers keep their digits),
/// null as empty, booleans as true/false, arrays `;`-joined (objects by their id).
std::string cell(const json::Value* v) {
    if (v == nullptr || v->IsNull()) {
        return {};
    }
    if (v->IsString()) {
        return {v->GetString(), v->GetStringLength()};
    }
    if (v->IsBool()) {
        return v->GetBool() ? "true" : "false";
    }
    if (v->IsArray()) {
        std::string out;
        for (const auto& item : v->GetArray()) {
            if (!out.empty()) {
                out.push_back(';');
            }
            if (item.IsObject() && item.HasMember("id")) {
                out += cell(&item["id"]);
            } else {
                out += cell(&item);
            }
        }
        return out;
    }
    json::Buffer buffer;  // an object (none of the exported keys is one)
    json::Writer w(buffer);
    v->Accept(w);
    return {buffer.GetString(), buffer.GetSize()};
}

const json::Value* find(const json::Value& object, const char* key) {
    if (!object.IsObject()) {
        return nullptr;
    }
    const auto it = object.FindMember(key);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

const json::Value* find(const json::Value& object, const char* key, const char* inner) {
    const auto* outer = find(object, key);
    return outer != nullptr ? find(*outer, inner) : nullptr;
}

/// Ends `row` (CRLF in place of its last comma) and writes it.
void end_row(audit::Out& out, std::string& row) {
    row.pop_back();  // the last comma
    row.append("\r\n");
    out.raw(row);
    row.clear();
}

/// The header row, then one row per deal, taken from the deal's API JSON so that both exports
/// say the same.
int write_csv(audit::Out& out, const std::vector<const projections::Deal*>& deals,
              const projections::Views& views, const projections::User& caller, Timestamp now) {
    std::vector<std::string> custom;
    for (const auto* field : views.custom_fields()) {
        custom.push_back(field->field_id);
    }
    std::string row;
    const auto add = [&row](std::string_view value) {
        csv_field(row, value);
        row.push_back(',');
    };
    for (const auto& column : kColumns) {
        add(column.name);
    }
    for (const auto& key : custom) {
        add(key);
    }
    for (const char* key : kAssociations) {
        add(key);
    }
    end_row(out, row);
    for (const auto* deal : deals) {
        if (out.closed()) {
            break;
        }
        const std::string text = audit::deal_json(*deal, views, caller, now);
        json::Document doc;
        doc.Parse<json::kExactNumbers>(text.data(), text.size());
        if (doc.HasParseError()) {
            return audit::fail("rendering deal " + std::to_string(deal->id.value) +
                               " gave bad JSON");
        }
        for (const auto& column : kColumns) {
            add(cell(column.inner ? find(doc, column.key, column.inner) : find(doc, column.key)));
        }
        for (const auto& key : custom) {
            add(cell(find(doc, key.c_str())));
        }
        for (const char* key : kAssociations) {
            add(cell(find(doc, key)));
        }
        end_row(out, row);
    }
    return 0;
}

int export_deals(const std::string& data_dir, const ExportCommand& o, audit::Out& out) {
    auto reader = store::LogReader::open(data_dir);
    if (!reader) {
        return audit::fail(reader.error().message);
    }
    projections::Views views;
    try {
        // The server's own start-up: the last checkpoint's views, then the events after it.
        const events::Sequence checkpoint = (*reader)->load_checkpoint(views);
        views.finish_load();
        const auto tail =
            audit::fold(**reader, views, checkpoint + 1, (*reader)->head().sequence, std::nullopt);
        if (!tail) {
            return audit::fail(tail.error().message);
        }
        std::cerr << "export: views of checkpoint " << checkpoint << " and " << tail->applied
                  << " events after it (through sequence " << tail->last << ")" << std::endl;
    } catch (const std::exception& e) {  // a corrupt record or view
        return audit::fail(e.what());
    }
    const auto caller = audit::auditor();
    const Timestamp now = Timestamp::system_now();
    const auto deals = audit::deals_by_id(
        views, o.trashed ? projections::Trash::kTrashed : projections::Trash::kLive);
    if (o.format == "jsonl") {
        for (const auto* deal : deals) {
            if (out.closed()) {
                break;
            }
            out.line(audit::deal_json(*deal, views, caller, now));
        }
        return 0;
    }
    return write_csv(out, deals, views, caller, now);
}

}  // namespace

CLI::App* add_export_command(CLI::App& cli, ExportCommand& command) {
    auto* cmd = cli.add_subcommand(
        "export", "The current deals as the API shows them: jsonl (one deal JSON per line) or csv");
    cmd->add_option("--format", command.format, "jsonl | csv")
        ->check(CLI::IsMember({"jsonl", "csv"}))
        ->capture_default_str();
    cmd->add_flag("--trashed", command.trashed, "The deals in the trash instead");
    return cmd;
}

int run_export(const std::string& data_dir, const ExportCommand& command) {
    return audit::guarded([&](audit::Out& out) { return export_deals(data_dir, command, out); });
}

}  // namespace deals::tools
