// AddonTensor: the one JS-visible class, a handle that owns one at::Tensor. Ops are free functions
// (ops.cc) that unwrap handles, call one ATen function and wrap the result.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <cstdint>

namespace hpaic {

// Per-environment state (design.md: worker threads may load the addon, so nothing process-wide).
struct AddonData {
  Napi::FunctionReference tensorCtor;
  at::Tensor pending;  // handed from wrap() to the constructor without an allocation
  int64_t live = 0;    // handles currently owning a defined tensor
};

class AddonTensor : public Napi::ObjectWrap<AddonTensor> {
 public:
  static Napi::Function Init(Napi::Env env, AddonData* data);
  explicit AddonTensor(const Napi::CallbackInfo& info);
  ~AddonTensor() override;
  at::Tensor& tensor() { return tensor_; }
  void release();

 private:
  at::Tensor tensor_;
  AddonData* data_;
};

Napi::Value wrap(Napi::Env env, at::Tensor t);
inline at::Tensor& unwrap(const Napi::Value& v) { return AddonTensor::Unwrap(v.As<Napi::Object>())->tensor(); }

}  // namespace hpaic
