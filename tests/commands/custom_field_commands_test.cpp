// Custom fields (contract §12): given the defined fields, when a definition is created, changed
// or deleted, then this event (or this error); and a deal body's `cf_…` values, validated.

#include "commands/custom_field_commands.hpp"

#include <catch2/catch.hpp>
#include <type_traits>
#include <variant>

#include "tests/commands/field_values.hpp"
#include "tests/projections/domain_fixture.hpp"

using namespace deals::unit;  // NOLINT
using deals::commands::CreateCustomField;
using deals::commands::CustomFieldInput;
using deals::commands::CustomValueInput;
using deals::commands::decide;
using deals::commands::DeleteCustomField;
using deals::commands::FieldErrors;
using deals::commands::FieldErrorsBuilder;
using deals::commands::OptionInput;
using deals::commands::UpdateCustomField;

namespace {

using Options = std::vector<CustomFieldOption>;

/// Fields 1-7, one of each type; options 10-12 (Tier) and 20-22 (Tags).
World with_fields() {
    World w = World::seeded();
    w.given({CustomFieldCreated{
                 CustomFieldId{1}, "deals", "cf_notes", "Notes", CustomFieldType::kText, {}},
             CustomFieldCreated{CustomFieldId{2},
                                "deals",
                                "cf_tier",
                                "Tier",
                                CustomFieldType::kSelect,
                                {{10, "Gold", 1}, {11, "Silver", 2}, {12, "Bronze", 3}}},
             CustomFieldCreated{CustomFieldId{3},
                                "deals",
                                "cf_tags",
                                "Tags",
                                CustomFieldType::kMultiSelect,
                                {{20, "Red", 1}, {21, "Green", 2}, {22, "Blue", 3}}},
             CustomFieldCreated{
                 CustomFieldId{4}, "deals", "cf_score", "Score", CustomFieldType::kNumeric, {}},
             CustomFieldCreated{
                 CustomFieldId{5}, "deals", "cf_renewal", "Renewal", CustomFieldType::kDate, {}},
             CustomFieldCreated{
                 CustomFieldId{6}, "deals", "cf_vip", "VIP", CustomFieldType::kBoolean, {}},
             CustomFieldCreated{
                 CustomFieldId{7}, "deals", "cf_story", "Story", CustomFieldType::kTextarea, {}}},
            at(-50));
    return w;
}

OptionInput option(std::string name, std::string display_order = {}) {
    OptionInput o;
    o.name = str(std::move(name));
    if (!display_order.empty()) {
        o.display_order = num(std::move(display_order));
    }
    return o;
}

OptionInput rename(std::int64_t id, std::string name) {
    OptionInput o = option(std::move(name));
    o.id = num(std::to_string(id));
    return o;
}

/// A definition body; `options` is sent (as an array) when `with_options` or any are given.
CustomFieldInput definition(std::string field_id, std::string label, std::string type,
                            std::vector<std::optional<OptionInput>> options = {},
                            bool with_options = false) {
    CustomFieldInput in;
    in.resource_name = str("deals");
    in.field_id = str(std::move(field_id));
    in.label = str(std::move(label));
    in.field_type = str(std::move(type));
    if (with_options || !options.empty()) {
        in.options = array();
        in.option_items = std::move(options);
    }
    return in;
}

/// An update body with only `options`.
CustomFieldInput options_only(std::vector<std::optional<OptionInput>> options) {
    CustomFieldInput in;
    in.options = array();
    in.option_items = std::move(options);
    return in;
}

CreateCustomField create(CustomFieldInput in, bool held = false) {
    return CreateCustomField{CustomFieldId{8}, 30, std::move(in), true, held};
}

/// The field errors of a create.
FieldErrors create_errors(const World& w, CustomFieldInput in) {
    const Error e = error_of(decide(w.views, create(std::move(in))));
    CHECK(e.code == ErrorCode::kValidation);
    return e.fields;
}

FieldErrors one(std::string key, std::string message) {
    return FieldErrors{{std::move(key), {std::move(message)}}};
}

/// A value as text: `"abc"`, `12.5`, `2026-03-03`, `true`, `[20,22]`.
std::string shown(const CustomValue& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                return '"' + x + '"';
            } else if constexpr (std::is_same_v<T, bool>) {
                return x ? "true" : "false";
            } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
                std::string out = "[";
                for (const auto id : x) {
                    out += (out.size() > 1 ? "," : "") + std::to_string(id);
                }
                return out + "]";
            } else {
                return x.str();  // Money, Date
            }
        },
        v.value);
}

