#include "http/render.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "http/json_write.hpp"
#include "projections/policy.hpp"

namespace deals::http {

namespace {

using projections::Views;

void write_timestamp(json::Writer& w, events::Timestamp t) {
    events::Timestamp::Text text;
    write_string(w, {text.data(), t.format(text)});
}

void write_time(json::Writer& w, const std::optional<events::Timestamp>& t) {
    if (t) {
        write_timestamp(w, *t);
    } else {
        w.Null();
    }
}

/// Seconds with at most millisecond digits, no trailing zeros (`86400`, `12.5`), written into
/// `buf`; returns its length. std::to_chars rounds as printf's `%.3f` does, without its locale
/// and format parsing.
std::size_t seconds_text(double seconds, std::span<char, 64> buf) {
    const auto [end, ec] =
        std::to_chars(buf.data(), buf.data() + buf.size(), std::round(seconds * 1000.0) / 1000.0,
                      std::chars_format::fixed, 3);
    std::string_view s(buf.data(), ec == std::errc{} ? end - buf.data() : 0);
    while (!s.empty() && s.back() == '0') {
        s.remove_suffix(1);
    }
    if (!s.empty() && s.back() == '.') {
        s.remove_suffix(1);
    }
    if (s.empty() || s == "-0") {
        buf[0] = '0';
        return 1;
    }
    return s.size();
}

void write_authorizations(json::Writer& w, const projections::DealPermissions& p) {
    w.Key("authorizations");
    w.StartObject();
    w.Key("viewAny");
    w.Bool(p.view_any);
    w.Key("view");
    w.Bool(p.view);
    w.Key("create");
    w.Bool(p.create);
    w.Key("update");
    w.Bool(p.update);
    w.Key("delete");
    w.Bool(p.remove);
    w.Key("bulkDelete");
    w.Bool(p.bulk_delete);
    w.Key("export");
    w.Bool(p.export_deals);
    w.EndObject();
}

void write_time_in_stages(json::Writer& w, const projections::Deal& deal, events::Timestamp now) {
    const auto stages = projections::time_in_stages(deal, now);
    if (stages.empty()) {
        w.StartArray();
        w.EndArray();
        return;
    }
    w.StartObject();
    std::array<char, 64> text{};
    for (const auto& [stage, seconds] : stages) {
        const auto key = std::to_chars(text.data(), text.data() + text.size(), stage.value);
        w.Key(text.data(), static_cast<rapidjson::SizeType>(key.ptr - text.data()));
        const std::size_t length = seconds_text(seconds, text);
        w.RawValue(text.data(), length, rapidjson::kNumberType);
    }
    w.EndObject();
}

void write_id_array(json::Writer& w, const char* key, const std::vector<std::int64_t>& ids) {
    w.Key(key);
    w.StartArray();
    for (const auto id : ids) {
        w.StartObject();
        w.Key("id");
        w.Int64(id);
        w.EndObject();
    }
    w.EndArray();
}

void write_associations(json::Writer& w, const events::AssociatedIds& ids, bool with_count) {
    write_id_array(w, "contacts", ids.contacts);
    write_id_array(w, "companies", ids.companies);
    write_id_array(w, "activities", ids.activities);
    if (with_count) {
        w.Key("associations_count");
        w.Uint64(ids.contacts.size() + ids.companies.size() + ids.activities.size());
    }
}

}  // namespace

void write_stage(json::Writer& w, const projections::Stage& s, bool recently_created) {
    w.StartObject();
    w.Key("id");
    w.Int64(s.id.value);
    w.Key("name");
    write_string(w, s.name);
    w.Key("win_probability");
    w.Int64(s.win_probability);
    w.Key("display_order");
    w.Int64(s.display_order);
    w.Key("pipeline_id");
    w.Int64(s.pipeline_id.value);
    w.Key("display_name");
    write_string(w, s.id.str());
    w.Key("created_at");
    write_timestamp(w, s.created_at);
    w.Key("updated_at");
    write_timestamp(w, s.updated_at);
    w.Key("was_recently_created");
    w.Bool(recently_created);
    w.EndObject();
}

void write_pipeline(json::Writer& w, const projections::Pipeline& p, const Views& views,
                    const projections::User& caller, bool with_stages, bool recently_created) {
    w.StartObject();
    w.Key("id");
    w.Int64(p.id.value);
    w.Key("name");
    write_string(w, p.name);
    w.Key("flag");
    write_opt(w, p.flag);
    w.Key("is_primary");
    w.Bool(p.is_primary);
    if (with_stages) {
        w.Key("stages");
        w.StartArray();
        for (const auto* s : views.stages_of(p.id)) {
            write_stage(w, *s, recently_created);
        }
        w.EndArray();
    }
    w.Key("display_name");
    write_string(w, p.id.str());
    w.Key("created_at");
    write_timestamp(w, p.created_at);
    w.Key("updated_at");
    write_timestamp(w, p.updated_at);
    w.Key("authorizations");
    w.StartObject();
    for (const char* key : {"viewAny", "view"}) {
        w.Key(key);
        w.Bool(true);
    }
    for (const char* key : {"create", "update", "delete"}) {
        w.Key(key);
        w.Bool(caller.super_admin);
    }
    w.EndObject();
    w.Key("was_recently_created");
    w.Bool(recently_created);
    w.EndObject();
}

void write_user(json::Writer& w, const projections::User& u) {
    w.StartObject();
    w.Key("id");
    w.Int64(u.id.value);
    w.Key("name");
    write_string(w, u.name);
    w.Key("email");
    write_string(w, u.email);
    w.Key("super_admin");
    w.Bool(u.super_admin);
    w.Key("access_api");
    w.Bool(u.access_api);
    w.Key("deals_scope");
    write_string(w, events::to_string(u.deals_scope));
    w.Key("display_name");
    write_string(w, u.id.str());
    w.Key("created_at");
    write_timestamp(w, u.created_at);
    w.Key("updated_at");
    write_timestamp(w, u.updated_at);
    w.EndObject();
}

namespace {

void write_custom_value(json::Writer& w, const events::CustomValue& value,
                        events::CustomFieldType type) {
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string>) {
                write_string(w, v);
            } else if constexpr (std::is_same_v<V, events::Money>) {
                write_number(w, v.str());
            } else if constexpr (std::is_same_v<V, events::Date>) {
                write_string(w, v.str());
            } else if constexpr (std::is_same_v<V, bool>) {
                w.Bool(v);
            } else if (type == events::CustomFieldType::kSelect && v.size() == 1) {
                w.Int64(v.front());
            } else {
                w.StartArray();
                for (const auto id : v) {
                    w.Int64(id);
                }
                w.EndArray();
            }
        },
        value.value);
}

