// std::expected for the fuzz build: clang 14 over libstdc++ 12.
//
// All of cairn's system code returns `Result<T>` = `std::expected<T, Error>`
// (base/error.hh) and spells `std::unexpected` directly, in many files. The
// fuzz build compiles with clang 14, whose front end lacks P0848
// (conditionally trivial special members); libstdc++ 12 therefore leaves
// <expected> empty and __cpp_lib_expected undefined (both are gated on
// __cpp_concepts >= 202002L, and clang 14 reports 201907L). g++ 12 with
// -sanitize-coverage=trace-pc is no way out: libFuzzer 14 refuses that
// instrumentation ("no longer supported by libFuzzer").
//
// So the fuzz build supplies the C++23 class templates itself. They must be
// *the* std names — `std::unexpected(e)` is written in more than fifteen
// files — and a cairn-namespaced type would need every one of them changed.
// Declaring them in namespace std is not allowed by the standard
// ([namespace.std]); it is done here knowingly, because (1) it happens only
// where the library has no std::expected at all, so nothing can clash, (2)
// only the fuzz build sees this header: tests/fuzz/meson.build force-includes
// it (`-include`) into every file the fuzz targets compile, and the normal
// g++ build never reads it, and (3) nothing compiled with it is linked with
// anything compiled without it (the fuzz targets compile their own sources),
// so the layout of these types is never shared with libstdc++'s.
//
// The interface is libstdc++ 12's: C++23's std::expected without the
// monadic operations (and_then, transform, or_else, transform_error,
// error_or — P2505, first in GCC 13), so that code which builds here also
// builds with g++ 12.
//
// The implementation stores a std::variant<T, E> (std::monostate for void),
// which gives copy, move, assignment and their triviality conditionally and
// correctly without P0848. Differences from the standard, acceptable for a
// test build: a value/error assignment that throws half-way can leave the
// variant valueless (std::expected keeps the old state); and operator*,
// operator-> and error() on the wrong state abort with a message instead of
// being undefined behaviour — in a fuzz run that is a finding, as it should
// be. __cpp_lib_expected stays undefined, so the header never pretends to
// be the standard library's.
#pragma once

#include <version>

#if !defined(__cpp_lib_expected)

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <expected>  // empty here; included so that a later #include is a no-op
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <variant>

namespace std {

template <class E>
class unexpected;
template <class T, class E>
class expected;

/// Tag for constructing an expected that holds an error.
struct unexpect_t {
  explicit unexpect_t() = default;
};
inline constexpr unexpect_t unexpect{};

template <class E>
class bad_expected_access;

template <>
class bad_expected_access<void> : public exception {
 public:
  const char* what() const noexcept override { return "bad access to std::expected without expected value"; }

 protected:
  bad_expected_access() noexcept = default;
  bad_expected_access(const bad_expected_access&) = default;
  bad_expected_access(bad_expected_access&&) = default;
  bad_expected_access& operator=(const bad_expected_access&) = default;
  bad_expected_access& operator=(bad_expected_access&&) = default;
  ~bad_expected_access() override = default;
};

/// Thrown by expected::value() when it holds an error; carries a copy of it.
template <class E>
class bad_expected_access : public bad_expected_access<void> {
 public:
  explicit bad_expected_access(E e) : error_(std::move(e)) {}
  const E& error() const& noexcept { return error_; }
  E& error() & noexcept { return error_; }
  const E&& error() const&& noexcept { return std::move(error_); }
  E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};

}  // namespace std

namespace cairn_expected_detail {

template <class T>
inline constexpr bool is_unexpected = false;
template <class E>
inline constexpr bool is_unexpected<std::unexpected<E>> = true;

template <class T>
inline constexpr bool is_expected = false;
template <class T, class E>
inline constexpr bool is_expected<std::expected<T, E>> = true;

/// The precondition of operator*, operator-> or error() does not hold.
[[noreturn]] inline void bad_access(const char* what) {
  std::fprintf(stderr, "std::expected (fuzz shim): %s\n", what);
  std::abort();
}

}  // namespace cairn_expected_detail

