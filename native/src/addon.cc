// The addon's export table and start-up: malloc tuning (see Init) and per-environment state.
#include <malloc.h>
#include <cstdlib>
#include <string>
#include <napi.h>
#include "AddonTensor.h"
#include "CachingCpuAllocator.h"

namespace hpaic {
void registerOps(Napi::Env env, Napi::Object exports);
}

// Instance data is deliberately never freed (see below).
static void keepInstanceData(Napi::Env, hpaic::AddonData*) {}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Big tensor buffers (>= 256 KiB) come from a cache of mmapped blocks (see CachingCpuAllocator.cc), which
  // keeps them out of the brk heap; the mallopt fallback below only matters when that cache is off
  // (HPAIC_CPU_CACHE=0). With the cache, both settings measured flat RSS and the same speed (150 steps).
  const bool cached = hpaic::CachingCpuAllocator::install() != nullptr;
  static bool mallocTuned = false;
  const char* tuning = std::getenv("HPAIC_MALLOC_TUNING");
  if (!cached && !mallocTuned && !(tuning && std::string(tuning) == "0")) {
    // glibc's dynamic mmap threshold climbs to 32 MiB after the first large frees, after which tensors come
    // from the brk heap, where the small wrappers that wait for V8's GC pin freed blocks: RSS then grew by
    // ~50 MB per ResNet18/Adam step without bound (also with M_MMAP_MAX = 0). A fixed 1 MiB threshold keeps
    // tensors in mmap (returned on free) and RSS flat (4 MiB still grew 11 MB/step at 32²); the trim threshold and top pad cut brk churn.
    // Measured (ResNet18, batch 32, 48², 2 threads, busy machine): 249 ms/step, flat RSS; torch 1.13: 210 ms/step.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
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
