// JSON builtins: toJSON and fromJSON.
//
// toJSON is print_json (print.cc). fromJSON parses with nlohmann::json's
// SAX interface and builds values directly, without an intermediate
// json document: a parse is one pass, and nesting depth costs heap, not
// stack (the parser and this builder both keep explicit stacks).
//
// Numbers follow current Nix: integers that fit in 64 bits stay integers;
// a positive integer beyond INT64_MAX is an error (Nix 2.8 silently wrapped
// it to a negative number); numbers with a fraction or exponent, and
// integers too large even for uint64, become floats. A key given twice
// keeps its last value. Strings with a NUL byte are rejected, as Nix
// strings cannot hold one.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "builder/lang/builtins.hh"
#include "builder/lang/eval.hh"
#include "builder/lang/print.hh"

namespace cairn::lang {

namespace {

/// An error raised from inside the SAX callbacks, carried out of the parser.
struct JsonValueError {
  std::string message;
};

/// nlohmann::json SAX handler that builds Nix values in the arena. Values
/// of an open array or object wait on `values_` (with their keys on
/// `keys_`) until the container closes.
class ValueBuilder {
 public:
  explicit ValueBuilder(EvalState& state) : state_(state) {}

  bool null() { return push(state_.alloc_value()); }
  bool boolean(bool b) {
    Value* v = state_.alloc_value();
    v->mk_bool(b);
    return push(v);
  }
  bool number_integer(int64_t i) { return push(state_.new_int(i)); }
  bool number_unsigned(uint64_t u) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw JsonValueError{"unsigned json number " + std::to_string(u) + " outside of Nix integer range"};
    return push(state_.new_int(static_cast<int64_t>(u)));
  }
  bool number_float(double d, const std::string&) {
    Value* v = state_.alloc_value();
    v->mk_float(d);
    return push(v);
  }
  bool string(std::string& s) {
    check_no_nul(s);
    return push(state_.new_string(s));
  }
  bool binary(nlohmann::json::binary_t&) { return false; }  // not produced by JSON text

  bool start_object(size_t) {
    frames_.push_back(Frame{true, values_.size(), keys_.size()});
    return true;
  }
  bool key(std::string& k) {
    check_no_nul(k);
    keys_.push_back(state_.symbols.intern(k));
    return true;
  }
  bool end_object() {
    Frame f = frames_.back();
    frames_.pop_back();
    const size_t n = values_.size() - f.values;
    BindingsBuilder b(state_, n);
    // Later duplicates win: walk backwards and keep each name's first hit.
    std::unordered_set<uint32_t> seen;
    for (size_t i = n; i-- > 0;) {
      Symbol name = keys_[f.keys + i];
      if (n > 1 && !seen.insert(name.id).second) continue;
      b.insert(name, values_[f.values + i]);
    }
    values_.resize(f.values);
    keys_.resize(f.keys);
    Value* v = state_.alloc_value();
    v->mk_attrs(b.finish());
    return push(v);
  }

  bool start_array(size_t) {
    frames_.push_back(Frame{false, values_.size(), keys_.size()});
    return true;
  }
  bool end_array() {
    Frame f = frames_.back();
    frames_.pop_back();
    const size_t n = values_.size() - f.values;
    Value* v = state_.alloc_value();
    state_.mk_list(*v, n);
    for (size_t i = 0; i < n; ++i) v->list.elems[i] = values_[f.values + i];
    values_.resize(f.values);
    return push(v);
  }

  bool parse_error(size_t, const std::string&, const nlohmann::json::exception& e) {
    error_ = e.what();
    return false;
  }

  /// The parsed value, once sax_parse has returned true.
  Value* result() const { return values_.empty() ? nullptr : values_.back(); }
  const std::string& error() const { return error_; }

 private:
  struct Frame {
    bool object;
    size_t values;  ///< index of the container's first value in values_
    size_t keys;    ///< index of its first key in keys_
  };

  bool push(Value* v) {
    values_.push_back(v);
    return true;
  }

  static void check_no_nul(std::string_view s) {
    if (s.find('\0') == std::string_view::npos) return;
    std::string shown;
    for (char c : s) {
      if (c == '\0') shown += "\u2400";  // ␀, as Nix shows it
      else shown += c;
    }
    throw JsonValueError{"input string '" + shown + "' cannot be represented as Nix string because it contains null bytes"};
  }

  EvalState& state_;
  std::vector<Value*> values_;
  std::vector<Symbol> keys_;
  std::vector<Frame> frames_;
  std::string error_;
};

void prim_from_json(EvalState& state, PosIdx pos, Value** args, Value& out) {
  auto text = state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.fromJSON");
  ValueBuilder builder(state);
  bool ok;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder);
  } catch (const JsonValueError& e) {
    throw EvalError(e.message, pos);
  }
  if (!ok || !builder.result()) {
    // nlohmann's messages start with "[json.exception.parse_error.101] ".
    std::string_view msg = builder.error();
    if (msg.starts_with("[json.exception.")) {
      auto close = msg.find("] ");
      if (close != std::string_view::npos) msg.remove_prefix(close + 2);
    }
    throw EvalError("cannot parse JSON string: " + std::string(msg.empty() ? "invalid JSON" : msg), pos);
  }
  out = *builder.result();
}

void prim_to_json(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::ostringstream json;
  print_json(state, *args[0], json, pos);
  state.mk_string(out, json.view());
}

}  // namespace

void register_json_builtins(EvalState& state) {
  state.add_primop("fromJSON", 1, prim_from_json);
  state.add_primop("toJSON", 1, prim_to_json);
}

}  // namespace cairn::lang
