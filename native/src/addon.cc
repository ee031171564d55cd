// The addon's export table and start-up: malloc tuning (design.md: Node keeps intermediates alive longer
// than CPython, so glibc would otherwise map fresh pages every step) and per-environment state.
#include <malloc.h>
#include <napi.h>
#include "AddonTensor.h"

namespace hpaic {
void registerOps(Napi::Env env, Napi::Object exports);
}

// Instance data is deliberately never freed (see below).
static void keepInstanceData(Napi::Env, hpaic::AddonData*) {}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  static bool mallocTuned = false;
  if (!mallocTuned) {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallocTuned = true;
  }
  // Never freed: finalizers of tensor handles may run after the environment's instance data would be.
  auto* data = new hpaic::AddonData();
  env.SetInstanceData<hpaic::AddonData, keepInstanceData>(data);
  exports.Set("AddonTensor", hpaic::AddonTensor::Init(env, data));
  hpaic::registerOps(env, exports);
  return exports;
}

NODE_API_MODULE(hpaic, Init)
