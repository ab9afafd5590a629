// EvalState: allocation, parsing and importing files, the base environment
// of builtins, and stack protection.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "builder/lang/builtins.hh"
#include "builder/lang/eval.hh"
#include "builder/lang/parser.hh"

namespace cairn::lang {

const Formal* Formals::find(Symbol s) const {
  auto it = std::lower_bound(formals.begin(), formals.end(), s,
                             [](const Formal& f, Symbol x) { return f.name < x; });
  return it != formals.end() && it->name == s ? &*it : nullptr;
}

std::string canon_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    i = j;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  if (parts.empty()) return "/";
  std::string out;
  for (auto p : parts) {
    out += '/';
    out += p;
  }
  return out;
}

// ---- construction ------------------------------------------------------------------

EvalState::EvalState(EvalSettings s_) : settings(std::move(s_)) {
  s.out_path = symbols.intern("outPath");
  s.to_string = symbols.intern("__toString");
  s.functor = symbols.intern("__functor");
  s.type = symbols.intern("type");
  s.derivation = symbols.intern("derivation");
  s.file = symbols.intern("file");
  s.line = symbols.intern("line");
  s.column = symbols.intern("column");
  s.name = symbols.intern("name");
  s.value = symbols.intern("value");
  s.success = symbols.intern("success");
  s.wrong = symbols.intern("wrong");
  s.right = symbols.intern("right");
  s.key = symbols.intern("key");
  s.operator_ = symbols.intern("operator");
  s.body = symbols.intern("body");
  s.startSet = symbols.intern("startSet");

  // Stack protection: report "stack overflow" well before the thread's
  // stack ends, whatever the depth counter says.
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0 && addr) {
      size_t margin = std::min<size_t>(size / 4, size_t{1} << 20);
      stack_limit_ = reinterpret_cast<uintptr_t>(addr) + margin;
    }
    pthread_attr_destroy(&attr);
  }
  init_builtins();
}

EvalState::~EvalState() = default;

bool EvalState::stack_low() const {
  char here;
  return stack_limit_ && reinterpret_cast<uintptr_t>(&here) < stack_limit_;
}

Formals* EvalState::new_formals() {
  formals_.push_back(std::make_unique<Formals>());
  return formals_.back().get();
}

// ---- allocation ---------------------------------------------------------------------

Env& EvalState::alloc_env(uint32_t size) {
  Env* e = static_cast<Env*>(arena.allocate(sizeof(Env) + size * sizeof(Value*)));
  e->up = nullptr;
  e->size = size;
  e->prev_with = 0;
  std::memset(e->values, 0, size * sizeof(Value*));
  return *e;
}

Bindings* EvalState::alloc_bindings(size_t capacity) {
  // One block: the header, the high-water mark, then the slots.
  constexpr size_t kHead = sizeof(Bindings) + sizeof(uint64_t);
  char* block = static_cast<char*>(arena.allocate(kHead + capacity * sizeof(Attr)));
  auto* b = new (block) Bindings();
  b->used = reinterpret_cast<uint32_t*>(block + sizeof(Bindings));
  *b->used = 0;
  b->attrs = reinterpret_cast<Attr*>(block + kHead);
  b->capacity = static_cast<uint32_t>(capacity);
  return b;
}

Bindings* EvalState::share_bindings(const Bindings& storage, uint32_t size) {
  auto* b = new (arena.allocate(sizeof(Bindings))) Bindings(storage);
  b->size = size;
  return b;
}

void EvalState::mk_list(Value& v, size_t size) {
  Value** elems = size ? static_cast<Value**>(arena.allocate(size * sizeof(Value*))) : nullptr;
  v.mk_list_raw(elems, size);
}

BindingsBuilder::BindingsBuilder(EvalState& state, size_t capacity)
    : state_(state), bindings_(state.alloc_bindings(capacity)) {}

void BindingsBuilder::insert(Symbol name, Value* value, PosIdx pos) {
  if (bindings_->size == bindings_->capacity) {
    // Grow: callers usually know the size, so this is rare.
    Bindings* bigger = state_.alloc_bindings(bindings_->capacity * 2 + 4);
    for (const Attr& a : *bindings_) bigger->push(a);
    bindings_ = bigger;
  }
  bindings_->push(Attr{name, pos, value});
}

void BindingsBuilder::insert(std::string_view name, Value* value, PosIdx pos) {
  insert(state_.symbols.intern(name), value, pos);
}

Value& BindingsBuilder::alloc(Symbol name, PosIdx pos) {
  Value* v = state_.alloc_value();
  insert(name, v, pos);
  return *v;
}

Value& BindingsBuilder::alloc(std::string_view name, PosIdx pos) {
  return alloc(state_.symbols.intern(name), pos);
}

Bindings* BindingsBuilder::finish() {
  bindings_->sort();
  return bindings_;
}