struct Validated {
    std::vector<std::string> values;  ///< `cf_key=value` (`null`: cleared), in the order given
    FieldErrors errors;
};

/// validate_custom_values over `input` against the fields of `w`.
Validated values_of(const World& w, const std::vector<CustomValueInput>& input) {
    FieldErrorsBuilder errors;
    Validated out;
    for (const auto& a : deals::commands::validate_custom_values(input, w.views, errors)) {
        const auto* field = w.views.custom_field(a.id);
        REQUIRE(field != nullptr);
        CHECK(field->field_id == a.field_id);
        CHECK(field->field_type == a.type);
        out.values.push_back(a.field_id + "=" + (a.value ? shown(*a.value) : "null"));
    }
    if (!errors.empty()) {
        out.errors = errors.error().fields;
    }
    return out;
}

CustomValueInput value(std::string key, FieldValue v, std::vector<FieldValue> items = {}) {
    return CustomValueInput{std::move(key), std::move(v), std::move(items)};
}

}  // namespace

// ---- definitions ----

TEST_CASE("a super-admin defines a select field; new options take the reserved ids in order",
          "[commands][custom_fields]") {
    const World w = with_fields();
    const CustomFieldInput in = definition("cf_stage", "Stage", "Select",
                                           {option("Cold"), option("Warm", "5"), option("Hot")});

    const Events events = value_of(decide(w.views, create(in)));

    // Options without a display order take their 1-based position among the new ones.
    CHECK(events == Events{CustomFieldCreated{
                        CustomFieldId{8}, "deals", "cf_stage", "Stage", CustomFieldType::kSelect,
                        Options{{30, "Cold", 1}, {31, "Warm", 5}, {32, "Hot", 3}}}});
    CHECK(stream_of(events.at(0)) == "custom-field-8");
    CHECK(deals::commands::new_option_count(in, deals::commands::type_of(in)) == 3);
}

TEST_CASE("options sent for a type without options are ignored", "[commands][custom_fields]") {
    const World w = World::seeded();
    const CustomFieldInput in = definition("cf_notes", "Notes", "Text", {option("Ignored")});

    CHECK(value_of(decide(w.views, create(in))) ==
          Events{CustomFieldCreated{
              CustomFieldId{8}, "deals", "cf_notes", "Notes", CustomFieldType::kText, {}}});
    CHECK(deals::commands::type_of(in) == CustomFieldType::kText);
    CHECK(deals::commands::new_option_count(in, CustomFieldType::kText) == 0);
    CHECK(deals::commands::new_option_count(in, std::nullopt) == 0);
}

TEST_CASE("only super-admins create, change or delete custom fields", "[commands][custom_fields]") {
    const World w = with_fields();
    const Error errors[] = {
        error_of(decide(w.views,
                        CreateCustomField{CustomFieldId{8}, 30, definition("cf_x", "X", "Text")})),
        error_of(decide(w.views, UpdateCustomField{CustomFieldId{1}, 30, {}})),
        error_of(decide(w.views, DeleteCustomField{CustomFieldId{1}})),
        // Before the field is looked up.
        error_of(decide(w.views, UpdateCustomField{CustomFieldId{99}, 30, {}})),
        error_of(decide(w.views, DeleteCustomField{CustomFieldId{99}})),
    };
    for (const auto& e : errors) {
        CHECK(e.code == ErrorCode::kForbidden);
        CHECK(e.message == "This action is unauthorized.");
    }
}

