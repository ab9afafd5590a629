// Bump allocation for the evaluator's values, environments and strings.
// Nothing is freed before the evaluation ends: an evaluation is one
// short-lived process, and this keeps allocation to a pointer increment.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

namespace cairn::lang {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() {
    for (void* c : chunks_) std::free(c);
  }

  /// `n` bytes aligned to 8, uninitialised.
  void* allocate(size_t n) {
    n = (n + 7) & ~size_t{7};
    bytes_ += n;
    if (n > kChunk / 4) return new_chunk(n);  // large blocks get their own chunk
    if (n > left_) {
      next_ = static_cast<char*>(new_chunk(kChunk));
      left_ = kChunk;
    }
    void* p = next_;
    next_ += n;
    left_ -= n;
    return p;
  }

  /// Copies `s` into the arena with a terminating NUL.
  const char* copy_string(std::string_view s) {
    char* p = static_cast<char*>(allocate(s.size() + 1));
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
  }

  size_t bytes_allocated() const { return bytes_; }

 private:
  void* new_chunk(size_t size) {
    void* c = std::malloc(size);
    if (!c) throw std::bad_alloc();
    chunks_.push_back(c);
    return c;
  }

  static constexpr size_t kChunk = size_t{1} << 20;
  std::vector<void*> chunks_;
  char* next_ = nullptr;
  size_t left_ = 0;
  size_t bytes_ = 0;
};

}  // namespace cairn::lang
