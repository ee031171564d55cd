// decodePngPlanes(zstreams, width, height, channels) → Promise<Uint8Array>: the four channel PNGs of one sample
// (their IDAT zlib streams; 8-bit, non-interlaced, `channels[c]` samples per pixel, checked by the caller) inflated
// with libdeflate and unfiltered on a libuv thread, the first sample of each pixel going to plane c of the
// interleaved H×W×4 RGBY image. The JS thread only walks the chunk lists.
#include <napi.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <libdeflate.h>

#include "ingest.h"

namespace hpaic_ingest {

namespace {

inline uint8_t paeth(int a, int b, int c) {
  int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
  return static_cast<uint8_t>(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

class DecodePlanesWorker : public Napi::AsyncWorker {
 public:
  DecodePlanesWorker(Napi::Env env, Napi::Array streams, uint32_t width, uint32_t height, Napi::Array channels)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), width_(width), height_(height) {
    if (streams.Length() != 4 || channels.Length() != 4) throw Napi::RangeError::New(env, "decodePngPlanes needs 4 streams and 4 channel counts");
    for (uint32_t c = 0; c < 4; c++) {
      auto z = streams.Get(c).As<Napi::Uint8Array>();
      keep_[c] = Napi::Persistent(z);
      in_[c] = z.Data();
      inLen_[c] = z.ByteLength();
      ch_[c] = channels.Get(c).As<Napi::Number>().Uint32Value();
      if (ch_[c] < 1 || ch_[c] > 4) throw Napi::RangeError::New(env, "channels must be 1 to 4");
    }
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    const size_t w = width_, h = height_;
    out_.reset(new uint8_t[w * h * 4]);
    std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
    if (!d) return fail(0, "out of memory for the inflater");
    std::vector<uint8_t> raw, prev, cur;
    for (int c = 0; c < 4; c++) {
      const size_t bpp = ch_[c], stride = w * bpp, expected = h * (stride + 1);
      raw.resize(expected);
      size_t got = 0;
      libdeflate_result r = libdeflate_zlib_decompress(d.get(), in_[c], inLen_[c], raw.data(), expected, &got);
      // The same messages as decodePngSync.ts.
      if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
        return fail(c, "PNG image data inflates to more than the " + std::to_string(expected) + " bytes its " + std::to_string(w) + "×" + std::to_string(h) + " header implies");
      if (r != LIBDEFLATE_SUCCESS) return fail(c, "PNG image data is corrupt (invalid zlib data)");
      if (got != expected) return fail(c, "PNG image data inflates to " + std::to_string(got) + " bytes, expected " + std::to_string(expected));
      prev.assign(stride, 0);
      cur.resize(stride);
      uint8_t* plane = out_.get() + c;
      for (size_t y = 0; y < h; y++) {
        const uint8_t* src = raw.data() + y * (stride + 1);
        const uint8_t filter = src[0];
        src += 1;
        uint8_t* q = cur.data();
        const uint8_t* p = prev.data();
        switch (filter) {
          case 0:
            for (size_t x = 0; x < stride; x++) q[x] = src[x];
            break;
          case 1:
            for (size_t x = 0; x < stride; x++) q[x] = static_cast<uint8_t>(src[x] + (x >= bpp ? q[x - bpp] : 0));
            break;
          case 2:
            for (size_t x = 0; x < stride; x++) q[x] = static_cast<uint8_t>(src[x] + p[x]);
            break;
          case 3:
            for (size_t x = 0; x < stride; x++) q[x] = static_cast<uint8_t>(src[x] + (((x >= bpp ? q[x - bpp] : 0) + p[x]) >> 1));
            break;
          case 4:
            for (size_t x = 0; x < stride; x++) q[x] = static_cast<uint8_t>(src[x] + paeth(x >= bpp ? q[x - bpp] : 0, p[x], x >= bpp ? p[x - bpp] : 0));
            break;
          default:
            return fail(c, "PNG row " + std::to_string(y) + " has an unknown filter type " + std::to_string(filter));
        }
        uint8_t* row = plane + y * w * 4;
        for (size_t x = 0; x < w; x++) row[x * 4] = q[x * bpp];
        std::swap(prev, cur);
      }
    }
  }

  void OnOK() override {
    const size_t n = static_cast<size_t>(width_) * height_ * 4;
    // Copied into memory V8 accounts for, like encodeLzf's chunks.
    Napi::Buffer<uint8_t> b = Napi::Buffer<uint8_t>::Copy(Env(), out_.get(), n);
    out_.reset();
    deferred_.Resolve(b);
  }

  void OnError(const Napi::Error& e) override {
    Napi::Object err = e.Value();
    err.Set("channel", Napi::Number::New(Env(), errChannel_));
    deferred_.Reject(err);
  }

 private:
  void fail(int channel, const std::string& message) {
    errChannel_ = channel;
    SetError(message);
  }

  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Uint8Array> keep_[4];
  const uint8_t* in_[4] = {};
  size_t inLen_[4] = {};
  uint32_t ch_[4] = {};
  uint32_t width_, height_;
  std::unique_ptr<uint8_t[]> out_;
  int errChannel_ = 0;
};

}  // namespace

Napi::Value DecodePngPlanes(const Napi::CallbackInfo& info) {
  auto* w = new DecodePlanesWorker(info.Env(), info[0].As<Napi::Array>(), info[1].As<Napi::Number>().Uint32Value(), info[2].As<Napi::Number>().Uint32Value(),
                                   info[3].As<Napi::Array>());
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace hpaic_ingest
