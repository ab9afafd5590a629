// The state of the abstract run (script_walk.cc) and the shell's
// expansions over it: variables — positional parameters among them, under
// names no script can use, so that branch joins merge them like any
// variable — frames, and word expansion with parameters, `${…}` operators,
// field splitting and patterns. Values that depend on the run time stay
// unknown, with holes (kHole) where a partly known field misses a part.
// Internal to script_walk.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "builder/compose/script_shell.hh"
#include "builder/compose/script_walk_values.hh"

namespace cairn::compose::script_walk::detail {

using Vars = std::map<std::string, Value>;

/// The variables after two paths meet: equal values stay, others become
/// unknown; a path that cannot be taken (flow no) contributes nothing.
Vars merge_vars(const Vars& a, const Flow& fa, const Vars& b, const Flow& fb);

/// One level of the run: the script, a function call, a subshell.
struct Frame {
  enum class Kind { script, function, subshell };
  Kind kind = Kind::script;
  const shell::Node* call = nullptr;  ///< the command that called the function
  Vars caller_positional{};           ///< restored when the function returns
  const shell::Node* function = nullptr;
  Flow ret{Tri::no, ""};              ///< the flows that left by `return`
  std::optional<Tri> ret_status{};    ///< the status `return` gave them
};

class Expander {
 public:
  Expander(ScriptKind kind, std::string package, const Shipped* shipped)
      : kind_(kind), package_(std::move(package)), shipped_(shipped) {}

 protected:
  ScriptKind kind_;
  std::string package_;
  const Shipped* shipped_;
  Flow path_;                        ///< may execution be here
  Vars vars_;
  std::vector<Frame> frames_;
  std::set<std::string> assigned_;   ///< every variable the script assigns somewhere

  static inline const std::string kCount = "\x01#";   ///< $#
  static inline const std::string kCwd = "\x02cwd";   ///< the working directory (`cd`)
  static std::string positional_name(size_t n) { return "\x01" + std::to_string(n); }

  Frame& frame() { return frames_.back(); }

  std::optional<size_t> count();
  /// Removes the positional parameters from vars_ and returns them.
  Vars take_positional();
  void set_positional(const std::vector<Value>& values);
  /// "$@" as a list; one unknown value when even the count is unknown.
  std::vector<Value> positional_list();

  /// A parameter's value: a variable, a positional or special parameter, or
  /// what dpkg's environment holds (DPKG_ROOT as the empty root,
  /// DPKG_MAINTSCRIPT_PACKAGE, DPKG_ADMINDIR; others unknown).
  Value lookup(const std::string& name);
  /// Whether a parameter is set; nullopt when that is unknown.
  std::optional<bool> is_set(const std::string& name);
  /// Fields joined with blanks into one value.
  Value join(const std::vector<Field>& fields);
  Value expand_arg(const std::string& source, bool quoted);
  /// A glob pattern from a word, quoted characters escaped; nullopt when a
  /// part is unknown.
  std::optional<std::string> pattern(const shell::Word& w);
  /// A parameter expansion with its operator (`${x:-…}`, `${x#…}`). The
  /// operator's word is parsed and expanded in turn; nested deeper than
  /// any script does, the value is left unknown.
  Value parameter(const shell::WordPart& p);
  /// A word's fields (field splitting when `split`).
  std::vector<Field> expand(const shell::Word& w, bool split = true);
  std::vector<Field> expand_all(const std::vector<shell::Word>& words);

 private:
  size_t parameter_depth_ = 0;  ///< parameter() calls under way
  Value apply_operator(const shell::WordPart& p);
};

}  // namespace cairn::compose::script_walk::detail
