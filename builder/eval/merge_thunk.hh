// Lazy merges as thunks: an Expr whose evaluation is native code. Config
// leaves, attrsOf members and list elements are values of this kind, so an
// option is merged only when something reads it, and at most once.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "builder/eval/option_types.hh"

namespace cairn::eval {

/// Merges definitions with a type when forced.
struct ExprMergeDefs : lang::Expr {
  std::shared_ptr<MergeContext> ctx;
  lang::Value* type;
  std::vector<std::string> loc;
  std::vector<Definition> raw;        ///< not yet discharged (when !discharged)
  std::vector<DischargedDef> done;    ///< discharged (when discharged)
  bool discharged;

  ExprMergeDefs(std::shared_ptr<MergeContext> ctx, lang::Value* type, std::vector<std::string> loc,
                std::vector<Definition> raw, std::vector<DischargedDef> done, bool discharged)
      : ctx(std::move(ctx)), type(type), loc(std::move(loc)), raw(std::move(raw)), done(std::move(done)),
        discharged(discharged) {}
  void eval(lang::EvalState& state, lang::Env& env, lang::Value& out) override;
  void bind_vars(lang::EvalState&, const lang::StaticEnv&) override {}
  void show(const lang::SymbolTable&, std::ostream& out) const override { out << "«merge»"; }
};

/// Merges one option node (config leaf) when forced.
struct ExprMergeOption : lang::Expr {
  OptionNode* node;
  std::shared_ptr<MergeContext> ctx;
  ExprMergeOption(OptionNode* node, std::shared_ptr<MergeContext> ctx) : node(node), ctx(std::move(ctx)) {}
  void eval(lang::EvalState& state, lang::Env& env, lang::Value& out) override;
  void bind_vars(lang::EvalState&, const lang::StaticEnv&) override {}
  void show(const lang::SymbolTable&, std::ostream& out) const override { out << "«option»"; }
};

/// `options.<path>.isDefined`: whether any definition survives discharge.
struct ExprIsDefined : lang::Expr {
  OptionNode* node;
  explicit ExprIsDefined(OptionNode* node) : node(node) {}
  void eval(lang::EvalState& state, lang::Env& env, lang::Value& out) override;
  void bind_vars(lang::EvalState&, const lang::StaticEnv&) override {}
  void show(const lang::SymbolTable&, std::ostream& out) const override { out << "«isDefined»"; }
};

}  // namespace cairn::eval
