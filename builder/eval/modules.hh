// The module system: nixpkgs' lib.evalModules, natively.
//
// A host is a tree of modules. eval_modules collects them (imports,
// disabledModules, key de-duplication), builds one tree of option
// declarations, walks every module's `config` down to the options it
// defines — pushing mkIf/mkMerge/mkOverride down to the leaves without
// evaluating them — and returns `config`: a lazy attribute set mirroring the
// option tree whose leaves merge their definitions only when read. Modules
// receive that same `config`, so they may read any option (the fixpoint);
// only the *shape* of a module (its imports and which option paths it
// defines) must not depend on config, as in nixpkgs.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "builder/lang/eval.hh"

namespace cairn::eval {

/// One definition of an option: a module's value for it, with the mkIf
/// conditions and priority pushed down onto it from enclosing levels.
struct Definition {
  std::string file;        ///< the defining module's file (for messages)
  lang::PosIdx pos;        ///< where the value is written
  lang::Value* value;      ///< lazy, properties not yet discharged
  std::vector<lang::Value*> conditions;  ///< enclosing mkIf conditions (lazy)
  int priority = -1;       ///< enclosing mkOverride, or -1
};

/// A definition after its properties were discharged: a plain value.
struct DischargedDef {
  std::string file;
  lang::PosIdx pos;
  lang::Value* value;
  int priority = 100;
  int order = 1000;
};

/// An option declaration (the set mkOption made) and where it was made.
struct Declaration {
  lang::Value* option;     ///< forced attrset with _type = "option"
  lang::Value* type;       ///< the `type` attribute, or nullptr (= anything)
  std::string file;
  lang::PosIdx pos;
};

/// A node of the option tree: an option (decl set) or a namespace.
struct OptionNode {
  std::vector<std::string> loc;   ///< full path, e.g. {"services","openssh","enable"}
  std::unique_ptr<Declaration> decl;
  std::map<std::string, std::unique_ptr<OptionNode>> children;
  std::vector<Definition> defs;   ///< for options
  /// Definitions of names no option declares, by name (freeform or error).
  std::map<std::string, std::vector<Definition>> unmatched;
  lang::Value* merged = nullptr;  ///< the config value (leaf thunk or set)
};

struct EvalModulesArgs {
  /// Root modules: paths or module values.
  std::vector<lang::Value*> modules;
  /// Arguments for module functions besides config and options (lib, pkgs,
  /// host, name, …).
  std::vector<std::pair<std::string, lang::Value*>> args;
  /// Option path prefix (inside submodules), for messages.
  std::vector<std::string> prefix;
  /// Definitions given with no module file, e.g. submodule values: each
  /// value is a module and these are their files/positions.
  std::vector<Definition> extra_defs;
  /// In submodules, definitions are config only (nixpkgs' default
  /// shorthandOnlyDefinesConfig for types.submodule).
  bool extra_defs_are_config = true;
  /// Paths are shown relative to this directory in messages ("" = absolute).
  std::string display_root;
};

struct EvaluatedModules {
  lang::Value* config;
  lang::Value* options;
};

/// Evaluates a module tree. Throws lang::EvalError with nixpkgs-shaped
/// messages (see option_errors.hh).
EvaluatedModules eval_modules(lang::EvalState& state, EvalModulesArgs args);

struct MergeContext;

/// Merges the definitions of one option node into `out` (the body of a
/// config leaf).
void merge_option(lang::EvalState& state, OptionNode& node, const std::shared_ptr<MergeContext>& ctx,
                  lang::Value& out);

}  // namespace cairn::eval