void write_custom_fields(json::Writer& w, const projections::Deal& d, const Views& views) {
    for (const auto* field : views.custom_fields()) {
        w.Key(field->field_id.data(), static_cast<rapidjson::SizeType>(field->field_id.size()));
        if (const auto* value = d.custom_fields.find(field->id)) {
            write_custom_value(w, *value, field->field_type);
        } else {
            w.Null();
        }
    }
}

}  // namespace

void write_custom_field(json::Writer& w, const projections::CustomField& f, bool recently_created) {
    w.StartObject();
    w.Key("id");
    w.Int64(f.id.value);
    w.Key("resource_name");
    write_string(w, f.resource_name);
    w.Key("field_id");
    write_string(w, f.field_id);
    w.Key("label");
    write_string(w, f.label);
    w.Key("field_type");
    w.String(std::string(events::to_string(f.field_type)).c_str());
    w.Key("options");
    w.StartArray();
    for (const auto& o : f.options) {
        w.StartObject();
        w.Key("id");
        w.Int64(o.id);
        w.Key("name");
        write_string(w, o.name);
        w.Key("display_order");
        w.Int64(o.display_order);
        w.EndObject();
    }
    w.EndArray();
    w.Key("created_at");
    write_timestamp(w, f.created_at);
    w.Key("updated_at");
    write_timestamp(w, f.updated_at);
    if (recently_created) {
        w.Key("was_recently_created");
        w.Bool(true);
    }
    w.EndObject();
}

