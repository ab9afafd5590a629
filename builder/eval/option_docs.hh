// Option documentation: every declared option with its type, default,
// example, description and declaring file — for `cairn options` (a search
// like search.nixos.org) and the generated docs/options.md.
#pragma once

#include <string>
#include <vector>

#include "builder/lang/eval.hh"

namespace cairn::eval {

struct OptionDoc {
  std::string name;         ///< services.openssh.enable
  std::string type;         ///< "boolean"
  std::string description;
  std::string default_text; ///< "" when the option has no default
  std::string example_text; ///< "" when there is none
  std::string declared_in;  ///< file, relative to the repository
  bool read_only = false;
};

/// Collects the visible, non-internal options of an `options` tree, sorted
/// by name, including the options of submodules (`users.users.<name>.home`,
/// evaluated with `args` as their module arguments). Defaults that fail to
/// evaluate are shown as their error.
std::vector<OptionDoc> collect_option_docs(lang::EvalState& state, lang::Value& options,
                                           const std::vector<std::pair<std::string, lang::Value*>>& args,
                                           const std::string& display_root);

/// Options whose name or description contains `pattern` (case-insensitive).
std::vector<OptionDoc> search_options(const std::vector<OptionDoc>& docs, const std::string& pattern);

/// One option for a terminal.
std::string format_option_text(const OptionDoc& doc);

/// docs/options.md: a Markdown reference of all options.
std::string format_options_markdown(const std::vector<OptionDoc>& docs);

}  // namespace cairn::eval
