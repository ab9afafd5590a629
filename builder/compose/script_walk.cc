// The abstract run: an interpreter over script_shell's tree whose values
// may be unknown and whose conditions are yes, no or maybe.
//
// State is a Flow — may execution be here (yes, maybe, no + why not) — plus
// the variables and a stack of frames (the script, function calls,
// subshells). Every construct computes the flows of its parts and joins
// them: an `if` walks each branch with the flow of its condition and
// continues with the union of the branch ends; `exit` makes the flow "no"
// for what follows; `return` hands the flow back to the caller. Unreachable
// code is walked too (with flow no) so that every command is reported,
// with the reason that rules it out. Variables assigned differently in two
// branches that both may run become unknown at the join, which keeps the
// analysis sound without tracking paths.
//
// Positional parameters: $1 is the action (configure, install, triggered),
// $2 the old version ("" on a fresh installation) — their values carry an
// origin tag so that a decided test can say why in the words of dpkg
// ("runs only on upgrade") rather than as a shell expression.
#include "builder/compose/script_walk.hh"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "builder/compose/script_expand.hh"
#include "builder/compose/script_lexer.hh"

namespace cairn::compose::script_walk {

using namespace detail;

namespace {

using shell::Node;
using shell::Word;

// How many nodes one walk of a script may visit. Functions that call
// functions several times each, and loops over known lists inside loops,
// multiply the work: 25 functions each calling the next twice would take
// hours. Real scripts stay far below this (of bookworm's, keyboard-
// configuration's 2 MB config takes the most, under 2,000 steps).
constexpr size_t kMaxSteps = 100000;
// How deep the walk may recurse: the parser bounds the nesting of one
// function body, but a chain of calls stacks the bodies, and each level is
// a few stack frames. Real scripts stay below 30 (bookworm's: 23).
constexpr size_t kMaxDepth = 200;

// Thrown when a walk exceeds kMaxSteps or kMaxDepth; walk() turns it into
// an error.
struct GiveUp {
  uint32_t line;
  std::string why;
};

class Walker : public Expander {
 public:
  Walker(ScriptKind kind, std::string package, const Shipped* shipped)
      : Expander(kind, std::move(package), shipped) {}

  void collect(const Node& n) {
    for (const auto& [name, value] : n.assignments) assigned_.insert(name);
    if (n.kind == Node::Kind::for_) assigned_.insert(n.name);
    if (n.kind == Node::Kind::function) all_functions_.push_back(&n);
    if (n.kind == Node::Kind::command && !n.words.empty()) {
      std::string cmd = n.words[0].literal();
      bool declares = cmd == "local" || cmd == "export" || cmd == "readonly" || cmd == "read";
      for (size_t k = 1; declares && k < n.words.size(); ++k) {
        std::string w = n.words[k].parts.empty() ? "" : n.words[k].parts[0].text;
        size_t eq = w.find('=');
        if (!w.empty() && w[0] != '-') assigned_.insert(w.substr(0, eq));
      }
    }
    for (const auto& c : n.children) collect(*c);
    for (const auto& item : n.items)
      if (item.body) collect(*item.body);
  }

  void run(const Node& root, Flow start, std::vector<Value> positional) {
    vars_.clear();
    functions_.clear();
    loops_.clear();
    frames_.clear();
    frames_.push_back(Frame{Frame::Kind::script});
    set_positional(positional);
    path_ = std::move(start);
    exec(root);
  }

  // Walks the bodies of functions no run called, so their commands are
  // reported too.
  void run_uncalled() {
    for (const Node* fn : all_functions_) {
      if (called_.count(fn)) continue;
      frames_.clear();
      frames_.push_back(Frame{Frame::Kind::function});
      vars_.clear();
      vars_[kCount] = unknown();  // arguments unknown
      path_ = no(fmt::format("it is in function `{}`, which is never called", fn->name));
      called_.insert(fn);
      exec(*fn->children[0]);
    }
  }

  std::vector<Observation> take() {
    std::set<std::pair<const Node*, uint32_t>> reached;
    for (const auto& [key, index] : reached_index_) reached.insert({std::get<0>(key), std::get<1>(key)});
    std::vector<Observation> out;
    for (size_t k = 0; k < observations_.size(); ++k) {
      const Observation& o = observations_[k];
      if (!o.reached && reached.count({keys_[k], o.line})) continue;
      out.push_back(o);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Observation& a, const Observation& b) { return a.line < b.line; });
    return out;
  }

