#include "financelake/parquet/compression.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cctype>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

namespace financelake::parquet {

namespace {

struct ZstdCCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// A z_stream set up by deflateInit2/inflateInit2 and torn down on destruction. z_stream is a
// struct the library points into, so it stays at a fixed address (held by value, never moved).
class Deflater {
 public:
  Deflater() = default;
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  ~Deflater() {
    if (ready_) deflateEnd(&z_);
  }
  // Ready for a new gzip stream at `level`; reuses the allocated state when the level matches.
  bool Reset(int level) {
    if (ready_ && level == level_) return deflateReset(&z_) == Z_OK;
    if (ready_) deflateEnd(&z_);
    z_ = z_stream{};
    ready_ = deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    level_ = level;
    return ready_;
  }
  z_stream* get() { return &z_; }

 private:
  z_stream z_{};
  bool ready_ = false;
  int level_ = 0;
};

class Inflater {
 public:
  Inflater() = default;
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() {
    if (ready_) inflateEnd(&z_);
  }
  // Ready for a new stream; window bits 15 + 32 detect a gzip or a zlib header.
  bool Reset() {
    if (ready_) return inflateReset(&z_) == Z_OK;
    z_ = z_stream{};
    ready_ = inflateInit2(&z_, 15 + 32) == Z_OK;
    return ready_;
  }
  z_stream* get() { return &z_; }

