// Printing values as `nix-instantiate --eval` does, and as JSON.
#pragma once

#include <ostream>

#include "builder/lang/value.hh"

namespace cairn::lang {

class EvalState;

/// Prints `v` in Nix syntax. With `strict` every reachable value is forced
/// first; otherwise unevaluated parts print as <CODE>, as Nix does, except
/// that the top level is always forced. Repeated sets/lists print as «repeated».
void print_value(EvalState& state, Value& v, std::ostream& out, bool strict);

/// Prints `v` as JSON (builtins.toJSON semantics, forcing as needed).
void print_json(EvalState& state, Value& v, std::ostream& out, PosIdx pos = {});

/// Nix's escaping of a string literal, with quotes ("a\"b\${c}").
void print_string_literal(std::string_view s, std::ostream& out);

/// Whether `name` can be printed bare as an attribute name.
bool is_plain_identifier(std::string_view name);

}  // namespace cairn::lang