 private:
  struct Loop {
    Flow brk{Tri::no, ""};
    Flow cont{Tri::no, ""};
  };

  std::vector<Loop> loops_;
  std::map<std::string, const Node*> functions_;
  std::vector<const Node*> all_functions_;
  std::set<const Node*> called_;

  std::vector<Observation> observations_;
  std::vector<const Node*> keys_;
  std::map<std::tuple<const Node*, uint32_t, std::string>, size_t> reached_index_;
  std::map<std::pair<const Node*, uint32_t>, size_t> unreached_index_;

  size_t steps_ = 0;  ///< exec() calls so far, up to kMaxSteps
  size_t depth_ = 0;  ///< exec() calls under way, up to kMaxDepth

  // ---- observations --------------------------------------------------

  void observe(const Node& n, const std::vector<Field>& fields) {
    const Node* key = &n;
    uint32_t line = n.line;
    std::string text = n.text;
    if (!fields.empty() && fields[0].positional && frame().call) {
      key = frame().call;
      line = key->line;
      text = key->text;
    }
    Observation o{line, text};
    auto cwd = vars_.find(kCwd);
    o.cwd = cwd == vars_.end() ? "/" : cwd->second.known ? cwd->second.text : "";
    for (const Field& f : fields) o.args.push_back(Arg{f.text, f.known});
    for (const auto& r : n.redirects) {
      if (r.op != ">" && r.op != ">>" && r.op != ">|") continue;
      Value target = join(expand(r.target, false));
      if (target.known && target.text == "/dev/null") continue;
      // The file written; a name computed at run time keeps its known parts.
      o.write_path = target.text.empty() ? std::string(1, kHole) : target.text;
      o.write_known = target.known;
    }
    if (path_.t != Tri::no) {
      auto k = std::make_tuple(key, line, expanded(o));
      auto it = reached_index_.find(k);
      if (it != reached_index_.end()) return;
      o.reached = true;
      reached_index_[k] = observations_.size();
    } else {
      auto k = std::make_pair(key, line);
      if (unreached_index_.count(k)) return;
      o.why_not = path_.why;
      unreached_index_[k] = observations_.size();
    }
    observations_.push_back(std::move(o));
    keys_.push_back(key);
  }

  // The key that tells two argument lists apart.
  static std::string expanded(const Observation& o) {
    std::string s;
    for (const Arg& a : o.args) s += a.text + '\0';
    return s + o.write_path;
  }

  // ---- execution -----------------------------------------------------

  Status exec(const Node& n) {
    if (++steps_ > kMaxSteps)
      throw GiveUp{n.line, fmt::format("its run takes more than {} steps (functions that call functions many "
                                       "times over, or loops in loops)",
                                       kMaxSteps)};
    if (depth_ == kMaxDepth)
      throw GiveUp{n.line, fmt::format("calls and compound commands nest more than {} deep", kMaxDepth)};
    ++depth_;
    Status st = exec_node(n);
    --depth_;
    return st;
  }

  Status exec_node(const Node& n) {
    switch (n.kind) {
      case Node::Kind::command: return simple(n);
      case Node::Kind::sequence: {
        Status st{Tri::yes};
        for (const auto& c : n.children) st = exec(*c);
        return st;
      }
      case Node::Kind::pipeline: return pipeline(n);
      case Node::Kind::and_or: return and_or(n);
      case Node::Kind::if_: return if_clause(n);
      case Node::Kind::case_: return case_clause(n);
      case Node::Kind::for_: return for_clause(n);
      case Node::Kind::while_:
      case Node::Kind::until_: return loop_clause(n);
      case Node::Kind::brace: return exec(*n.children[0]);
      case Node::Kind::subshell: {
        Vars before = vars_;
        frames_.push_back(Frame{Frame::Kind::subshell, frame().call});
        Status st = exec(*n.children[0]);
        Frame f = std::move(frames_.back());
        frames_.pop_back();
        path_ = either(path_, f.ret);
        vars_ = std::move(before);
        return st;
      }
      case Node::Kind::function:
        functions_[n.name] = &n;
        return Status{Tri::yes};
    }
    return Status{};
  }