 private:
  z_stream z_{};
  bool ready_ = false;
};

std::string Sizes(size_t in_size, size_t out_size) {
  return " (" + std::to_string(in_size) + " compressed bytes, expected " +
         std::to_string(out_size) + " uncompressed)";
}

Status Unsupported(CompressionCodec codec) {
  std::string name(CodecName(codec));
  if (name == "UNKNOWN_CODEC") name = std::to_string(static_cast<int>(codec));
  return Status::Unimplemented("parquet: codec " + name + " is not supported");
}

Status CompressGzip(std::string_view in, std::string* out, int level) {
  if (level == 0) level = Z_DEFAULT_COMPRESSION;
  if (level < Z_DEFAULT_COMPRESSION || level > Z_BEST_COMPRESSION) {
    return Status::InvalidArgument("parquet: gzip: level " + std::to_string(level) +
                                   " out of range [1, 9]");
  }
  thread_local Deflater deflater;
  if (!deflater.Reset(level)) return Status::Internal("parquet: gzip: deflateInit2 failed");
  z_stream* z = deflater.get();
  out->resize(deflateBound(z, static_cast<uLong>(in.size())));
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z->avail_in = static_cast<uInt>(in.size());
  z->next_out = reinterpret_cast<Bytef*>(out->data());
  z->avail_out = static_cast<uInt>(out->size());
  int rc = deflate(z, Z_FINISH);
  if (rc != Z_STREAM_END) {
    return Status::Internal("parquet: gzip: deflate returned " + std::to_string(rc));
  }
  out->resize(out->size() - z->avail_out);
  return Status::OK();
}

Status DecompressGzip(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  thread_local Inflater inflater;
  if (!inflater.Reset()) return Status::Internal("parquet: gzip: inflateInit2 failed");
  z_stream* z = inflater.get();
  z->next_in = const_cast<Bytef*>(in);
  z->avail_in = static_cast<uInt>(in_size);
  z->next_out = out;
  z->avail_out = static_cast<uInt>(out_size);
  // Once out is full, output goes here: any byte landing in it means the page is too long.
  uint8_t overflow[64];
  bool overflowing = false;
  while (true) {
    if (z->avail_out == 0 && !overflowing) {
      overflowing = true;
      z->next_out = overflow;
      z->avail_out = sizeof(overflow);
    }
    int rc = inflate(z, Z_NO_FLUSH);
    if (overflowing && z->avail_out < sizeof(overflow)) {
      return Status::DataLoss("parquet: gzip: data decompresses to more than " +
                              std::to_string(out_size) + " bytes" + Sizes(in_size, out_size));
    }
    if (rc == Z_OK) continue;
    if (rc == Z_STREAM_END) {
      if (z->avail_in == 0) break;
      // Another gzip member follows (Compression.md asks readers to accept several).
      if (inflateReset(z) != Z_OK) return Status::Internal("parquet: gzip: inflateReset failed");
      continue;
    }
    if (rc == Z_BUF_ERROR && z->avail_in == 0) {
      return Status::DataLoss("parquet: gzip: truncated data" + Sizes(in_size, out_size));
    }
    return Status::DataLoss(
        "parquet: gzip: corrupt data: " + std::string(z->msg != nullptr ? z->msg : zError(rc)) +
        Sizes(in_size, out_size));
  }
  const size_t produced = overflowing ? out_size : static_cast<size_t>(z->next_out - out);
  if (produced != out_size) {
    return Status::DataLoss("parquet: gzip: data decompresses to " + std::to_string(produced) +
                            " bytes" + Sizes(in_size, out_size));
  }
  return Status::OK();
}

Status CompressZstd(std::string_view in, std::string* out, int level) {
  if (level == 0) level = ZSTD_CLEVEL_DEFAULT;
  thread_local std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter> cctx(ZSTD_createCCtx());
  if (cctx == nullptr) return Status::Internal("parquet: zstd: cannot create a context");
  out->resize(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compressCCtx(cctx.get(), out->data(), out->size(), in.data(), in.size(), level);
  if (ZSTD_isError(n)) {
    return Status::Internal(std::string("parquet: zstd: ") + ZSTD_getErrorName(n));
  }
  out->resize(n);
  return Status::OK();
}

Status DecompressZstd(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  // A single frame that records its size can be rejected before any work.
  if (ZSTD_findFrameCompressedSize(in, in_size) == in_size) {
    unsigned long long content = ZSTD_getFrameContentSize(in, in_size);
    if (content == ZSTD_CONTENTSIZE_ERROR) {
      return Status::DataLoss("parquet: zstd: corrupt frame header" + Sizes(in_size, out_size));
    }
    if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != out_size) {
      return Status::DataLoss("parquet: zstd: data decompresses to " + std::to_string(content) +
                              " bytes" + Sizes(in_size, out_size));
    }
  }
  thread_local std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> dctx(ZSTD_createDCtx());
  if (dctx == nullptr) return Status::Internal("parquet: zstd: cannot create a context");
  size_t n = ZSTD_decompressDCtx(dctx.get(), out, out_size, in, in_size);
  if (ZSTD_isError(n)) {
    return Status::DataLoss(std::string("parquet: zstd: ") + ZSTD_getErrorName(n) +
                            Sizes(in_size, out_size));
  }
  if (n != out_size) {
    return Status::DataLoss("parquet: zstd: data decompresses to " + std::to_string(n) + " bytes" +
                            Sizes(in_size, out_size));
  }
  return Status::OK();
}

Status DecompressSnappy(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  const char* src = reinterpret_cast<const char*>(in);
  size_t length;
  if (!snappy::GetUncompressedLength(src, in_size, &length)) {
    return Status::DataLoss("parquet: snappy: corrupt length header" + Sizes(in_size, out_size));
  }
  if (length != out_size) {
    return Status::DataLoss("parquet: snappy: data decompresses to " + std::to_string(length) +
                            " bytes" + Sizes(in_size, out_size));
  }
  if (!snappy::RawUncompress(src, in_size, reinterpret_cast<char*>(out))) {
    return Status::DataLoss("parquet: snappy: corrupt data" + Sizes(in_size, out_size));
  }
  return Status::OK();
}

}  // namespace

Status Compress(CompressionCodec codec, std::string_view in, std::string* out, int level) {
  if (in.size() > std::numeric_limits<int32_t>::max()) {
    return Status::InvalidArgument("parquet: page of " + std::to_string(in.size()) +
                                   " bytes is too large to compress");
  }
  switch (codec) {
    case CompressionCodec::UNCOMPRESSED: out->assign(in); return Status::OK();
    case CompressionCodec::SNAPPY: {
      out->resize(snappy::MaxCompressedLength(in.size()));
      size_t n;
      snappy::RawCompress(in.data(), in.size(), out->data(), &n);
      out->resize(n);
      return Status::OK();
    }
    case CompressionCodec::GZIP: return CompressGzip(in, out, level);
    case CompressionCodec::ZSTD: return CompressZstd(in, out, level);
    default: return Unsupported(codec);
  }
}

Status CompressInto(CompressionCodec codec, std::string_view in, std::string* buf, size_t* n,
                    int level) {
  if (in.size() > std::numeric_limits<int32_t>::max()) {
    return Status::InvalidArgument("parquet: page of " + std::to_string(in.size()) +
                                   " bytes is too large to compress");
  }
  auto ensure = [buf](size_t bound) {
    if (buf->size() < bound) buf->resize(bound);
  };
  switch (codec) {
    case CompressionCodec::UNCOMPRESSED:
      ensure(in.size());
      if (!in.empty()) std::memcpy(buf->data(), in.data(), in.size());
      *n = in.size();
      return Status::OK();
    case CompressionCodec::SNAPPY:
      ensure(snappy::MaxCompressedLength(in.size()));
      snappy::RawCompress(in.data(), in.size(), buf->data(), n);
      return Status::OK();
    case CompressionCodec::ZSTD: {
      if (level == 0) level = ZSTD_CLEVEL_DEFAULT;
      thread_local std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter> cctx(ZSTD_createCCtx());
      if (cctx == nullptr) return Status::Internal("parquet: zstd: cannot create a context");
      ensure(ZSTD_compressBound(in.size()));
      const size_t r =
          ZSTD_compressCCtx(cctx.get(), buf->data(), buf->size(), in.data(), in.size(), level);
      if (ZSTD_isError(r)) return Status::Internal(std::string("parquet: zstd: ") + ZSTD_getErrorName(r));
      *n = r;
      return Status::OK();
    }
    default: {
      std::string tmp;
      FL_RETURN_NOT_OK(Compress(codec, in, &tmp, level));
      ensure(tmp.size());
      if (!tmp.empty()) std::memcpy(buf->data(), tmp.data(), tmp.size());
      *n = tmp.size();
      return Status::OK();
    }
  }
}

Status Decompress(CompressionCodec codec, const uint8_t* in, size_t in_size, uint8_t* out,
                  size_t out_size) {
  // Page sizes are int32 in the page header, which also keeps zlib's 32-bit counters safe.
  constexpr size_t kMaxPage = std::numeric_limits<int32_t>::max();
  if (in_size > kMaxPage || out_size > kMaxPage) {
    return Status::DataLoss("parquet: page sizes" + Sizes(in_size, out_size) + " exceed 2^31-1");
  }
  switch (codec) {
    case CompressionCodec::UNCOMPRESSED:
      if (in_size != out_size) {
        return Status::DataLoss("parquet: uncompressed page of " + std::to_string(in_size) +
                                " bytes, expected " + std::to_string(out_size));
      }
      if (out_size > 0) std::memcpy(out, in, out_size);
      return Status::OK();
    case CompressionCodec::SNAPPY: return DecompressSnappy(in, in_size, out, out_size);
    case CompressionCodec::GZIP: return DecompressGzip(in, in_size, out, out_size);
    case CompressionCodec::ZSTD: return DecompressZstd(in, in_size, out, out_size);
    default: return Unsupported(codec);
  }
}

Result<CompressionCodec> ParseCodecName(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "none" || lower == "uncompressed") return CompressionCodec::UNCOMPRESSED;
  if (lower == "snappy") return CompressionCodec::SNAPPY;
  if (lower == "gzip") return CompressionCodec::GZIP;
  if (lower == "zstd") return CompressionCodec::ZSTD;
  return Status::InvalidArgument("parquet: unknown compression codec '" + std::string(name) +
                                 "'; expected one of none, uncompressed, snappy, gzip, zstd");
}

}  // namespace financelake::parquet
