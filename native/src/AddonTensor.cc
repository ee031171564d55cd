#include "AddonTensor.h"

namespace hpaic {

Napi::Function AddonTensor::Init(Napi::Env env, AddonData* data) {
  Napi::Function ctor = DefineClass(env, "AddonTensor", {});
  data->tensorCtor = Napi::Persistent(ctor);
  return ctor;
}

AddonTensor::AddonTensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AddonTensor>(info) {
  data_ = info.Env().GetInstanceData<AddonData>();
  tensor_ = std::move(data_->pending);
  data_->pending = at::Tensor();
  if (tensor_.defined()) data_->live++;
}

void AddonTensor::release() {
  if (tensor_.defined()) {
    tensor_ = at::Tensor();
    data_->live--;
  }
}

AddonTensor::~AddonTensor() { release(); }

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  AddonData* data = env.GetInstanceData<AddonData>();
  data->pending = std::move(t);
  return data->tensorCtor.New({});
}

}  // namespace hpaic