namespace {

/// The JSON of a pipeline, a stage or a user as a deal nests it, rendered once per socket thread
/// and reused until the views' stamp for them changes (Views::directory_stamp for pipelines and
/// stages, Views::users_stamp for users). A deal's pipeline with its stages is most of a deal's
/// JSON.
class NestedJsonCache {
public:
    template <typename Render>
    void write(json::Writer& w, std::uint64_t stamp, std::int64_t id, int variant, Render render) {
        if (stamp != stamp_) {
            entries_.clear();
            stamp_ = stamp;
        }
        for (const auto& e : entries_) {
            if (e.id == id && e.variant == variant) {
                w.RawValue(e.json.data(), e.json.size(), rapidjson::kObjectType);
                return;
            }
        }
        json::Buffer buffer;
        json::Writer inner(buffer);
        render(inner);
        if (entries_.size() >= kMaxEntries) {
            entries_.clear();
        }
        entries_.push_back({id, variant, std::string(buffer.GetString(), buffer.GetSize())});
        const auto& json = entries_.back().json;
        w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    }

private:
    static constexpr std::size_t kMaxEntries = 256;
    struct Entry {
        std::int64_t id;
        int variant;
        std::string json;
    };
    std::uint64_t stamp_ = 0;
    std::vector<Entry> entries_;
};

thread_local NestedJsonCache nested_json;   ///< pipelines and stages
thread_local NestedJsonCache nested_users;  ///< users (a deal's owner)

/// id, name, display_name, path.
void write_deal_names(json::Writer& w, const projections::Deal& d) {
    w.Key("id");
    w.Int64(d.id.value);
    w.Key("name");
    write_string(w, d.name);
    w.Key("display_name");
    write_string(w, d.name);
    w.Key("path");
    write_string(w, "/deals/" + d.id.str());
}

/// pipeline_id, pipeline, stage_id, stage: the pipeline and stage nested whole.
void write_deal_pipeline_and_stage(json::Writer& w, const projections::Deal& d, const Views& views,
                                   const projections::User& caller, bool single) {
    w.Key("pipeline_id");
    w.Int64(d.pipeline_id.value);
    w.Key("pipeline");
    if (const auto* p = views.pipeline(d.pipeline_id)) {
        // What a pipeline's JSON depends on besides the pipeline: its stages (when single) and
        // whether the caller is a super-admin (its authorizations).
        const int variant = 1 + (single ? 2 : 0) + (caller.super_admin ? 1 : 0);
        nested_json.write(
            w, views.directory_stamp(), p->id.value, variant,
            [&](json::Writer& inner) { write_pipeline(inner, *p, views, caller, single); });
    } else {
        w.Null();
    }
    w.Key("stage_id");
    w.Int64(d.stage_id.value);
    w.Key("stage");
    if (const auto* s = views.stage(d.stage_id)) {
        nested_json.write(w, views.directory_stamp(), s->id.value, 0,
                          [&](json::Writer& inner) { write_stage(inner, *s); });
    } else {
        w.Null();
    }
}

/// amount, expected_close_date, status, lost_reason, and won_date or lost_date when closed.
void write_deal_amount_and_status(json::Writer& w, const projections::Deal& d) {
    w.Key("amount");
    write_number(w, d.amount.value_or(events::Money{}).str());
    w.Key("expected_close_date");
    write_time(
        w, d.expected_close_date ? std::optional(d.expected_close_date->midnight()) : std::nullopt);
    w.Key("status");
    write_string(w, events::to_string(d.status));
    w.Key("lost_reason");
    write_opt(w, d.lost_reason);
    if (d.status == events::DealStatus::kWon) {
        w.Key("won_date");
        write_time(w, d.won_date);
    }
    if (d.status == events::DealStatus::kLost) {
        w.Key("lost_date");
        write_time(w, d.lost_date);
    }
}

/// stage_changed_date, falls_behind_expected_close_date (with a close date), time_in_stages,
/// board_order: where the deal stands on the board, as of `now`.
void write_deal_progress(json::Writer& w, const projections::Deal& d, events::Timestamp now) {
    w.Key("stage_changed_date");
    write_time(w, d.stage_changed_date);
    if (d.expected_close_date) {
        w.Key("falls_behind_expected_close_date");
        w.Bool(projections::falls_behind_expected_close_date(d, now));
    }
    w.Key("time_in_stages");
    write_time_in_stages(w, d, now);
    w.Key("board_order");
    w.Int64(d.board_order);
}

/// user_id, user (nested whole), owner_assigned_date.
void write_deal_owner(json::Writer& w, const projections::Deal& d, const Views& views) {
    w.Key("user_id");
    if (d.user_id) {
        w.Int64(d.user_id->value);
    } else {
        w.Null();
    }
    w.Key("user");
    const auto* owner = d.user_id ? views.user(*d.user_id) : nullptr;
    if (owner != nullptr) {
        nested_users.write(w, views.users_stamp(), owner->id.value, 0,
                           [&](json::Writer& inner) { write_user(inner, *owner); });
    } else {
        w.Null();
    }
    w.Key("owner_assigned_date");
    write_time(w, d.owner_assigned_date);
}

/// products_count, contacts_count, companies_count, activities_count.
void write_deal_counts(json::Writer& w, const projections::Deal& d) {
    w.Key("products_count");
    w.Int64(d.products_count);
    w.Key("contacts_count");
    w.Uint64(d.associations.contacts.size());
    w.Key("companies_count");
    w.Uint64(d.associations.companies.size());
    w.Key("activities_count");
    w.Uint64(d.associations.activities.size());
}

/// created_at, updated_at, timeline_subject_key, authorizations, was_recently_created,
/// version.
void write_deal_record(json::Writer& w, const projections::Deal& d, const projections::User& caller,
                       DealShape shape) {
    w.Key("created_at");
    write_timestamp(w, d.created_at);
    w.Key("updated_at");
    write_timestamp(w, d.updated_at);
    w.Key("timeline_subject_key");
    w.String("deal");
    write_authorizations(w, projections::deal_permissions(caller, d));
    w.Key("was_recently_created");
    w.Bool(shape == DealShape::kCreated);
    w.Key("version");
    w.Uint64(d.version);
}

}  // namespace

