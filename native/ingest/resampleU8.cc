// resampleU8(src, inW, channels, firstRow, rows, horizontal, vertical, luma) → Promise<Uint8Array>: Pillow's
// separable 8-bit resampling (libImaging/Resample.c, as src/data/image/pilResample.ts does it) on a libuv thread,
// with the fixed-point coefficients computed in JavaScript (so both paths use the same ones). `horizontal` and
// `vertical` are { ksize, bounds: Int32Array, kk: Int32Array } or null to skip that pass; `luma` turns the RGB
// result into Pillow's "L".
#include <napi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "ingest.h"

namespace hpaic_ingest {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

inline uint8_t clip8(int32_t ss) {
  int32_t v = ss >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

struct Coeffs {
  int ksize = 0;
  std::vector<int32_t> bounds, kk;
  bool present = false;
};

Coeffs readCoeffs(Napi::Value v) {
  Coeffs c;
  if (v.IsNull() || v.IsUndefined()) return c;
  Napi::Object o = v.As<Napi::Object>();
  c.ksize = o.Get("ksize").As<Napi::Number>().Int32Value();
  auto b = o.Get("bounds").As<Napi::Int32Array>();
  auto k = o.Get("kk").As<Napi::Int32Array>();
  c.bounds.assign(b.Data(), b.Data() + b.ElementLength());
  c.kk.assign(k.Data(), k.Data() + k.ElementLength());
  c.present = true;
  return c;
}

class ResampleWorker : public Napi::AsyncWorker {
 public:
  ResampleWorker(const Napi::CallbackInfo& info) : Napi::AsyncWorker(info.Env()), deferred_(Napi::Promise::Deferred::New(info.Env())) {
    auto src = info[0].As<Napi::Uint8Array>();
    src_ = Napi::Persistent(src);
    data_ = src.Data();
    size_ = src.ByteLength();
    inW_ = info[1].As<Napi::Number>().Int32Value();
    c_ = info[2].As<Napi::Number>().Int32Value();
    firstRow_ = info[3].As<Napi::Number>().Int32Value();
    rows_ = info[4].As<Napi::Number>().Int32Value();
    h_ = readCoeffs(info[5]);
    v_ = readCoeffs(info[6]);
    luma_ = info[7].ToBoolean();
    if (c_ < 1 || c_ > 4 || inW_ < 1 || rows_ < 1 || firstRow_ < 0 || static_cast<size_t>(firstRow_ + rows_) * inW_ * c_ > size_)
      throw Napi::RangeError::New(info.Env(), "resampleU8: the rows do not fit the source buffer");
    if (luma_ && c_ != 3) throw Napi::RangeError::New(info.Env(), "resampleU8: luma needs 3 channels");
    auto checkBounds = [&](const Coeffs& k, int inSize) {
      if (k.ksize < 1 || k.kk.size() < static_cast<size_t>(k.ksize) * (k.bounds.size() / 2))
        throw Napi::RangeError::New(info.Env(), "resampleU8: fewer weights than ksize per output pixel");
      for (size_t i = 0; i + 1 < k.bounds.size(); i += 2)
        if (k.bounds[i] < 0 || k.bounds[i + 1] < 0 || k.bounds[i + 1] > k.ksize || k.bounds[i] + k.bounds[i + 1] > inSize)
          throw Napi::RangeError::New(info.Env(), "resampleU8: coefficient bounds outside the image");
    };
    if (h_.present) checkBounds(h_, inW_);
    if (v_.present) checkBounds(v_, rows_);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    const int C = c_;
    // Horizontal pass over the source rows the vertical pass reads.
    int w = inW_;
    std::vector<uint8_t> mid;
    const uint8_t* img = data_ + static_cast<size_t>(firstRow_) * inW_ * C;
    if (h_.present) {
      const int outW = static_cast<int>(h_.bounds.size() / 2);
      mid.resize(static_cast<size_t>(outW) * rows_ * C);
      switch (C) {
        case 1: horizontal<1>(img, mid.data(), outW); break;
        case 2: horizontal<2>(img, mid.data(), outW); break;
        case 3: horizontal<3>(img, mid.data(), outW); break;
        default: horizontal<4>(img, mid.data(), outW); break;
      }
      img = mid.data();
      w = outW;
    }
    int outH = rows_;
    std::vector<uint8_t> out;
    if (v_.present) {
      outH = static_cast<int>(v_.bounds.size() / 2);
      const size_t stride = static_cast<size_t>(w) * C;
      out.resize(stride * outH);
      std::vector<int32_t> acc(stride);
      for (int yy = 0; yy < outH; yy++) {
        const int ymin = v_.bounds[yy * 2], n = v_.bounds[yy * 2 + 1];
        const int32_t* k = v_.kk.data() + static_cast<size_t>(yy) * v_.ksize;
        std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
        // Row by row over the taps: the same sums as Pillow's column loop, in cache-friendly order.
        for (int y = 0; y < n; y++) {
          const uint8_t* row = img + static_cast<size_t>(ymin + y) * stride;
          const int32_t ky = k[y];
          for (size_t i = 0; i < stride; i++) acc[i] += static_cast<int32_t>(row[i]) * ky;
        }
        uint8_t* o = out.data() + static_cast<size_t>(yy) * stride;
        for (size_t i = 0; i < stride; i++) o[i] = clip8(acc[i]);
      }
    } else {
      out.assign(img, img + static_cast<size_t>(w) * rows_ * C);
    }
    if (luma_) {
      const size_t n = static_cast<size_t>(w) * outH;
      result_.resize(n);
      for (size_t i = 0, j = 0; i < n; i++, j += 3) result_[i] = static_cast<uint8_t>((out[j] * 19595u + out[j + 1] * 38470u + out[j + 2] * 7471u + 0x8000u) >> 16);
    } else {
      result_ = std::move(out);
    }
  }

  void OnOK() override { deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), result_.data(), result_.size())); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  // The band count as a constant, so the tap loop keeps one accumulator per band in registers.
  template <int C>
  void horizontal(const uint8_t* img, uint8_t* mid, int outW) const {
    for (int yy = 0; yy < rows_; yy++) {
      const uint8_t* rowIn = img + static_cast<size_t>(yy) * inW_ * C;
      uint8_t* rowOut = mid + static_cast<size_t>(yy) * outW * C;
      for (int xx = 0; xx < outW; xx++) {
        const int xmin = h_.bounds[xx * 2], n = h_.bounds[xx * 2 + 1];
        const int32_t* k = h_.kk.data() + static_cast<size_t>(xx) * h_.ksize;
        int32_t ss[C];
        for (int c = 0; c < C; c++) ss[c] = 1 << (kPrecisionBits - 1);
        const uint8_t* p = rowIn + static_cast<size_t>(xmin) * C;
        for (int x = 0; x < n; x++, p += C)
          for (int c = 0; c < C; c++) ss[c] += static_cast<int32_t>(p[c]) * k[x];
        for (int c = 0; c < C; c++) rowOut[xx * C + c] = clip8(ss[c]);
      }
    }
  }

  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Uint8Array> src_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int inW_ = 0, c_ = 0, firstRow_ = 0, rows_ = 0;
  Coeffs h_, v_;
  bool luma_ = false;
  std::vector<uint8_t> result_;
};

}  // namespace

Napi::Value ResampleU8(const Napi::CallbackInfo& info) {
  auto* w = new ResampleWorker(info);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace hpaic_ingest
