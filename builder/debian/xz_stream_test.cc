#include "builder/debian/xz_stream.hh"

#include <algorithm>
#include <optional>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <lzma.h>

namespace cairn::debian {
namespace {

// `size` bytes that compress, but not to nothing: words from a small LCG.
std::string sample(size_t size) {
  static const char* words[] = {"usr", "lib", "modules", "kernel", "drivers", "net", ".ko", "/"};
  std::string out;
  uint32_t x = 12345;
  while (out.size() < size) {
    x = x * 1103515245 + 12345;
    out += words[(x >> 16) % 8];
    if ((x >> 8) % 5 == 0) out += static_cast<char>(x >> 24);
  }
  out.resize(size);
  return out;
}

// `data` as .xz; blocks of `block_size` bytes (0: one block), as dpkg-deb
// writes a big data.tar.xz.
std::string compress(const std::string& data, uint64_t block_size) {
  lzma_stream strm = LZMA_STREAM_INIT;
  lzma_mt mt{};
  mt.threads = 2;
  mt.block_size = block_size;
  mt.preset = 1;
  mt.check = LZMA_CHECK_CRC64;
  EXPECT_EQ(lzma_stream_encoder_mt(&strm, &mt), LZMA_OK);
  std::string out(lzma_stream_buffer_bound(data.size()), '\0');
  strm.next_in = reinterpret_cast<const uint8_t*>(data.data());
  strm.avail_in = data.size();
  strm.next_out = reinterpret_cast<uint8_t*>(out.data());
  strm.avail_out = out.size();
  lzma_ret r = LZMA_OK;
  while (r == LZMA_OK) r = lzma_code(&strm, LZMA_FINISH);
  EXPECT_EQ(r, LZMA_STREAM_END);
  out.resize(strm.total_out);
  lzma_end(&strm);
  return out;
}

// A source handing out `data` in chunks of `chunk` bytes.
struct Chunks {
  std::string data;
  size_t chunk;
  size_t pos = 0;

  XzStream::Source source() {
    return [this](const void** out, size_t* size, std::string*) {
      if (pos >= data.size()) return 0;
      *out = data.data() + pos;
      *size = std::min(chunk, data.size() - pos);
      pos += *size;
      return 1;
    };
  }
};

// Everything the stream yields, or nullopt with `error` set on -1.
std::optional<std::string> drain(XzStream& xz, std::string* error) {
  std::string out;
  for (;;) {
    const void* data = nullptr;
    ssize_t n = xz.read(&data);
    if (n < 0) {
      *error = xz.error();
      return std::nullopt;
    }
    if (n == 0) return out;
    out.append(static_cast<const char*>(data), static_cast<size_t>(n));
  }
}

TEST(XzStream, DecodesAManyBlockStreamWithThreads) {
  std::string plain = sample(9 * 1024 * 1024 + 17);
  Chunks in{compress(plain, 1024 * 1024), 4096};
  XzStream xz(in.source(), 2);
  ASSERT_TRUE(xz.start()) << xz.error();
  std::string error;
  auto out = drain(xz, &error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->size(), plain.size());
  EXPECT_TRUE(*out == plain);
  // Past the end, it stays at the end.
  const void* data = nullptr;
  EXPECT_EQ(xz.read(&data), 0);
}

TEST(XzStream, DecodesAOneBlockStreamAndEmptyContents) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{300000}}) {
    std::string plain = sample(size);
    Chunks in{compress(plain, 0), 1 << 20};
    XzStream xz(in.source());
    ASSERT_TRUE(xz.start());
    std::string error;
    auto out = drain(xz, &error);
    ASSERT_TRUE(out) << error;
    EXPECT_TRUE(*out == plain) << size;
  }
}

TEST(XzStream, CorruptDataIsAnErrorAfterTheGoodBlocks) {
  std::string plain = sample(4 * 1024 * 1024);
  std::string packed = compress(plain, 1024 * 1024);
  packed[packed.size() * 3 / 4] ^= 0x55;  // inside the fourth block
  Chunks in{packed, 65536};
  XzStream xz(in.source(), 2);
  ASSERT_TRUE(xz.start());
  std::string error;
  EXPECT_FALSE(drain(xz, &error));
  EXPECT_EQ(error, "corrupt xz data");
}

TEST(XzStream, TruncatedAndForeignInputAreErrors) {
  std::string packed = compress(sample(100000), 0);
  Chunks cut{packed.substr(0, packed.size() / 2), 1000};
  XzStream a(cut.source());
  ASSERT_TRUE(a.start());
  std::string error;
  EXPECT_FALSE(drain(a, &error));
  // liblzma's word for it ("corrupt" or "truncated") depends on where the cut is.
  EXPECT_TRUE(error.ends_with(" xz data")) << error;

  Chunks foreign{"this is not xz at all", 1000};
  XzStream b(foreign.source());
  ASSERT_TRUE(b.start());
  EXPECT_FALSE(drain(b, &error));
  EXPECT_EQ(error, "not xz data");

  Chunks nothing{"", 1000};
  XzStream c(nothing.source());
  ASSERT_TRUE(c.start());
  EXPECT_FALSE(drain(c, &error));
  EXPECT_TRUE(error.ends_with(" xz data")) << error;
}

TEST(XzStream, TheSourcesErrorIsTheStreamsError) {
  XzStream xz([](const void**, size_t*, std::string* error) {
    *error = "ar member truncated";
    return -1;
  });
  ASSERT_TRUE(xz.start());
  std::string error;
  EXPECT_FALSE(drain(xz, &error));
  EXPECT_EQ(error, "ar member truncated");
}

TEST(XzStream, DecodesOnlyAsFarAsItIsRead) {
  std::string plain = sample(16 * 1024 * 1024);
  Chunks in{compress(plain, 1024 * 1024), 4096};
  {
    XzStream xz(in.source(), 2);
    ASSERT_TRUE(xz.start());
    const void* data = nullptr;
    ASSERT_GT(xz.read(&data), 0);
    EXPECT_LT(in.pos, in.data.size() / 2);
  }
}

}  // namespace
}  // namespace cairn::debian