// ---- files ------------------------------------------------------------------------------

std::string EvalState::read_file(const std::string& path, PosIdx pos) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw EvalError(fmt::format("opening file '{}': {}", path, std::strerror(errno)), pos);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw EvalError(fmt::format("reading file '{}': {}", path, std::strerror(err)), pos);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

static std::string resolve_nix_file(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return canon_path(path + "/default.nix");
  return path;
}

static std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

Expr* EvalState::parse_file(const std::string& path_in) {
  std::string path = resolve_nix_file(canon_path(path_in));
  if (auto it = parse_cache_.find(path); it != parse_cache_.end()) return it->second;
  auto source = std::make_shared<const std::string>(read_file(path, {}));
  Expr* e = parse(*this, path, source, dir_of(path), settings.home);
  e->bind_vars(*this, static_base);
  parse_cache_.emplace(path, e);
  return e;
}

Expr* EvalState::parse_string(std::string_view text, std::string_view base_dir, std::string origin) {
  auto source = std::make_shared<const std::string>(text);
  Expr* e = parse(*this, std::move(origin), source, base_dir, settings.home);
  e->bind_vars(*this, static_base);
  return e;
}

void EvalState::eval(Expr* e, Value& out) { e->eval(*this, *base_env, out); }

void EvalState::eval_file(const std::string& path_in, Value& out, PosIdx pos) {
  std::string path = resolve_nix_file(canon_path(path_in));
  Value* v;
  if (auto it = import_cache_.find(path); it != import_cache_.end()) {
    v = it->second;
  } else {
    Expr* e;
    try {
      e = parse_file(path);
    } catch (EvalError& err) {
      err.at(pos);
      throw;
    }
    v = alloc_value();
    v->mk_thunk(base_env, e);
    import_cache_.emplace(path, v);
  }
  try {
    force(*v, pos);
  } catch (EvalError& err) {
    err.with_trace(pos, "while evaluating the file '" + path + "'");
    throw;
  }
  out = *v;
}

// ---- builtins and the base environment ---------------------------------------------------

void EvalState::add_primop(std::string name, uint32_t arity, PrimOpFn fn) {
  primops_.push_back(std::make_unique<PrimOp>(PrimOp{std::move(name), arity, fn}));
  Value v;
  v.mk_primop(primops_.back().get());
  add_constant(primops_.back()->name, v);
}

void EvalState::add_constant(std::string name, Value v) {
  Value* p = alloc_value();
  *p = v;
  pending_.emplace_back(std::move(name), p);
}

void EvalState::init_builtins() {
  Value t, f, n;
  t.mk_bool(true);
  f.mk_bool(false);
  n.mk_null();
  add_constant("true", t);
  add_constant("false", f);
  add_constant("null", n);
  register_attrs_builtins(*this);
  register_lists_builtins(*this);
  register_strings_builtins(*this);
  register_regex_builtins(*this);
  register_json_builtins(*this);
  register_files_builtins(*this);
  register_control_builtins(*this);
  register_math_builtins(*this);

  // Names Nix binds without the `builtins.` prefix.
  static constexpr std::string_view kGlobal[] = {
      "abort", "baseNameOf", "break", "derivation", "dirOf", "false", "fetchGit", "fetchMercurial",
      "fetchTarball", "fetchTree", "fromTOML", "import", "isNull", "map", "null", "placeholder",
      "removeAttrs", "scopedImport", "throw", "toString", "true"};

  BindingsBuilder b(*this, pending_.size() + 1);
  std::vector<std::pair<std::string, Value*>> scope;
  for (auto& [name, v] : pending_) {
    std::string plain = name.starts_with("__") ? name.substr(2) : name;
    b.insert(plain, v);
    scope.emplace_back("__" + plain, v);
    if (std::find(std::begin(kGlobal), std::end(kGlobal), plain) != std::end(kGlobal))
      scope.emplace_back(plain, v);
  }
  builtins_ = alloc_value();
  Symbol builtins_sym = symbols.intern("builtins");
  b.insert(builtins_sym, builtins_);  // builtins.builtins, as in Nix
  builtins_->mk_attrs(b.finish());
  scope.emplace_back("builtins", builtins_);

  // The first registration of a name wins.
  std::stable_sort(scope.begin(), scope.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  scope.erase(std::unique(scope.begin(), scope.end(),
                          [](const auto& x, const auto& y) { return x.first == y.first; }),
              scope.end());
  base_env = &alloc_env(static_cast<uint32_t>(scope.size()));
  for (uint32_t i = 0; i < scope.size(); ++i) {
    static_base.vars.emplace_back(symbols.intern(scope[i].first), i);
    base_env->values[i] = scope[i].second;
  }
  static_base.sort();
  pending_.clear();
}

}  // namespace cairn::lang
