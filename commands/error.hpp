#pragma once

// The error vocabulary lives in events/error.hpp (namespace deals), where every layer can use
// it. These using-declarations keep the `commands::Error`, `commands::not_found(…)` spellings
// working; inside `deals::commands` the plain names find the same declarations.

#include "events/error.hpp"

namespace deals::commands {

using deals::bad_request;
using deals::conflict;
using deals::Error;
using deals::ErrorCode;
using deals::ErrorException;
using deals::FieldErrors;
using deals::FieldErrorsBuilder;
using deals::forbidden;
using deals::internal;
using deals::not_found;
using deals::only_super_admins;
using deals::precondition_failed;
using deals::Result;
using deals::unavailable;
using deals::validation;

}  // namespace deals::commands
