// Option types: checking a value against a type and merging an option's
// definitions by type, as nixpkgs' lib/types.nix does. Native types (those
// lib.types builds, `_native = true`) are handled here by name; a user type
// from mkOptionType is run through its own `check` and `merge` functions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "builder/eval/modules.hh"

namespace cairn::eval {

/// What a merge needs besides the definitions: where to show paths from,
/// and the module arguments for evaluating submodules.
struct MergeContext {
  std::string display_root;
  std::vector<std::pair<std::string, lang::Value*>> args;
};

/// Discharges `def`'s properties — the pushed-down and its own mkIf
/// (dropped when false), mkMerge (split), mkOverride and mkOrder — and
/// appends the resulting plain definitions to `out`.
void discharge(lang::EvalState& state, const Definition& def, std::vector<DischargedDef>& out);

/// Keeps only the definitions with the lowest priority number, then sorts
/// them by order (stable), as filterOverrides and sortProperties do.
void filter_and_sort(std::vector<DischargedDef>& defs);

/// Whether `v` has type `type` (shallowly for lists, sets and submodules).
bool type_check(lang::EvalState& state, lang::Value& type, lang::Value& v, lang::PosIdx pos);

/// The type's description for messages ("boolean", "list of string").
std::string type_description(lang::EvalState& state, lang::Value* type);

/// Merges `defs` (non-empty, discharged, filtered) of the option at `loc`.
void type_merge(lang::EvalState& state, const std::shared_ptr<MergeContext>& ctx, lang::Value* type,
                const std::vector<std::string>& loc, std::vector<DischargedDef>& defs, lang::Value& out);

/// The type for two declarations of one option, as nixpkgs' typeMerge:
/// submodules concatenate their modules (how modules extend e.g.
/// users.users.<name>), attrsOf/listOf/nullOr… combine their element types,
/// enums join their values, identical types stay. nullptr when the two
/// cannot be combined; a missing type (nullptr) combines with anything.
lang::Value* combine_types(lang::EvalState& state, lang::Value* a, lang::Value* b);

/// Evaluates the definitions of a submodule-typed option as the modules of
/// a nested evaluation and returns its config (modules.cc).
void merge_submodule(lang::EvalState& state, const std::shared_ptr<MergeContext>& ctx, lang::Value& type,
                     const std::vector<std::string>& loc, std::vector<DischargedDef>& defs, lang::Value& out);

}  // namespace cairn::eval