TEST_CASE("a definition needs a resource, a key, a label and a type", "[commands][custom_fields]") {
    const World w = with_fields();

    const Error empty = error_of(decide(w.views, create(CustomFieldInput{})));

    CHECK(empty.message == "The resource name field is required. (and 3 more errors)");
    CHECK(empty.fields == FieldErrors{{"resource_name", {"The resource name field is required."}},
                                      {"field_id", {"The field id field is required."}},
                                      {"label", {"The label field is required."}},
                                      {"field_type", {"The field type field is required."}}});

    CustomFieldInput in = definition("cf_x", "X", "Text");
    in.resource_name = str("contacts");
    CHECK(create_errors(w, in) == one("resource_name", "The selected resource name is invalid."));
    in = definition("cf_x", "X", "Color");
    CHECK(create_errors(w, in) == one("field_type", "The selected field type is invalid."));
    in = definition("cf_x", "X", "text");  // the wire names are Concord's, in their case
    CHECK(create_errors(w, in) == one("field_type", "The selected field type is invalid."));
    in = definition("cf_x", std::string(192, 'l'), "Text");
    CHECK(create_errors(w, in) ==
          one("label", "The label field must not be greater than 191 characters."));
    in.label = num("5");
    CHECK(create_errors(w, in) == one("label", "The label field must be a string."));
}

TEST_CASE("a field key is cf_ and lower-case letters, digits or _, unique, at most 64 long",
          "[commands][custom_fields]") {
    const World w = with_fields();
    const auto invalid = one("field_id", "The field id field format is invalid.");
    for (const auto& key : {"notes", "cf_", "cf_Bad", "cf_with-dash", "CF_x", "cf_x y"}) {
        INFO("key " << key);
        CHECK(create_errors(w, definition(key, "X", "Text")) == invalid);
    }
    CustomFieldInput numeric = definition("cf_x", "X", "Text");
    numeric.field_id = num("5");
    CHECK(create_errors(w, numeric) == invalid);
    CHECK(create_errors(w, definition("cf_" + std::string(62, 'k'), "X", "Text")) == invalid);
    CHECK(
        decide(w.views, create(definition("cf_" + std::string(61, 'k'), "X", "Text"))).has_value());

    const auto taken = one("field_id", "The field id has already been taken.");
    CHECK(create_errors(w, definition("cf_notes", "Other", "Text")) == taken);
    // Another request creating the same key holds it too.
    const Error held = error_of(decide(w.views, create(definition("cf_new", "X", "Text"), true)));
    CHECK(held.fields == taken);
}

TEST_CASE("the key of a deleted field may be defined again", "[commands][custom_fields]") {
    World w = with_fields();
    w.given({CustomFieldDeleted{CustomFieldId{1}, "cf_notes"}}, at(0));

    CHECK(decide(w.views, create(definition("cf_notes", "Notes again", "Text"))).has_value());
}

TEST_CASE("a select or multi-select field needs options", "[commands][custom_fields]") {
    const World w = World::seeded();
    const auto required = one("options", "The options field is required.");
    CHECK(create_errors(w, definition("cf_x", "X", "Select")) == required);
    CHECK(create_errors(w, definition("cf_x", "X", "MultiSelect", {}, true)) == required);
    CustomFieldInput in = definition("cf_x", "X", "Select");
    in.options = str("Gold");
    CHECK(create_errors(w, in) == one("options", "The options field must be an array."));
}