namespace std {

/// An error, as a value to construct an expected from: `return std::unexpected(e);`.
template <class E>
class unexpected {
  static_assert(is_object_v<E> && !is_array_v<E> && !is_const_v<E> && !is_volatile_v<E> &&
                    !cairn_expected_detail::is_unexpected<E>,
                "std::unexpected<E>: E must be a non-const, non-volatile object type");

 public:
  constexpr unexpected(const unexpected&) = default;
  constexpr unexpected(unexpected&&) = default;

  template <class Err = E>
    requires(!is_same_v<remove_cvref_t<Err>, unexpected> && !is_same_v<remove_cvref_t<Err>, in_place_t> &&
             is_constructible_v<E, Err>)
  constexpr explicit unexpected(Err&& e) : error_(std::forward<Err>(e)) {}

  template <class... Args>
    requires is_constructible_v<E, Args...>
  constexpr explicit unexpected(in_place_t, Args&&... args) : error_(std::forward<Args>(args)...) {}

  template <class U, class... Args>
    requires is_constructible_v<E, initializer_list<U>&, Args...>
  constexpr explicit unexpected(in_place_t, initializer_list<U> il, Args&&... args)
      : error_(il, std::forward<Args>(args)...) {}

  constexpr unexpected& operator=(const unexpected&) = default;
  constexpr unexpected& operator=(unexpected&&) = default;

  constexpr const E& error() const& noexcept { return error_; }
  constexpr E& error() & noexcept { return error_; }
  constexpr const E&& error() const&& noexcept { return std::move(error_); }
  constexpr E&& error() && noexcept { return std::move(error_); }

  constexpr void swap(unexpected& other) noexcept(is_nothrow_swappable_v<E>) {
    using std::swap;
    swap(error_, other.error_);
  }
  friend constexpr void swap(unexpected& x, unexpected& y) noexcept(noexcept(x.swap(y)))
    requires is_swappable_v<E>
  {
    x.swap(y);
  }

  template <class E2>
  friend constexpr bool operator==(const unexpected& x, const unexpected<E2>& y) {
    return x.error() == y.error();
  }

 private:
  E error_;
};

template <class E>
unexpected(E) -> unexpected<E>;

/// A value of type T or an error of type E (C++23 [expected.expected]).
template <class T, class E>
class expected {
  static_assert(!is_reference_v<T> && !is_function_v<T> && !is_same_v<remove_cv_t<T>, in_place_t> &&
                    !is_same_v<remove_cv_t<T>, unexpect_t> && !cairn_expected_detail::is_unexpected<remove_cv_t<T>>,
                "std::expected<T, E>: invalid value type");

  template <class U, class G>
  static constexpr bool converts_from =
      is_constructible_v<T, U> && is_constructible_v<E, G> &&
      !is_constructible_v<T, expected<remove_cvref_t<U>, remove_cvref_t<G>>&> &&
      !is_constructible_v<T, const expected<remove_cvref_t<U>, remove_cvref_t<G>>&> &&
      !is_convertible_v<expected<remove_cvref_t<U>, remove_cvref_t<G>>&, T> &&
      !is_convertible_v<const expected<remove_cvref_t<U>, remove_cvref_t<G>>&, T> &&
      !is_constructible_v<unexpected<E>, expected<remove_cvref_t<U>, remove_cvref_t<G>>&> &&
      !is_constructible_v<unexpected<E>, const expected<remove_cvref_t<U>, remove_cvref_t<G>>&>;

 public:
  using value_type = T;
  using error_type = E;
  using unexpected_type = unexpected<E>;
  template <class U>
  using rebind = expected<U, error_type>;

  constexpr expected()
    requires is_default_constructible_v<T>
      : v_(in_place_index<0>) {}
  constexpr expected(const expected&) = default;
  constexpr expected(expected&&) = default;