  Status pipeline(const Node& n) {
    Status st{Tri::yes};
    if (n.children.size() == 1) {
      st = exec(*n.children[0]);
    } else {
      for (const auto& c : n.children) {
        Vars before = vars_;
        Flow entry = path_;
        frames_.push_back(Frame{Frame::Kind::subshell, frame().call});
        st = exec(*c);
        frames_.pop_back();
        vars_ = std::move(before);
        path_ = entry;
      }
    }
    return n.negated ? negate(st) : st;
  }

  Status and_or(const Node& n) {
    Status st = exec(*n.children[0]);
    for (size_t k = 1; k < n.children.size(); ++k) {
      bool is_and = n.ops[k - 1] == "&&";
      Flow before = path_;
      Vars vars_before = vars_;
      Flow skip = both(before, is_and ? when_false(st) : when_true(st));
      path_ = both(before, is_and ? when_true(st) : when_false(st));
      Status right = exec(*n.children[k]);
      vars_ = merge_vars(vars_, path_, vars_before, skip);
      path_ = either(path_, skip);
      st = is_and ? all_of(st, right) : any_of(st, right);
    }
    return st;
  }

  Status if_clause(const Node& n) {
    std::vector<std::pair<Flow, Vars>> ends;
    Flow rest = path_;
    size_t k = 0;
    for (; k + 1 < n.children.size(); k += 2) {
      path_ = rest;
      Status cond = exec(*n.children[k]);
      Flow after_cond = path_;
      Vars vars_cond = vars_;
      path_ = both(after_cond, when_true(cond));
      exec(*n.children[k + 1]);
      ends.emplace_back(path_, vars_);
      vars_ = std::move(vars_cond);
      rest = both(after_cond, when_false(cond));
    }
    path_ = rest;
    if (k < n.children.size()) exec(*n.children[k]);
    ends.emplace_back(path_, vars_);
    join_paths(ends);
    return Status{};
  }

  void join_paths(const std::vector<std::pair<Flow, Vars>>& ends) {
    Flow flow = ends[0].first;
    Vars vars = ends[0].second;
    for (size_t k = 1; k < ends.size(); ++k) {
      vars = merge_vars(vars, flow, ends[k].second, ends[k].first);
      flow = either(flow, ends[k].first);
    }
    path_ = std::move(flow);
    vars_ = std::move(vars);
  }

  Status case_clause(const Node& n) {
    Value subject = join(expand(n.subject, false));
    std::vector<std::pair<Flow, Vars>> ends;
    Flow rest = path_;
    Vars before = vars_;
    for (const auto& item : n.items) {
      Status m = match(subject, item.patterns);
      path_ = both(rest, when_true(m));
      if (item.body) exec(*item.body);
      ends.emplace_back(path_, vars_);
      vars_ = before;
      Flow skip = m.t == Tri::yes
                      ? no(fmt::format("an earlier branch of the `case` on line {} is taken", n.line))
                      : when_false(m);
      rest = both(rest, skip);
    }
    ends.emplace_back(rest, before);
    join_paths(ends);
    return Status{};
  }

  Status match(const Value& subject, const std::vector<Word>& patterns) {
    bool unsure = !subject.known || (subject.origin & from_root);
    std::string first;
    for (const Word& w : patterns) {
      auto pat = pattern(w);
      if (first.empty()) first = w.literal().empty() ? w.source : w.literal();
      if (!pat) {
        unsure = true;
        continue;
      }
      if (!unsure && ::fnmatch(pat->c_str(), subject.text.c_str(), 0) == 0) return Status{Tri::yes};
    }
    if (unsure) return Status{};
    std::string why;
    if (subject.origin & from_action) why = action_reason(first);
    else if (subject.origin & from_old_version) why = kUpgradeOnly;
    else why = fmt::format("`{}` does not match `{}` on a fresh installation", subject.text, first);
    return Status{Tri::no, why, ""};
  }