TEST_CASE("the options of a definition are validated item by item", "[commands][custom_fields]") {
    const World w = World::seeded();
    OptionInput no_name;
    no_name.display_order = num("1");
    OptionInput number_name;
    number_name.name = num("5");
    OptionInput bad_order = option("Late");
    bad_order.display_order = str("last");
    const CustomFieldInput in =
        definition("cf_x", "X", "Select",
                   {option("Gold"), std::nullopt, rename(10, "Silver"), no_name, number_name,
                    option(std::string(192, 'o')), bad_order, option("GÖLD ")});

    const Error e = error_of(decide(w.views, create(in)));

    CHECK(e.fields == FieldErrors{
                          {"options.1", {"The options.1 field must be an array."}},
                          {"options.2.id", {"The selected options.2.id is invalid."}},
                          {"options.3.name", {"The options.3.name field is required."}},
                          {"options.4.name", {"The options.4.name field must be a string."}},
                          {"options.5.name",
                           {"The options.5.name field must not be greater than 191 characters."}},
                          {"options.6.display_order",
                           {"The options.6.display_order field must be an integer."}},
                          {"options.7.name", {"The options.7.name field has a duplicate value."}},
                      });
    // Only the items without an id are new options.
    CHECK(deals::commands::new_option_count(in, CustomFieldType::kSelect) == 6);
}

TEST_CASE("an update changes the label, renames options by id and adds new ones",
          "[commands][custom_fields]") {
    const World w = with_fields();
    CustomFieldInput in =
        options_only({rename(11, "Platinum"), option("Iron"), option("Tin", "0")});
    in.label = str("Level");

    const Events events =
        value_of(decide(w.views, UpdateCustomField{CustomFieldId{2}, 40, in, true}));

    // Options are never removed: the ones the body leaves out stay.
    CHECK(events == Events{CustomFieldUpdated{CustomFieldId{2}, "cf_tier", "Level",
                                              Options{{10, "Gold", 1},
                                                      {11, "Platinum", 2},
                                                      {12, "Bronze", 3},
                                                      {40, "Iron", 4},
                                                      {41, "Tin", 0}}}});
}

TEST_CASE("an update keeps what it does not name and may change nothing",
          "[commands][custom_fields]") {
    const World w = with_fields();
    auto update = [&](CustomFieldId id, CustomFieldInput in) {
        return value_of(decide(w.views, UpdateCustomField{id, 40, std::move(in), true}));
    };

    CHECK(update(CustomFieldId{2}, {}).empty());
    CHECK(update(CustomFieldId{2}, options_only({rename(10, "Gold")})).empty());
    CustomFieldInput same_label;
    same_label.label = str("Tier");
    CHECK(update(CustomFieldId{2}, same_label).empty());
    // Moving an option is a change.
    OptionInput moved = rename(12, "Bronze");
    moved.display_order = num("0");
    CHECK(
        update(CustomFieldId{2}, options_only({moved})) ==
        Events{CustomFieldUpdated{CustomFieldId{2}, "cf_tier", "Tier",
                                  Options{{10, "Gold", 1}, {11, "Silver", 2}, {12, "Bronze", 0}}}});
    // A field without options ignores them; its key and type never change.
    CustomFieldInput text = options_only({option("Ignored")});
    text.field_id = str("cf_other");
    text.field_type = str("Numeric");
    text.label = str("Remarks");
    CHECK(update(CustomFieldId{1}, text) ==
          Events{CustomFieldUpdated{CustomFieldId{1}, "cf_notes", "Remarks", {}}});
}

TEST_CASE("option names stay distinct over the options as they will be",
          "[commands][custom_fields]") {
    const World w = with_fields();
    auto update = [&](CustomFieldInput in) {
        return decide(w.views, UpdateCustomField{CustomFieldId{2}, 40, std::move(in), true});
    };

    // A new option may not take the name of one the body leaves alone.
    CHECK(error_of(update(options_only({option("gold")}))).fields ==
          one("options.0.name", "The options.0.name field has a duplicate value."));
    CHECK(error_of(update(options_only({rename(11, "GOLD")}))).fields ==
          one("options.0.name", "The options.0.name field has a duplicate value."));
    // An option may change the case of its own name, and two may swap names.
    CHECK(value_of(update(options_only({rename(10, "GOLD")}))).size() == 1);
    CHECK(
        value_of(update(options_only({rename(10, "Silver"), rename(11, "Gold")}))) ==
        Events{CustomFieldUpdated{CustomFieldId{2}, "cf_tier", "Tier",
                                  Options{{10, "Silver", 1}, {11, "Gold", 2}, {12, "Bronze", 3}}}});
}