  template <class U, class G>
    requires converts_from<const U&, const G&>
  constexpr explicit(!is_convertible_v<const U&, T> || !is_convertible_v<const G&, E>)
      expected(const expected<U, G>& other)
      : v_(other.has_value() ? variant<T, E>(in_place_index<0>, *other)
                             : variant<T, E>(in_place_index<1>, other.error())) {}

  template <class U, class G>
    requires converts_from<U, G>
  constexpr explicit(!is_convertible_v<U, T> || !is_convertible_v<G, E>) expected(expected<U, G>&& other)
      : v_(other.has_value() ? variant<T, E>(in_place_index<0>, std::move(*other))
                             : variant<T, E>(in_place_index<1>, std::move(other).error())) {}

  template <class U = T>
    requires(!is_same_v<remove_cvref_t<U>, in_place_t> && !is_same_v<remove_cvref_t<U>, expected> &&
             !cairn_expected_detail::is_unexpected<remove_cvref_t<U>> && is_constructible_v<T, U>)
  constexpr explicit(!is_convertible_v<U, T>) expected(U&& v) : v_(in_place_index<0>, std::forward<U>(v)) {}

  template <class G>
    requires is_constructible_v<E, const G&>
  constexpr explicit(!is_convertible_v<const G&, E>) expected(const unexpected<G>& e)
      : v_(in_place_index<1>, e.error()) {}

  template <class G>
    requires is_constructible_v<E, G>
  constexpr explicit(!is_convertible_v<G, E>) expected(unexpected<G>&& e)
      : v_(in_place_index<1>, std::move(e).error()) {}

  template <class... Args>
    requires is_constructible_v<T, Args...>
  constexpr explicit expected(in_place_t, Args&&... args) : v_(in_place_index<0>, std::forward<Args>(args)...) {}

  template <class U, class... Args>
    requires is_constructible_v<T, initializer_list<U>&, Args...>
  constexpr explicit expected(in_place_t, initializer_list<U> il, Args&&... args)
      : v_(in_place_index<0>, il, std::forward<Args>(args)...) {}

  template <class... Args>
    requires is_constructible_v<E, Args...>
  constexpr explicit expected(unexpect_t, Args&&... args) : v_(in_place_index<1>, std::forward<Args>(args)...) {}

  template <class U, class... Args>
    requires is_constructible_v<E, initializer_list<U>&, Args...>
  constexpr explicit expected(unexpect_t, initializer_list<U> il, Args&&... args)
      : v_(in_place_index<1>, il, std::forward<Args>(args)...) {}

  constexpr expected& operator=(const expected&) = default;
  constexpr expected& operator=(expected&&) = default;

  template <class U = T>
    requires(!is_same_v<remove_cvref_t<U>, expected> && !cairn_expected_detail::is_unexpected<remove_cvref_t<U>> &&
             is_constructible_v<T, U> && is_assignable_v<T&, U>)
  constexpr expected& operator=(U&& v) {
    if (has_value()) {
      *get_if<0>(&v_) = std::forward<U>(v);
    } else {
      v_.template emplace<0>(std::forward<U>(v));
    }
    return *this;
  }

  template <class G>
    requires(is_constructible_v<E, const G&> && is_assignable_v<E&, const G&>)
  constexpr expected& operator=(const unexpected<G>& e) {
    if (has_value()) {
      v_.template emplace<1>(e.error());
    } else {
      *get_if<1>(&v_) = e.error();
    }
    return *this;
  }

  template <class G>
    requires(is_constructible_v<E, G> && is_assignable_v<E&, G>)
  constexpr expected& operator=(unexpected<G>&& e) {
    if (has_value()) {
      v_.template emplace<1>(std::move(e).error());
    } else {
      *get_if<1>(&v_) = std::move(e).error();
    }
    return *this;
  }

  template <class... Args>
    requires is_nothrow_constructible_v<T, Args...>
  constexpr T& emplace(Args&&... args) noexcept {
    return v_.template emplace<0>(std::forward<Args>(args)...);
  }