  Status for_clause(const Node& n) {
    std::vector<Field> list;
    if (n.has_list) {
      list = expand_all(n.list);
    } else {
      for (const Value& v : positional_list()) list.push_back(Field{v.text, v.known, v.origin});
    }
    bool known = list.size() <= 64;
    for (const Field& f : list) known = known && f.known;
    Flow before = path_;
    Vars vars_before = vars_;
    loops_.emplace_back();
    if (known && list.empty()) {
      path_ = both(path_, no(fmt::format("the list of the `for` on line {} is empty", n.line)));
      exec(*n.children[0]);
      path_ = before;
    } else if (known) {
      for (const Field& f : list) {
        vars_[n.name] = Value{f.text, true, f.origin};
        exec(*n.children[0]);
        path_ = either(path_, loops_.back().cont);
        loops_.back().cont = Flow{Tri::no, ""};
      }
      path_ = either(path_, loops_.back().brk);
    } else {
      vars_[n.name] = unknown();
      path_ = both(before, Flow{Tri::maybe, ""});
      exec(*n.children[0]);
      Flow end = either(either(path_, loops_.back().cont), loops_.back().brk);
      vars_ = merge_vars(vars_, end, vars_before, before);
      path_ = either(before, end);
    }
    loops_.pop_back();
    return Status{};
  }

  Status loop_clause(const Node& n) {
    bool is_while = n.kind == Node::Kind::while_;
    Flow before = path_;
    Vars vars_before = vars_;
    loops_.emplace_back();
    Status cond = exec(*n.children[0]);
    Flow after_cond = path_;
    Flow enter = is_while ? when_true(cond) : when_false(cond);
    Flow leave = is_while ? when_false(cond) : when_true(cond);
    path_ = both(after_cond, enter);
    exec(*n.children[1]);
    Flow body_end = either(path_, loops_.back().cont);
    Flow after = loops_.back().brk;
    if (leave.t != Tri::no || enter.t != Tri::yes) {
      after = either(after, both(after_cond, leave));
      after = either(after, both(body_end, Flow{Tri::maybe, ""}));
    }
    // A loop that is never left (`while true` without a `break`) ends the
    // run: nothing after it runs, for the reason that held before it if any.
    if (after.t == Tri::no && after.why.empty())
      after = before.t == Tri::no ? before : no(fmt::format("the loop on line {} never ends", n.line));
    vars_ = merge_vars(vars_, body_end, vars_before, before);
    for (auto& [name, v] : vars_)
      if (!vars_before.count(name) || !(vars_before.at(name) == v)) v = Value{"", false, v.origin};
    path_ = after;
    loops_.pop_back();
    return Status{};
  }

  Status simple(const Node& n) {
    std::vector<Field> fields = expand_all(n.words);
    strip_wrappers(fields);
    if (fields.empty()) {
      bool computed = false;
      for (const auto& [name, word] : n.assignments) {
        for (const auto& p : word.parts) computed = computed || p.kind == shell::WordPart::Kind::command;
        Value v = join(expand(word, false));
        if (path_.t != Tri::no) vars_[name] = v;
      }
      if (!n.redirects.empty()) observe(n, fields);
      return computed ? Status{} : Status{Tri::yes};
    }
    const Field& f0 = fields[0];
    if (f0.known) {
      auto fn = functions_.find(f0.text);
      if (fn != functions_.end()) return call(*fn->second, n, fields);
      if (auto st = builtin(n, fields)) return *st;
    }
    observe(n, fields);
    return command_status(fields, n.text);
  }

  // `chroot DIR cmd`, `env cmd`, `exec cmd`, `eval cmd`, `command cmd`
  // run cmd: report cmd.
  static void strip_wrappers(std::vector<Field>& fields) {
    while (!fields.empty() && fields[0].known) {
      const std::string& w = fields[0].text;
      size_t drop = 0;
      if (w == "chroot" && fields.size() > 2) drop = 2;
      else if ((w == "env" || w == "exec" || w == "eval" || w == "nice") && fields.size() > 1) drop = 1;
      else if (w == "command" && fields.size() > 1 && fields[1].text.substr(0, 1) != "-") drop = 1;
      if (!drop) break;
      fields.erase(fields.begin(), fields.begin() + static_cast<long>(drop));
    }
  }

