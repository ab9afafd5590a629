// XzStream: an .xz stream decoded with liblzma's threaded decoder.
//
// dpkg-deb writes a large data.tar.xz as independent blocks (the kernel's is
// 17 blocks of 24 MiB), which liblzma's threaded decoder decodes in parallel,
// as dpkg-deb itself does; a small member is one block and decodes on one
// thread. libarchive 3.6 has only a single-threaded xz decoder, so unpack
// hands .xz members to this instead.
//
// Measured (bench/debian's 152 packages, 2 cores): running these calls on a
// thread of their own, a few buffers ahead of the tar reader that writes the
// files, changed nothing (3.97 s against 3.99 s median, also with the dirty
// page limit at 32 MB), so they run on the reader's thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>

#include <lzma.h>

namespace cairn::debian {

class XzStream {
 public:
  /// Where the compressed bytes come from: points `data`/`size` at the next
  /// block and returns 1, returns 0 at the end, or -1 with `error` set.
  using Source = std::function<int(const void** data, size_t* size, std::string* error)>;

  /// `threads`: liblzma's block threads, 0 for one per hardware thread.
  explicit XzStream(Source source, unsigned threads = 0);
  XzStream(const XzStream&) = delete;
  XzStream& operator=(const XzStream&) = delete;
  ~XzStream();

  /// Sets up liblzma; false with error() set if it refuses.
  bool start();

  /// The next decoded bytes: their count with `data` pointing at them (valid
  /// until the next call), 0 at the end of the stream, -1 with error() set.
  ssize_t read(const void** data);

  /// Why decoding failed: the source's error or liblzma's ("corrupt xz data").
  const std::string& error() const { return error_; }

 private:
  Source source_;
  unsigned threads_;
  std::unique_ptr<uint8_t[]> out_;
  lzma_stream strm_ = LZMA_STREAM_INIT;
  bool in_eof_ = false;
  bool done_ = false;
  bool failed_ = false;
  std::string error_;
};

}  // namespace cairn::debian
