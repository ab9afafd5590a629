#include "builder/eval/option_docs.hh"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "builder/eval/modules.hh"
#include "builder/eval/option_errors.hh"
#include "builder/eval/option_types.hh"
#include "builder/lang/print.hh"

namespace cairn::eval {

using namespace lang;

namespace {

// A default or example as Nix text: literalExpression/literalMD text as
// written, anything else printed (strictly, short).
std::string show_literal(EvalState& state, Value* v) {
  if (!v) return "";
  try {
    state.force(*v, {});
    if (v->type == Type::Attrs) {
      Value* t = state.find_attr(*v, "_type");
      if (t && (state.force(*t, {}), t->type == Type::String) &&
          (t->string_view() == "literalExpression" || t->string_view() == "literalMD"))
      {
        std::string text(state.force_string(*state.find_attr(*v, "text"), {}));
        while (!text.empty() && text.back() == '\n') text.pop_back();
        return text;
      }
    }
    std::ostringstream out;
    print_value(state, *v, out, true);
    std::string s = out.str();
    return s.size() > 400 ? s.substr(0, 400) + " …" : s;
  } catch (const EvalError& e) {
    return "«error: " + e.message.substr(0, e.message.find('\n')) + "»";
  }
}

std::string string_attr(EvalState& state, Value& set, std::string_view name) {
  Value* v = state.find_attr(set, name);
  if (!v) return "";
  try {
    state.force(*v, {});
    return v->type == Type::String ? std::string(v->string_view()) : show_literal(state, v);
  } catch (const EvalError&) {
    return "";
  }
}

bool bool_attr(EvalState& state, Value& set, std::string_view name, bool dflt) {
  Value* v = state.find_attr(set, name);
  if (!v) return dflt;
  state.force(*v, {});
  return v->type == Type::Bool ? v->boolean : dflt;
}

struct Walker {
  EvalState& state;
  const std::vector<std::pair<std::string, Value*>>& args;
  const std::string& display_root;
  std::vector<OptionDoc>& out;
  int depth = 0;
  std::string parent_file;  ///< declaring file of the enclosing option (for inline submodules)

