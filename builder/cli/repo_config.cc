#include "builder/cli/repo_config.hh"

#include <unistd.h>

namespace cairn::cli {

using namespace lang;

RepoConfig read_repo_config(EvalState& state, const std::string& repo_root) {
  RepoConfig out;
  std::string path = repo_root + "/cairn.nix";
  if (::access(path.c_str(), F_OK) != 0) return out;
  Value v;
  state.eval_file(path, v);
  state.force_attrs(v, {}, "while evaluating " + path + " (it must be a set of settings)");
  for (const Attr& a : *v.attrs) {
    std::string_view name = state.symbols[a.name];
    if (name == "mirror") {
      out.mirror = std::string(state.force_string(*a.value, a.pos, "while evaluating the mirror setting"));
    } else if (name == "keyrings") {
      state.force_list(*a.value, a.pos, "while evaluating the keyrings setting");
      for (size_t i = 0; i < a.value->list.size; ++i)
        out.keyrings.push_back(state.coerce_to_path(*a.value->list.elems[i], a.pos, "while evaluating a keyring"));
    } else {
      throw EvalError("unknown setting `" + std::string(name) + "' in cairn.nix (known: mirror, keyrings)", a.pos);
    }
  }
  return out;
}

}  // namespace cairn::cli
