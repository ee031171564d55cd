// libtorch's autocast state, one spelling for both API generations: 1.13 has per-device functions
// (set_cpu_enabled / set_enabled for CUDA, set_autocast_cpu_dtype / set_autocast_gpu_dtype); 2.4 added the
// device-generic ones and deprecated the others. The state is thread-local: it applies to ops called on the
// thread that set it (Node runs every forward on the main thread).
#pragma once
#include <ATen/autocast_mode.h>
#include <torch/version.h>
#include <stdexcept>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define HPAIC_AUTOCAST_DEVICE_GENERIC 1
#endif

namespace hpaic {

// Autocast exists for CPU and CUDA here; anything else is refused by name rather than silently ignored.
inline at::DeviceType autocastDevice(at::DeviceType t) {
  if (t != at::kCPU && t != at::kCUDA) throw std::runtime_error("autocast supports the cpu and cuda device types only");
  return t;
}

inline bool autocastEnabled(at::DeviceType t) {
#ifdef HPAIC_AUTOCAST_DEVICE_GENERIC
  return at::autocast::is_autocast_enabled(autocastDevice(t));
#else
  return autocastDevice(t) == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}

inline void setAutocastEnabled(at::DeviceType t, bool enabled) {
#ifdef HPAIC_AUTOCAST_DEVICE_GENERIC
  at::autocast::set_autocast_enabled(autocastDevice(t), enabled);
#else
  if (autocastDevice(t) == at::kCPU) at::autocast::set_cpu_enabled(enabled);
  else at::autocast::set_enabled(enabled);
#endif
}

inline at::ScalarType autocastDtype(at::DeviceType t) {
#ifdef HPAIC_AUTOCAST_DEVICE_GENERIC
  return at::autocast::get_autocast_dtype(autocastDevice(t));
#else
  return autocastDevice(t) == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
#endif
}

inline void setAutocastDtype(at::DeviceType t, at::ScalarType dtype) {
#ifdef HPAIC_AUTOCAST_DEVICE_GENERIC
  at::autocast::set_autocast_dtype(autocastDevice(t), dtype);
#else
  if (autocastDevice(t) == at::kCPU) at::autocast::set_autocast_cpu_dtype(dtype);
  else at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

}  // namespace hpaic