void write_deal(json::Writer& w, const projections::Deal& d, const Views& views,
                const projections::User& caller, events::Timestamp now, DealShape shape,
                BillableWith with) {
    const bool single = shape == DealShape::kSingle || shape == DealShape::kCreated;
    w.StartObject();
    write_deal_names(w, d);
    write_deal_pipeline_and_stage(w, d, views, caller, single);
    write_deal_amount_and_status(w, d);
    write_deal_progress(w, d, now);
    write_deal_owner(w, d, views);
    w.Key("swatch_color");
    write_opt(w, d.swatch_color);
    write_deal_counts(w, d);
    if (shape != DealShape::kListItem) {
        write_associations(w, d.associations, single);
    }
    write_deal_record(w, d, caller, shape);
    write_custom_fields(w, d, views);
    if (with != BillableWith::kNone) {
        w.Key("billable");
        write_billable(w, d, views, with == BillableWith::kWithProducts, false);
    }
    w.EndObject();
}

void write_association_arrays(json::Writer& w, const events::AssociatedIds& ids) {
    w.StartObject();
    write_id_array(w, "contacts", ids.contacts);
    write_id_array(w, "companies", ids.companies);
    write_id_array(w, "activities", ids.activities);
    w.EndObject();
}

Response json_response(int status, std::string body) {
    return Response{status, std::move(body), {}};
}

Response deal_response(int status, const projections::Deal& deal, const Views& views,
                       const projections::User& caller, events::Timestamp now, DealShape shape,
                       BillableWith with) {
    json::Buffer buffer(nullptr, 4096);  // a deal with its pipeline: about 3 KB, no regrowth
    json::Writer w(buffer);
    write_deal(w, deal, views, caller, now, shape, with);
    Response r{status, std::string(buffer.GetString(), buffer.GetSize()), {}};
    std::string etag = "\"";
    etag.append(std::to_string(deal.version)).push_back('"');
    r.headers.emplace_back("ETag", std::move(etag));
    return r;
}

}  // namespace deals::http