  Status call(const Node& fn, const Node& call_node, const std::vector<Field>& fields) {
    called_.insert(&fn);
    for (const Frame& f : frames_)
      if (f.function == &fn) return Status{};  // recursion: unknown result
    if (frames_.size() > 32) return Status{};
    Frame f{Frame::Kind::function};
    std::vector<Value> args;
    for (size_t k = 1; k < fields.size(); ++k) args.push_back(Value{fields[k].text, fields[k].known, fields[k].origin});
    f.caller_positional = take_positional();
    set_positional(args);
    // A wrapper's own wrapper call reports at the outermost call site.
    f.call = fields[0].positional && frame().call ? frame().call : &call_node;
    f.function = &fn;
    frames_.push_back(std::move(f));
    Status st = exec(*fn.children[0]);
    Frame done = std::move(frames_.back());
    frames_.pop_back();
    take_positional();
    vars_.insert(done.caller_positional.begin(), done.caller_positional.end());
    if (done.ret_status) st = path_.t == Tri::no ? Status{*done.ret_status} : merge(st, Status{*done.ret_status});
    path_ = either(path_, done.ret);
    return st;
  }

  // After exit, return, break, continue: nothing runs here any more — for
  // the reason that already held when the jump itself is unreachable.
  void leave(std::string why) {
    if (path_.t != Tri::no) path_ = no(std::move(why));
  }

  // The builtins that change the walk itself; nullopt for other commands.
  std::optional<Status> builtin(const Node& n, std::vector<Field>& fields) {
    const std::string& w = fields[0].text;
    auto number = [&](int fallback) {
      if (fields.size() < 2) return fallback;
      if (!fields[1].known) return -1;
      try {
        return std::stoi(fields[1].text);
      } catch (...) {
        return -1;
      }
    };
    if (w == "exit") {
      if (frame().kind == Frame::Kind::subshell) {
        frame().ret = either(frame().ret, path_);
      }
      leave(fmt::format("the script exits before, on line {}", n.line));
      return Status{};
    }
    if (w == "return") {
      if (frame().kind == Frame::Kind::script) {
        leave(fmt::format("the script exits before, on line {}", n.line));
        return Status{};
      }
      int code = number(0);
      Tri t = code < 0 ? Tri::maybe : code == 0 ? Tri::yes : Tri::no;
      if (path_.t != Tri::no) {
        if (!frame().ret_status) frame().ret_status = t;
        else if (*frame().ret_status != t) frame().ret_status = Tri::maybe;
        if (path_.t == Tri::maybe) frame().ret_status = frame().ret_status == t ? t : Tri::maybe;
      }
      frame().ret = either(frame().ret, path_);
      leave(fmt::format("the function returns before, on line {}", n.line));
      return Status{};
    }
    if (w == "break" || w == "continue") {
      if (!loops_.empty()) {
        Flow& acc = w == "break" ? loops_.back().brk : loops_.back().cont;
        acc = either(acc, path_);
      }
      leave(fmt::format("the loop is left before, on line {}", n.line));
      return Status{};
    }
    if (w == "shift") {
      if (path_.t == Tri::no) return Status{Tri::yes};
      int by = number(1);
      auto n = count();
      if (by < 0 || !n) {
        take_positional();
        vars_[kCount] = unknown();
      } else {
        std::vector<Value> rest;
        for (size_t k = static_cast<size_t>(by) + 1; k <= *n; ++k) rest.push_back(lookup(std::to_string(k)));
        set_positional(rest);
      }
      return Status{Tri::yes};
    }
    if (w == "set") {
      for (size_t k = 1; k < fields.size(); ++k) {
        if (fields[k].text != "--") continue;
        std::vector<Value> pos;
        for (size_t j = k + 1; j < fields.size(); ++j)
          pos.push_back(Value{fields[j].text, fields[j].known, fields[j].origin});
        if (path_.t != Tri::no) set_positional(pos);
      }
      return Status{Tri::yes};
    }
    // The shell refuses to set what is not a name; the walk's own state
    // (positional parameters, the working directory) is kept under such
    // names, so a script must not reach it either.
    if (w == "local" || w == "export" || w == "readonly") {
      for (size_t k = 1; k < fields.size(); ++k) {
        size_t eq = fields[k].text.find('=');
        if (eq == std::string::npos || path_.t == Tri::no || !shell::detail::is_name(fields[k].text.substr(0, eq))) continue;
        vars_[fields[k].text.substr(0, eq)] =
            Value{fields[k].text.substr(eq + 1), fields[k].known, fields[k].origin};
      }
      return Status{Tri::yes};
    }
    if (w == "unset") {
      for (size_t k = 1; k < fields.size(); ++k)
        if (path_.t != Tri::no && shell::detail::is_name(fields[k].text)) vars_[fields[k].text] = Value{""};
      return Status{Tri::yes};
    }
    if (w == "read") {
      for (size_t k = 1; k < fields.size(); ++k)
        if (path_.t != Tri::no && shell::detail::is_name(fields[k].text)) vars_[fields[k].text] = unknown();
      return Status{};
    }
    if (w == "cd") {
      if (path_.t == Tri::no) return Status{};
      Value cwd = vars_.count(kCwd) ? vars_[kCwd] : Value{"/"};
      if (fields.size() < 2 || !fields[1].known || (!cwd.known && fields[1].text.substr(0, 1) != "/")) {
        vars_[kCwd] = unknown();
      } else {
        const std::string& to = fields[1].text;
        vars_[kCwd] = Value{to.substr(0, 1) == "/" ? to : cwd.text + (cwd.text == "/" ? "" : "/") + to};
      }
      return Status{};
    }
    if (w == "." || w == "source" || w == "trap" || w == "umask") return Status{Tri::yes};
    return std::nullopt;
  }

