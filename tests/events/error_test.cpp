#include "events/error.hpp"

#include <catch2/catch.hpp>
#include <sstream>

using deals::Error;
using deals::ErrorCode;
using deals::ErrorException;
using deals::FieldErrorsBuilder;
using deals::Result;

TEST_CASE("field errors keep the order fields were checked in, one list per field", "[events]") {
    FieldErrorsBuilder errors;
    errors.add("name", "The name field is required.");
    errors.add("amount", "The amount must be a number.");
    errors.add("name", "The name may not be greater than 191 characters.");

    CHECK(errors.has("amount"));
    CHECK_FALSE(errors.has("stage_id"));
    const Error error = errors.error();
    CHECK(error.code == ErrorCode::kValidation);
    REQUIRE(error.fields.size() == 2);
    CHECK(error.fields[0].first == "name");
    CHECK(error.fields[0].second.size() == 2);
    CHECK(error.fields[1].first == "amount");
    CHECK(error.message == "The name field is required. (and 2 more errors)");
}

TEST_CASE("a validation error's message is its first message and a count of the others",
          "[events]") {
    CHECK(deals::validation({{"name", {"Required."}}}).message == "Required.");
    CHECK(deals::validation({{"name", {"Required."}}, {"email", {"Taken."}}}).message ==
          "Required. (and 1 more error)");
    CHECK(deals::validation({}).message == "The given data was invalid.");
}

TEST_CASE("the factories give each error its code and Concord's messages", "[events]") {
    CHECK(deals::not_found("Deal", "42").message == "No query results for model [Deal] 42");
    CHECK(deals::not_found("Deal", "42").code == ErrorCode::kNotFound);
    CHECK(deals::unavailable("disk full").code == ErrorCode::kUnavailable);
    CHECK(deals::bad_request("bad").code == ErrorCode::kBadRequest);
    CHECK_FALSE(deals::only_super_admins(true));
    REQUIRE(deals::only_super_admins(false));
    CHECK(deals::only_super_admins(false)->code == ErrorCode::kForbidden);
    CHECK(deals::only_super_admins(false)->message == "This action is unauthorized.");
}

TEST_CASE("the value of a failed result is a programmer error that throws the error", "[events]") {
    const Result<int> failed = deals::conflict("taken");
    std::ostringstream text;
    text << failed.error();
    CHECK(text.str().find("\"taken\"") != std::string::npos);
    CHECK_THROWS_AS(failed.value(), ErrorException);
    CHECK_THROWS_WITH(failed.value(), "taken");
}