TEST_CASE("an update is validated like a create, against the field's own options",
          "[commands][custom_fields]") {
    const World w = with_fields();
    auto errors = [&](CustomFieldInput in) {
        return error_of(
                   decide(w.views, UpdateCustomField{CustomFieldId{2}, 40, std::move(in), true}))
            .fields;
    };
    CustomFieldInput in;
    in.label = null();
    CHECK(errors(in) == one("label", "The label field must have a value."));
    in.label = boolean(true);
    CHECK(errors(in) == one("label", "The label field must be a string."));
    in.label = str(std::string(192, 'l'));
    CHECK(errors(in) == one("label", "The label field must not be greater than 191 characters."));

    // An option of another field is not one of this field's.
    CHECK(errors(options_only({rename(20, "Red")})) ==
          one("options.0.id", "The selected options.0.id is invalid."));
    OptionInput blank = rename(10, "x");
    blank.name = null();
    CHECK(errors(options_only({blank})) ==
          one("options.0.name", "The options.0.name field is required."));
    CustomFieldInput not_array;
    not_array.options = num("1");
    CHECK(errors(not_array) == one("options", "The options field must be an array."));
}

TEST_CASE("unknown custom fields are not found", "[commands][custom_fields]") {
    const World w = with_fields();

    const Error update =
        error_of(decide(w.views, UpdateCustomField{CustomFieldId{9}, 40, {}, true}));
    const Error del = error_of(decide(w.views, DeleteCustomField{CustomFieldId{9}, true}));

    CHECK(update.code == ErrorCode::kNotFound);
    CHECK(update.message == "No query results for model [CustomField] 9");
    CHECK(del.code == ErrorCode::kNotFound);
    CHECK(del.message == "No query results for model [CustomField] 9");
}

TEST_CASE("deleting a custom field records its key", "[commands][custom_fields]") {
    const World w = with_fields();

    CHECK(value_of(decide(w.views, DeleteCustomField{CustomFieldId{3}, true})) ==
          Events{CustomFieldDeleted{CustomFieldId{3}, "cf_tags"}});
}

// ---- values on a deal ----

TEST_CASE("custom values of every type are read in field id order", "[commands][custom_fields]") {
    const World w = with_fields();

    const Validated v = values_of(
        w, {value("cf_story", str(std::string(65535, 's'))), value("cf_vip", boolean(true)),
            value("cf_renewal", str("2026-03-03")), value("cf_score", num("1250.5")),
            value("cf_tags", array(), {str("blue"), num("20"), str("RED")}),
            value("cf_tier", str("silver ")), value("cf_notes", str("  hello  ")),
            value("cf_unknown", str("ignored")), value("name", str("ignored"))});

    CHECK(v.errors.empty());
    CHECK(v.values == std::vector<std::string>{"cf_notes=\"hello\"", "cf_tier=[11]",
                                               "cf_tags=[20,22]", "cf_score=1250.5",
                                               "cf_renewal=2026-03-03", "cf_vip=true",
                                               "cf_story=\"" + std::string(65535, 's') + "\""});
}