  constexpr void swap(expected& other) noexcept(is_nothrow_swappable_v<variant<T, E>>) { v_.swap(other.v_); }
  friend constexpr void swap(expected& x, expected& y) noexcept(noexcept(x.swap(y))) { x.swap(y); }

  constexpr const T* operator->() const noexcept { return &value_ref(); }
  constexpr T* operator->() noexcept { return &value_ref(); }
  constexpr const T& operator*() const& noexcept { return value_ref(); }
  constexpr T& operator*() & noexcept { return value_ref(); }
  constexpr const T&& operator*() const&& noexcept { return std::move(value_ref()); }
  constexpr T&& operator*() && noexcept { return std::move(value_ref()); }

  constexpr explicit operator bool() const noexcept { return has_value(); }
  constexpr bool has_value() const noexcept { return v_.index() == 0; }

  constexpr const T& value() const& {
    if (!has_value()) throw bad_expected_access<E>(error());
    return value_ref();
  }
  constexpr T& value() & {
    if (!has_value()) throw bad_expected_access<E>(as_const(error()));
    return value_ref();
  }
  constexpr const T&& value() const&& {
    if (!has_value()) throw bad_expected_access<E>(std::move(error()));
    return std::move(value_ref());
  }
  constexpr T&& value() && {
    if (!has_value()) throw bad_expected_access<E>(std::move(error()));
    return std::move(value_ref());
  }

  constexpr const E& error() const& noexcept { return error_ref(); }
  constexpr E& error() & noexcept { return error_ref(); }
  constexpr const E&& error() const&& noexcept { return std::move(error_ref()); }
  constexpr E&& error() && noexcept { return std::move(error_ref()); }

  template <class U>
  constexpr T value_or(U&& fallback) const& {
    return has_value() ? **this : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  constexpr T value_or(U&& fallback) && {
    return has_value() ? std::move(**this) : static_cast<T>(std::forward<U>(fallback));
  }
  template <class T2, class E2>
    requires(!is_void_v<T2>)
  friend constexpr bool operator==(const expected& x, const expected<T2, E2>& y) {
    if (x.has_value() != y.has_value()) return false;
    return x.has_value() ? static_cast<bool>(*x == *y) : static_cast<bool>(x.error() == y.error());
  }
  template <class T2>
    requires(!cairn_expected_detail::is_expected<T2> && !cairn_expected_detail::is_unexpected<T2>)
  friend constexpr bool operator==(const expected& x, const T2& v) {
    return x.has_value() && static_cast<bool>(*x == v);
  }
  template <class E2>
  friend constexpr bool operator==(const expected& x, const unexpected<E2>& e) {
    return !x.has_value() && static_cast<bool>(x.error() == e.error());
  }

 private:
  constexpr const T& value_ref() const noexcept {
    if (!has_value()) cairn_expected_detail::bad_access("the value of an expected that holds an error");
    return *get_if<0>(&v_);
  }
  constexpr T& value_ref() noexcept {
    if (!has_value()) cairn_expected_detail::bad_access("the value of an expected that holds an error");
    return *get_if<0>(&v_);
  }
  constexpr const E& error_ref() const noexcept {
    if (has_value()) cairn_expected_detail::bad_access("the error of an expected that holds a value");
    return *get_if<1>(&v_);
  }
  constexpr E& error_ref() noexcept {
    if (has_value()) cairn_expected_detail::bad_access("the error of an expected that holds a value");
    return *get_if<1>(&v_);
  }

  variant<T, E> v_;
};

/// expected<void, E>: success without a value, or an error.
template <class E>
class expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;
  using unexpected_type = unexpected<E>;
  template <class U>
  using rebind = expected<U, error_type>;

  constexpr expected() noexcept : v_(in_place_index<0>) {}
  constexpr expected(const expected&) = default;
  constexpr expected(expected&&) = default;

  template <class G>
    requires is_constructible_v<E, const G&>
  constexpr explicit(!is_convertible_v<const G&, E>) expected(const expected<void, G>& other)
      : v_(other.has_value() ? variant<monostate, E>(in_place_index<0>)
                             : variant<monostate, E>(in_place_index<1>, other.error())) {}

