#include "builder/debian/xz_stream.hh"

#include <algorithm>
#include <cstdint>
#include <thread>

#include <fmt/format.h>

namespace cairn::debian {

namespace {

constexpr size_t kOutSize = 256 * 1024;

std::string describe(lzma_ret r) {
  switch (r) {
    case LZMA_DATA_ERROR: return "corrupt xz data";
    case LZMA_FORMAT_ERROR: return "not xz data";
    case LZMA_BUF_ERROR: return "truncated xz data";
    case LZMA_OPTIONS_ERROR: return "unsupported xz options";
    case LZMA_MEM_ERROR: return "out of memory decoding xz";
    default: return fmt::format("xz decoder error {}", static_cast<int>(r));
  }
}

}  // namespace

XzStream::XzStream(Source source, unsigned threads)
    : source_(std::move(source)),
      threads_(threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency())),
      out_(new uint8_t[kOutSize]) {}

XzStream::~XzStream() { lzma_end(&strm_); }

bool XzStream::start() {
  lzma_mt mt{};
  mt.flags = LZMA_CONCATENATED | LZMA_FAIL_FAST;
  mt.threads = threads_;
  uint64_t quarter = lzma_physmem() / 4;  // xz(1)'s default limit for threading
  mt.memlimit_threading = quarter > 0 ? quarter : uint64_t{1} << 30;
  mt.memlimit_stop = UINT64_MAX;
  lzma_ret r = lzma_stream_decoder_mt(&strm_, &mt);
  if (r != LZMA_OK) error_ = describe(r);
  return r == LZMA_OK;
}

ssize_t XzStream::read(const void** data) {
  *data = out_.get();
  if (failed_) return -1;
  strm_.next_out = out_.get();
  strm_.avail_out = kOutSize;
  while (strm_.avail_out > 0 && !done_) {
    if (strm_.avail_in == 0 && !in_eof_) {
      const void* block = nullptr;
      size_t size = 0;
      int r = source_(&block, &size, &error_);
      if (r < 0) {
        if (error_.empty()) error_ = "read error";
        failed_ = true;
        return -1;
      }
      if (r == 0) {
        in_eof_ = true;
      } else {
        strm_.next_in = static_cast<const uint8_t*>(block);
        strm_.avail_in = size;
      }
    }
    lzma_ret r = lzma_code(&strm_, in_eof_ ? LZMA_FINISH : LZMA_RUN);
    if (r == LZMA_STREAM_END) {
      done_ = true;
    } else if (r != LZMA_OK) {
      error_ = describe(r);
      failed_ = true;
      return -1;
    }
  }
  return static_cast<ssize_t>(kOutSize - strm_.avail_out);
}

}  // namespace cairn::debian