  void walk(Value& node, std::vector<std::string>& loc);
  void walk_submodule(Value* type, std::vector<std::string>& loc);
};

// Follows a type through attrsOf/listOf/nullOr… to a submodule and lists
// the submodule's own options under `<name>` / `*`, as the NixOS manual does.
void Walker::walk_submodule(Value* type, std::vector<std::string>& loc) {
  size_t pushed = 0;
  while (type && depth < 8) {
    state.force_attrs(*type, {});
    Value* n = state.find_attr(*type, "name");
    if (!n) break;
    std::string name(state.force_string(*n, {}));
    if (name == "attrsOf" || name == "lazyAttrsOf") {
      loc.push_back("<name>");
      ++pushed;
    } else if (name == "listOf") {
      loc.push_back("*");
      ++pushed;
    } else if (name != "nullOr" && name != "uniq" && name != "unique") {
      if (name == "submodule") {
        EvalModulesArgs sub;
        sub.args = args;
        std::erase_if(sub.args, [](auto& p) { return p.first == "name"; });
        sub.args.emplace_back("name", state.new_string("<name>"));
        sub.prefix = loc;
        sub.display_root = display_root;
        if (Value* mods = state.find_attr(*type, "modules")) {
          state.force_list(*mods, {});
          for (size_t i = 0; i < mods->list.size; ++i) sub.modules.push_back(mods->list.elems[i]);
        }
        ++depth;
        std::string saved = parent_file;
        parent_file = out.empty() ? "" : out.back().declared_in;
        walk(*eval_modules(state, std::move(sub)).options, loc);
        parent_file = saved;
        --depth;
      }
      break;
    }
    type = state.find_attr(*type, "elemType");
  }
  loc.resize(loc.size() - pushed);
}

void Walker::walk(Value& node, std::vector<std::string>& loc) {
  state.force(node, {});
  if (node.type != Type::Attrs) return;
  Value* tag = state.find_attr(node, "_type");
  if (tag && (state.force(*tag, {}), tag->type == Type::String) && tag->string_view() == "option") {
    if (bool_attr(state, node, "internal", false) || !bool_attr(state, node, "visible", true)) return;
    OptionDoc d;
    d.name = show_option(loc);
    d.type = type_description(state, state.find_attr(node, "type"));
    d.description = string_attr(state, node, "description");
    Value* dt = state.find_attr(node, "defaultText");
    d.default_text = show_literal(state, dt ? dt : state.find_attr(node, "default"));
    d.example_text = show_literal(state, state.find_attr(node, "example"));
    if (Value* decls = state.find_attr(node, "declarations")) {
      state.force_list(*decls, {});
      if (decls->list.size) d.declared_in = std::string(state.force_string(*decls->list.elems[0], {}));
    }
    d.read_only = bool_attr(state, node, "readOnly", false);
    if ((d.declared_in.empty() || d.declared_in == "<unknown-file>") && !parent_file.empty())
      d.declared_in = parent_file;
    out.push_back(std::move(d));
    try {
      walk_submodule(state.find_attr(node, "type"), loc);
    } catch (const EvalError&) {
      // A submodule whose options need real definitions to evaluate is
      // listed without its sub-options.
    }
    return;
  }
  for (const Attr& a : *node.attrs) {
    loc.emplace_back(state.symbols[a.name]);
    walk(*a.value, loc);
    loc.pop_back();
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::vector<OptionDoc> collect_option_docs(EvalState& state, Value& options,
                                           const std::vector<std::pair<std::string, Value*>>& args,
                                           const std::string& display_root) {
  std::vector<OptionDoc> out;
  std::vector<std::string> loc;
  Walker w{state, args, display_root, out, 0, ""};
  w.walk(options, loc);
  std::sort(out.begin(), out.end(), [](const OptionDoc& a, const OptionDoc& b) { return a.name < b.name; });
  return out;
}

std::vector<OptionDoc> search_options(const std::vector<OptionDoc>& docs, const std::string& pattern) {
  std::string p = lower(pattern);
  std::vector<OptionDoc> out;
  for (const OptionDoc& d : docs)
    if (lower(d.name).find(p) != std::string::npos || lower(d.description).find(p) != std::string::npos)
      out.push_back(d);
  return out;
}

// Continuation lines of a multi-line value line up under its first line.
static std::string hang(std::string s, size_t indent) {
  for (size_t pos = 0; (pos = s.find('\n', pos)) != std::string::npos; pos += indent + 1)
    s.insert(pos + 1, std::string(indent, ' '));
  return s;
}

std::string format_option_text(const OptionDoc& d) {
  std::string out = d.name + "\n";
  out += "    type:     " + d.type + (d.read_only ? " (read-only)" : "") + "\n";
  if (!d.default_text.empty()) out += "    default:  " + hang(d.default_text, 14) + "\n";
  if (!d.example_text.empty()) out += "    example:  " + hang(d.example_text, 14) + "\n";
  if (!d.declared_in.empty()) out += "    declared: " + d.declared_in + "\n";
  if (!d.description.empty()) {
    std::string desc = d.description;
    while (!desc.empty() && desc.back() == '\n') desc.pop_back();
    size_t pos = 0;
    while ((pos = desc.find('\n', pos)) != std::string::npos) {
      desc.insert(pos + 1, "    ");
      pos += 5;
    }
    out += "    " + desc + "\n";
  }
  return out;
}

std::string format_options_markdown(const std::vector<OptionDoc>& docs) {
  std::string out =
      "# cairn options\n\n"
      "Generated by `cairn options --markdown docs/options.md` from the standard module\n"
      "library (`modules/`); do not edit by hand.\n";
  for (const OptionDoc& d : docs) {
    out += fmt::format("\n## `{}`\n\n", d.name);
    if (!d.description.empty()) {
      std::string desc = d.description;
      while (!desc.empty() && desc.back() == '\n') desc.pop_back();
      out += desc + "\n\n";
    }
    out += fmt::format("*Type:* {}{}\n\n", d.type, d.read_only ? " (read-only)" : "");
    auto code = [](const std::string& s) {
      return s.find('\n') == std::string::npos ? "`" + s + "`" : "\n\n```nix\n" + s + "\n```";
    };
    if (!d.default_text.empty()) out += "*Default:* " + code(d.default_text) + "\n\n";
    if (!d.example_text.empty()) out += "*Example:* " + code(d.example_text) + "\n\n";
    if (!d.declared_in.empty()) out += "*Declared in:* `" + d.declared_in + "`\n";
  }
  return out;
}

}  // namespace cairn::eval