  template <class G>
    requires is_constructible_v<E, G>
  constexpr explicit(!is_convertible_v<G, E>) expected(expected<void, G>&& other)
      : v_(other.has_value() ? variant<monostate, E>(in_place_index<0>)
                             : variant<monostate, E>(in_place_index<1>, std::move(other).error())) {}

  template <class G>
    requires is_constructible_v<E, const G&>
  constexpr explicit(!is_convertible_v<const G&, E>) expected(const unexpected<G>& e)
      : v_(in_place_index<1>, e.error()) {}

  template <class G>
    requires is_constructible_v<E, G>
  constexpr explicit(!is_convertible_v<G, E>) expected(unexpected<G>&& e)
      : v_(in_place_index<1>, std::move(e).error()) {}

  constexpr explicit expected(in_place_t) noexcept : v_(in_place_index<0>) {}

  template <class... Args>
    requires is_constructible_v<E, Args...>
  constexpr explicit expected(unexpect_t, Args&&... args) : v_(in_place_index<1>, std::forward<Args>(args)...) {}

  constexpr expected& operator=(const expected&) = default;
  constexpr expected& operator=(expected&&) = default;

  template <class G>
    requires(is_constructible_v<E, const G&> && is_assignable_v<E&, const G&>)
  constexpr expected& operator=(const unexpected<G>& e) {
    if (has_value()) {
      v_.template emplace<1>(e.error());
    } else {
      *get_if<1>(&v_) = e.error();
    }
    return *this;
  }

  template <class G>
    requires(is_constructible_v<E, G> && is_assignable_v<E&, G>)
  constexpr expected& operator=(unexpected<G>&& e) {
    if (has_value()) {
      v_.template emplace<1>(std::move(e).error());
    } else {
      *get_if<1>(&v_) = std::move(e).error();
    }
    return *this;
  }

  constexpr void emplace() noexcept { v_.template emplace<0>(); }

  constexpr void swap(expected& other) noexcept(is_nothrow_swappable_v<variant<monostate, E>>) { v_.swap(other.v_); }
  friend constexpr void swap(expected& x, expected& y) noexcept(noexcept(x.swap(y))) { x.swap(y); }

  constexpr explicit operator bool() const noexcept { return has_value(); }
  constexpr bool has_value() const noexcept { return v_.index() == 0; }

  constexpr void operator*() const noexcept {
    if (!has_value()) cairn_expected_detail::bad_access("the value of an expected that holds an error");
  }
  constexpr void value() const& {
    if (!has_value()) throw bad_expected_access<E>(error());
  }
  constexpr void value() && {
    if (!has_value()) throw bad_expected_access<E>(std::move(error()));
  }

  constexpr const E& error() const& noexcept { return error_ref(); }
  constexpr E& error() & noexcept { return error_ref(); }
  constexpr const E&& error() const&& noexcept { return std::move(error_ref()); }
  constexpr E&& error() && noexcept { return std::move(error_ref()); }

  template <class T2, class E2>
    requires is_void_v<T2>
  friend constexpr bool operator==(const expected& x, const expected<T2, E2>& y) {
    if (x.has_value() != y.has_value()) return false;
    return x.has_value() || static_cast<bool>(x.error() == y.error());
  }
  template <class E2>
  friend constexpr bool operator==(const expected& x, const unexpected<E2>& e) {
    return !x.has_value() && static_cast<bool>(x.error() == e.error());
  }

 private:
  constexpr const E& error_ref() const noexcept {
    if (has_value()) cairn_expected_detail::bad_access("the error of an expected that holds a value");
    return *get_if<1>(&v_);
  }
  constexpr E& error_ref() noexcept {
    if (has_value()) cairn_expected_detail::bad_access("the error of an expected that holds a value");
    return *get_if<1>(&v_);
  }

  variant<monostate, E> v_;
};

}  // namespace std

#endif  // !defined(__cpp_lib_expected)