TEST_CASE("custom values accept the forms Laravel accepts", "[commands][custom_fields]") {
    const World w = with_fields();
    auto one_value = [&](std::string key, FieldValue v, std::vector<FieldValue> items = {}) {
        const Validated out = values_of(w, {value(std::move(key), std::move(v), std::move(items))});
        CHECK(out.errors.empty());
        REQUIRE(out.values.size() == 1);
        return out.values[0];
    };

    CHECK(one_value("cf_tier", num("12")) == "cf_tier=[12]");
    CHECK(one_value("cf_tier", str("12")) == "cf_tier=[12]");
    CHECK(one_value("cf_tier", str("gold")) == "cf_tier=[10]");
    CHECK(one_value("cf_tags", str("Green, red,green")) == "cf_tags=[20,21]");
    CHECK(one_value("cf_tags", array(), {}) == "cf_tags=null");  // no options: cleared
    CHECK(one_value("cf_score", str("0.125")) == "cf_score=0.125");
    CHECK(one_value("cf_score", num("999999999999.999")) == "cf_score=999999999999.999");
    CHECK(one_value("cf_vip", num("0")) == "cf_vip=false");
    CHECK(one_value("cf_vip", str("1")) == "cf_vip=true");
    CHECK(one_value("cf_vip", boolean(false)) == "cf_vip=false");
    // Null (or an empty string) clears any field.
    for (const auto* key : {"cf_notes", "cf_tier", "cf_tags", "cf_score", "cf_renewal", "cf_vip"}) {
        CHECK(one_value(key, str("")) == std::string(key) + "=null");
    }
}

TEST_CASE("every custom value error, under the field's key with its label",
          "[commands][custom_fields]") {
    const World w = with_fields();
    auto error = [&](std::string key, FieldValue v, std::vector<FieldValue> items = {}) {
        const Validated out = values_of(w, {value(key, std::move(v), std::move(items))});
        CHECK(out.values.empty());
        REQUIRE(out.errors.size() == 1);
        CHECK(out.errors[0].first == key);
        REQUIRE(out.errors[0].second.size() == 1);
        return out.errors[0].second[0];
    };

    CHECK(error("cf_notes", num("5")) == "The Notes field must be a string.");
    CHECK(error("cf_notes", str(std::string(192, 'n'))) ==
          "The Notes field must not be greater than 191 characters.");
    CHECK(error("cf_story", str(std::string(65536, 's'))) ==
          "The Story field must not be greater than 65535 characters.");
    CHECK(error("cf_score", str("ten")) == "The Score field must be a number.");
    CHECK(error("cf_score", boolean(true)) == "The Score field must be a number.");
    CHECK(error("cf_score", num("1.2345")) == "The Score field must have 0-3 decimal places.");
    CHECK(error("cf_score", num("-1")) == "The Score field must be at least 0.");
    CHECK(error("cf_score", num("1000000000000")) ==
          "The Score field must not be greater than 999999999999.999.");
    CHECK(error("cf_renewal", str("someday")) == "The Renewal field must be a valid date.");
    CHECK(error("cf_renewal", num("20260303")) == "The Renewal field must be a valid date.");
    CHECK(error("cf_vip", str("yes")) == "The VIP field must be true or false.");
    CHECK(error("cf_vip", num("2")) == "The VIP field must be true or false.");
    CHECK(error("cf_tier", str("Diamond")) == "The selected Tier is invalid.");
    CHECK(error("cf_tier", num("20")) == "The selected Tier is invalid.");  // another field's
    CHECK(error("cf_tags", array(), {str("Red"), str("Purple")}) ==
          "The selected Tags is invalid.");
    CHECK(error("cf_tags", num("20")) == "The Tags field must be an array.");
}

TEST_CASE("custom value errors come in field id order, and deleted fields are not read",
          "[commands][custom_fields]") {
    World w = with_fields();
    w.given({CustomFieldDeleted{CustomFieldId{1}, "cf_notes"}}, at(0));

    const Validated v = values_of(w, {value("cf_vip", str("maybe")), value("cf_notes", num("1")),
                                      value("cf_score", str("x")), value("cf_tier", num("10"))});

    CHECK(v.values == std::vector<std::string>{"cf_tier=[10]"});
    CHECK(v.errors == FieldErrors{{"cf_score", {"The Score field must be a number."}},
                                  {"cf_vip", {"The VIP field must be true or false."}}});
}
