// {fmt}'s compiled part (its src/format.cc for 9.x), built into the
// cairn-activate executable only.
//
// cairn-activate links libstdc++ statically so that the initramfs needs no
// C++ runtime. base/ and the activator use {fmt}, and Debian ships it as a
// shared library that itself needs libstdc++.so.6 and libgcc_s.so.1 —
// linking against it would bring both back (and put two C++ runtimes in
// PID 1). Defining {fmt}'s out-of-line functions here instead lets the
// linker (--as-needed, meson's default) drop libfmt.so altogether. The unit
// tests link the shared library as usual; only the executable lists this
// file.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;

#ifndef FMT_STATIC_THOUSANDS_SEPARATOR
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
#endif

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(const char*, const char*);
template FMT_API void vformat_to(buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>,
                                 locale_ref);

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;
template FMT_API void buffer<wchar_t>::append(const wchar_t*, const wchar_t*);

}  // namespace detail
FMT_END_NAMESPACE
