#include "builder/lang/value.hh"

#include <algorithm>

namespace cairn::lang {

void Bindings::sort() {
  std::sort(attrs, attrs + size, [](const Attr& a, const Attr& b) { return a.name.id < b.name.id; });
}

std::string_view show_type(const Value& v) {
  switch (v.type) {
    case Type::Thunk:
    case Type::App:
    case Type::Blackhole: return "a thunk";
    case Type::Null: return "null";
    case Type::Bool: return "a Boolean";
    case Type::Int: return "an integer";
    case Type::Float: return "a float";
    case Type::String: return "a string";
    case Type::Path: return "a path";
    case Type::List: return "a list";
    case Type::Attrs: return "a set";
    case Type::Lambda: return "a function";
    case Type::PrimOp: return "a built-in function";
    case Type::PrimOpApp: return "a partially applied built-in function";
  }
  return "a value";
}

std::string_view type_of(const Value& v) {
  switch (v.type) {
    case Type::Null: return "null";
    case Type::Bool: return "bool";
    case Type::Int: return "int";
    case Type::Float: return "float";
    case Type::String: return "string";
    case Type::Path: return "path";
    case Type::List: return "list";
    case Type::Attrs: return "set";
    case Type::Lambda:
    case Type::PrimOp:
    case Type::PrimOpApp: return "lambda";
    default: return "thunk";
  }
}

}  // namespace cairn::lang
