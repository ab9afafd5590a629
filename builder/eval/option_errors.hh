// The module system's error messages, in nixpkgs' shapes (notes/nixos.md §1),
// each definition cited with file:line:col.
#pragma once

#include <string>
#include <vector>

#include "builder/eval/modules.hh"

namespace cairn::eval {

/// `services.openssh.enable`; names that aren't identifiers are quoted.
std::string show_option(const std::vector<std::string>& loc);

/// "file:line:col", relative to `display_root` when under it.
std::string show_file(lang::EvalState& state, const std::string& file, lang::PosIdx pos,
                      const std::string& display_root);

/// The "Definition values:" list: "\n- In `FILE:L:C': VALUE" per definition.
std::string show_defs(lang::EvalState& state, const std::vector<DischargedDef>& defs,
                      const std::string& display_root);

/// Up to three of `candidates` closest to `name` (Levenshtein), nixpkgs'
/// rule: distance ≤ 2, or any when there are few candidates.
std::vector<std::string> close_names(const std::string& name, const std::vector<std::string>& candidates);

/// Throws "The option `x' has conflicting definition values: …".
[[noreturn]] void throw_conflict(lang::EvalState& state, const std::vector<std::string>& loc,
                                 const std::vector<DischargedDef>& defs, const std::string& display_root);

/// Throws "A definition for option `x' is not of type `T'. Definition values: …".
[[noreturn]] void throw_type_mismatch(lang::EvalState& state, const std::vector<std::string>& loc,
                                      const std::string& type_description, const DischargedDef& def,
                                      const std::string& display_root);

}  // namespace cairn::eval
