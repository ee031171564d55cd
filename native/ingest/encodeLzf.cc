// encodeLzf: one image's LZF chunk computed on a libuv thread, so several compress while the next PNGs decode.
#include <napi.h>

#include <cstdint>
#include <memory>

#include "ingest.h"
#include "lzfFilter.h"

namespace hpaic_ingest {

namespace {

// encodeLzf(image) → Promise<{ data, filterMask }>: LZF on a libuv thread; an image LZF cannot shrink comes back
// as it is with filter mask 1, which HDF5 records as "filter skipped" (h5py's optional LZF does the same).
class EncodeLzfWorker : public Napi::AsyncWorker {
 public:
  EncodeLzfWorker(Napi::Env env, Napi::Uint8Array image)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), image_(Napi::Persistent(image)), data_(image.Data()), size_(image.ByteLength()) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    // Not zero-filled: that cost 0.7 ms per image. (A buffer per libuv thread would race: the thread may start
    // the next job before OnOK copies this one out.)
    out_.reset(new uint8_t[size_]);
    got_ = lzfCompress(data_, size_, out_.get());
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    if (got_ > 0) {
      // Copied into memory V8 accounts for, so the garbage collector sees what the chunks in flight hold.
      r.Set("data", Napi::Buffer<uint8_t>::Copy(env, out_.get(), got_));
      out_.reset();
      r.Set("filterMask", Napi::Number::New(env, 0));
    } else {
      r.Set("data", image_.Value());
      r.Set("filterMask", Napi::Number::New(env, 1));
    }
    deferred_.Resolve(r);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Uint8Array> image_;
  const uint8_t* data_;
  size_t size_;
  std::unique_ptr<uint8_t[]> out_;
  size_t got_ = 0;
};

}  // namespace

Napi::Value EncodeLzf(const Napi::CallbackInfo& info) {
  auto* w = new EncodeLzfWorker(info.Env(), info[0].As<Napi::Uint8Array>());
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace hpaic_ingest
