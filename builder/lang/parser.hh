// The Nix language parser: source text to an AST (ast.hh).
//
// A hand-written recursive-descent parser with precedence climbing for the
// operators, driven by an on-demand lexer (lexer.hh) so that strings with
// `${…}` interpolation and indented strings are scanned in context.
// Errors are ParseError with the position of the offending token.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "builder/lang/ast.hh"

namespace cairn::lang {

class EvalState;

/// Parses `source`, registered in `state.positions` under `origin` (a file
/// path, or «string» for --expr). Relative path literals resolve against
/// `base_dir` (absolute); `~/` against `home`. Throws ParseError.
Expr* parse(EvalState& state, std::string origin, std::shared_ptr<const std::string> source,
            std::string_view base_dir, std::string_view home);

}  // namespace cairn::lang
