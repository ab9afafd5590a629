// Interned identifiers.
//
// Every attribute name and variable name the evaluator sees is interned once;
// afterwards names compare as 32-bit integers. Attribute sets are sorted by
// symbol id (fast lookup), and by name only where output order matters.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cairn::lang {

/// An interned name. The default (id 0) is "no symbol".
struct Symbol {
  uint32_t id = 0;
  explicit operator bool() const { return id != 0; }
  auto operator<=>(const Symbol&) const = default;
};

class SymbolTable {
 public:
  SymbolTable() { names_.emplace_back(); }
  SymbolTable(const SymbolTable&) = delete;
  SymbolTable& operator=(const SymbolTable&) = delete;

  Symbol intern(std::string_view name) {
    auto it = map_.find(name);
    if (it != map_.end()) return Symbol{it->second};
    names_.emplace_back(name);
    uint32_t id = static_cast<uint32_t>(names_.size() - 1);
    map_.emplace(std::string_view(names_.back()), id);
    return Symbol{id};
  }

  /// The name of `s`; "" for the empty symbol. Stable for the table's life.
  std::string_view operator[](Symbol s) const { return names_[s.id]; }

  size_t size() const { return names_.size(); }

 private:
  std::deque<std::string> names_;  // deque: references stay valid on growth
  std::unordered_map<std::string_view, uint32_t> map_;
};

}  // namespace cairn::lang
