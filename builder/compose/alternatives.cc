// The alternatives pass. See alternatives.hh.
#include "builder/compose/alternatives.hh"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cairn::compose {

namespace {

// Whether `path` (absolute, as a script writes it) names something in the
// tree, following symlinks.
bool present(const RootTree& tree, const std::string& path) {
  return tree.resolve(RootTree::merged_path(path)) != nullptr;
}

bool same_path(const std::string& a, const std::string& b) {
  return RootTree::merged_path(a) == RootTree::merged_path(b);
}

std::string describe(const Alternative& a) {
  return fmt::format("{} (priority {}, package {})", a.path, a.priority, a.package);
}

// Makes `link` (absolute, as written) a symlink to `target`, unless a
// package put a real file or directory there.
void link(RootTree& tree, const std::string& link, const std::string& target, std::vector<std::string>& warnings) {
  std::string at = RootTree::merged_path(link);
  if (const Node* n = tree.find(at); n && n->type != EntryType::symlink) {
    warnings.push_back(fmt::format("alternatives: {} is a {} of package {}, not replacing it with a link to {}, "
                                   "ignoring",
                                   at, to_string(n->type), n->package.empty() ? "(none)" : n->package, target));
    return;
  }
  tree.set_symlink(at, target);
}

}  // namespace

Result<AlternativesResult> apply_alternatives(RootTree& tree, const std::vector<Alternative>& alternatives,
                                              const std::map<std::string, std::string>& choices) {
  std::map<std::string, std::vector<const Alternative*>> by_name;
  for (const Alternative& a : alternatives) by_name[a.name].push_back(&a);

  for (const auto& [name, path] : choices)
    if (!by_name.count(name)) {
      std::vector<std::string> names;
      for (const auto& [n, list] : by_name) names.push_back(n);
      return fail(fmt::format("alternatives.{} is set to {}, but no installed package provides an alternative "
                              "named `{}`; the names are: {}",
                              name, path, name, names.empty() ? "(none)" : fmt::format("{}", fmt::join(names, ", "))));
    }

  // Decide every name first, so that an error leaves the tree untouched.
  AlternativesResult out;
  std::vector<const Alternative*> winners;
  for (auto& [name, all] : by_name) {
    std::vector<const Alternative*> candidates;
    for (const Alternative* a : all)
      if (present(tree, a->path)) candidates.push_back(a);
    // Best first: highest priority, then the smallest path; a repeated
    // --install of one path keeps its first line.
    std::stable_sort(candidates.begin(), candidates.end(), [](const Alternative* x, const Alternative* y) {
      if (x->priority != y->priority) return x->priority > y->priority;
      return x->path < y->path;
    });
    std::vector<std::string> listed;
    for (const Alternative* a : candidates) listed.push_back(describe(*a));

    const Alternative* chosen = candidates.empty() ? nullptr : candidates.front();
    bool configured = false;
    if (auto c = choices.find(name); c != choices.end()) {
      chosen = nullptr;
      for (const Alternative* a : candidates)
        if (same_path(a->path, c->second)) chosen = a;
      if (!chosen)
        return fail(fmt::format("alternatives.{} is set to {}, which is not one of its candidates in this "
                                "system: {}; set it to one of them, or add the package that provides {}",
                                name, c->second, listed.empty() ? "(none: no candidate's path is installed)"
                                                                : fmt::format("{}", fmt::join(listed, "; ")),
                                c->second));
      configured = true;
    }
    if (!chosen) {
      out.warnings.push_back(fmt::format("alternatives: no candidate of `{}` is installed ({}), ignoring", name,
                                         all.front()->path));
      continue;
    }
    out.chosen.push_back(AlternativeChoice{name, chosen->link, chosen->path, chosen->priority, chosen->package,
                                           configured, std::move(listed)});
    winners.push_back(chosen);
  }

  for (size_t k = 0; k < winners.size(); ++k) {
    const Alternative& chosen = *winners[k];
    AlternativeChoice& choice = out.chosen[k];
    tree.set_dir("etc/alternatives", 0755);
    tree.set_symlink("etc/alternatives/" + chosen.name, chosen.path);
    link(tree, chosen.link, "/etc/alternatives/" + chosen.name, out.warnings);
    for (const Alternative::Slave& s : chosen.slaves) {
      if (!present(tree, s.path)) continue;
      tree.set_symlink("etc/alternatives/" + s.name, s.path);
      link(tree, s.link, "/etc/alternatives/" + s.name, out.warnings);
      choice.slaves.push_back(s);
    }
  }
  return out;
}

}  // namespace cairn::compose