  // The exit status of a command that is not a function.
  Status command_status(const std::vector<Field>& a, const std::string& text) {
    const std::string& w = a[0].text;
    if (!a[0].known) return Status{};
    if (w == "true" || w == ":") return Status{Tri::yes, "", fmt::format("`{}` never fails", w)};
    if (w == "false") return Status{Tri::no, "`false` always fails", ""};
    if (w == "[" || w == "test") return eval_test(a, text, kind_ == ScriptKind::postinst ? shipped_ : nullptr);
    if (w == "dpkg" && a.size() == 5 && a[1].text == "--compare-versions") return compare(a);
    if (w == "deb-systemd-helper") {
      for (size_t k = 1; k < a.size(); ++k) {
        if (a[k].text.substr(0, 1) == "-") continue;
        if (a[k].text == "was-enabled") return Status{Tri::yes, "", std::string(kWasEnabled)};
        if (a[k].text == "debian-installed") return Status{Tri::no, std::string(kNotEnabledByDefault), ""};
        break;
      }
    }
    if (w == "dpkg-statoverride")
      for (const Field& f : a)
        if (f.text == "--list") return Status{Tri::no, std::string(kNoStatOverride), ""};
    return Status{};
  }
};

}  // namespace

Result<std::vector<Observation>> walk(const shell::Node& script, ScriptKind kind, std::string_view package,
                                      const std::vector<debian::Entry>& shipped, bool has_interests) {
  Shipped files;
  for (const debian::Entry& e : shipped)
    files[RootTree::merged_path(e.path)] = e.type == debian::EntryType::dir ? 'd'
                                         : e.type == debian::EntryType::symlink ? 'l' : 'f';
  Walker w(kind, std::string(package), &files);
  w.collect(script);
  Value action_install{"install", true, from_action};
  Value action_configure{"configure", true, from_action};
  Value fresh{"", true, from_old_version};
  try {
    switch (kind) {
      case ScriptKind::preinst:
        w.run(script, Flow{}, {action_install, fresh});
        break;
      case ScriptKind::config:
        w.run(script, Flow{}, {action_configure, fresh});
        break;
      case ScriptKind::postinst:
        w.run(script, Flow{}, {action_configure, fresh});
        if (has_interests) w.run(script, Flow{}, {Value{"triggered", true, from_action}, unknown()});
        break;
      case ScriptKind::prerm:
        w.run(script, no("prerm runs only when the package is removed or upgraded"), {unknown(), unknown()});
        break;
      case ScriptKind::postrm:
        w.run(script, no("postrm runs only when the package is removed, purged or upgraded"),
              {unknown(), unknown()});
        break;
      case ScriptKind::triggers:
        break;
    }
    w.run_uncalled();
  } catch (const GiveUp& e) {
    return fail(fmt::format("{}: line {}: the analysis gives up: {}", to_string(kind), e.line, e.why));
  }

  return w.take();
}

}  // namespace cairn::compose::script_walk
