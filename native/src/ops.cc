// The tensor ops: one-line thunks (HPAIC_OP, op.h, registers each). Each converts its arguments, calls one ATen function and wraps the
// result. No defaults and no validation here: the TypeScript layer (src/tensor) owns both.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/version.h>
#include <cstring>
#include <vector>
#include "AddonTensor.h"
#include "CachingCpuAllocator.h"
#include "autocast.h"
#include "guard.h"
#include "op.h"

namespace hpaic {
namespace {

using Info = const Napi::CallbackInfo&;

// Argument converters.
at::Tensor& T(Info info, size_t i) { return unwrap(info[i]); }
c10::optional<at::Tensor> OT(Info info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return unwrap(info[i]);
}
int64_t I(Info info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
double D(Info info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
bool B(Info info, size_t i) { return info[i].As<Napi::Boolean>().Value(); }
std::vector<int64_t> Ints(Info info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<int64_t> v(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) v[k] = a.Get(k).As<Napi::Number>().Int64Value();
  return v;
}
c10::optional<std::vector<int64_t>> OInts(Info info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return Ints(info, i);
}
std::vector<at::Tensor> Tensors(Info info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> v;
  v.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) v.push_back(unwrap(a.Get(k)));
  return v;
}
at::ScalarType Dt(Info info, size_t i) { return static_cast<at::ScalarType>(I(info, i)); }
at::Device Dev(Info info, size_t i) { return at::Device(info[i].As<Napi::String>().Utf8Value()); }
at::TensorOptions Opts(Info info, size_t dt, size_t dev) { return at::TensorOptions().dtype(Dt(info, dt)).device(Dev(info, dev)); }
// A tensor or a JS number (scalar operand).
bool IsNum(Info info, size_t i) { return info[i].IsNumber(); }
// Integral JS numbers become integer scalars so that in-place ops on integer tensors work (counter += 1).
at::Scalar S(Info info, size_t i) {
  double v = D(info, i);
  if (std::floor(v) == v && std::abs(v) < 9.0e15) return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}
c10::optional<at::Scalar> OS(Info info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return S(info, i);
}
Napi::Value W(Info info, at::Tensor t) { return wrap(info.Env(), std::move(t)); }
Napi::Value Num(Info info, double v) { return Napi::Number::New(info.Env(), v); }
Napi::Value Undef(Info info) { return info.Env().Undefined(); }

#define OP HPAIC_OP

// ---- creation and data transfer ----
OP(fromBuffer, {
  // (typedArray, shape, dtype)
  // napi_get_typedarray_info gives the data pointer of views on SharedArrayBuffers too (loader workers).
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  size_t byteOffset = 0;
  NAPI_THROW_IF_FAILED(info.Env(), napi_get_typedarray_info(info.Env(), info[0], &type, &length, &data, &ab, &byteOffset), Napi::Value());
  size_t byteLength = info[0].As<Napi::TypedArray>().ByteLength();
  auto t = at::empty(Ints(info, 1), at::TensorOptions().dtype(Dt(info, 2)));
  size_t nbytes = t.numel() * t.element_size();
  if (nbytes != byteLength) throw std::runtime_error("buffer has " + std::to_string(byteLength) + " bytes, shape needs " + std::to_string(nbytes));
  const uint8_t* src = static_cast<const uint8_t*>(data);
  if (nbytes) std::memcpy(t.data_ptr(), src, nbytes);
  return W(info, t);
})
OP(toBuffer, {
  at::Tensor t = T(info, 0).detach().to(at::kCPU).contiguous();
  size_t nbytes = t.numel() * t.element_size();
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(info.Env(), nbytes);
  if (nbytes) std::memcpy(buf.Data(), t.data_ptr(), nbytes);
  return buf;
})
OP(empty, { return W(info, at::empty(Ints(info, 0), Opts(info, 1, 2))); })
OP(zeros, { return W(info, at::zeros(Ints(info, 0), Opts(info, 1, 2))); })
OP(ones, { return W(info, at::ones(Ints(info, 0), Opts(info, 1, 2))); })
OP(full, { return W(info, at::full(Ints(info, 0), S(info, 3), Opts(info, 1, 2))); })
OP(rand, { return W(info, at::rand(Ints(info, 0), Opts(info, 1, 2))); })
OP(randn, { return W(info, at::randn(Ints(info, 0), Opts(info, 1, 2))); })
OP(randperm, { return W(info, at::randperm(I(info, 0), Opts(info, 1, 2))); })
OP(arange, { return W(info, at::arange(S(info, 0), S(info, 1), S(info, 2), Opts(info, 3, 4))); })
OP(manualSeed, { at::manual_seed(static_cast<uint64_t>(I(info, 0))); return Undef(info); })

// ---- metadata ----
OP(shape, {
  auto s = T(info, 0).sizes();
  Napi::Array a = Napi::Array::New(info.Env(), s.size());
  for (size_t k = 0; k < s.size(); k++) a.Set(k, Napi::Number::New(info.Env(), static_cast<double>(s[k])));
  return a;
})
OP(dtype, { return Num(info, static_cast<int>(T(info, 0).scalar_type())); })
OP(device, { return Napi::String::New(info.Env(), T(info, 0).device().str()); })
OP(item, { return Num(info, T(info, 0).item().toDouble()); })
OP(isContiguous, { return Napi::Boolean::New(info.Env(), T(info, 0).is_contiguous(I(info, 1) == 1 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous)); })
OP(requiresGrad, { return Napi::Boolean::New(info.Env(), T(info, 0).requires_grad()); })
OP(setRequiresGrad, { T(info, 0).set_requires_grad(B(info, 1)); return Undef(info); })
OP(grad, {
  const at::Tensor& g = T(info, 0).grad();
  return g.defined() ? W(info, g) : info.Env().Null();
})
OP(clearGrad, { T(info, 0).mutable_grad().reset(); return Undef(info); })
OP(dispose, { AddonTensor::Unwrap(info[0].As<Napi::Object>())->release(); return Undef(info); })
OP(liveTensors, { return Num(info, static_cast<double>(info.Env().GetInstanceData<AddonData>()->live)); })

// ---- autograd ----
OP(backward, {
  auto g = OT(info, 1);
  T(info, 0).backward(g.has_value() ? *g : at::Tensor());
  return Undef(info);
})
OP(setGradEnabled, { c10::GradMode::set_enabled(B(info, 0)); return Undef(info); })
OP(isGradEnabled, { return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled()); })

// ---- autocast (thread-local; src/tensor/autocast.ts nests scopes the way torch.autocast does) ----
at::DeviceType DevType(Info info, size_t i) { return Dev(info, i).type(); }
OP(isAutocastEnabled, { return Napi::Boolean::New(info.Env(), autocastEnabled(DevType(info, 0))); })
OP(setAutocastEnabled, { setAutocastEnabled(DevType(info, 0), B(info, 1)); return Undef(info); })
OP(autocastDtype, { return Num(info, static_cast<int>(autocastDtype(DevType(info, 0)))); })
OP(setAutocastDtype, { setAutocastDtype(DevType(info, 0), Dt(info, 1)); return Undef(info); })
OP(autocastIncrementNesting, { return Num(info, at::autocast::increment_nesting()); })
OP(autocastDecrementNesting, { return Num(info, at::autocast::decrement_nesting()); })
OP(autocastClearCache, { at::autocast::clear_cache(); return Undef(info); })

// ---- conversion, layout ----
OP(to, { return W(info, T(info, 0).to(Dev(info, 2), Dt(info, 1), B(info, 3))); })
OP(contiguous, { return W(info, T(info, 0).contiguous(I(info, 1) == 1 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous)); })
OP(clone, { return W(info, T(info, 0).clone()); })
OP(detach, { return W(info, T(info, 0).detach()); })

// ---- nn ----
OP(conv2d, { return W(info, at::conv2d(T(info, 0), T(info, 1), OT(info, 2), Ints(info, 3), Ints(info, 4), Ints(info, 5), I(info, 6))); })
OP(batchNorm, { return W(info, at::batch_norm(T(info, 0), OT(info, 1), OT(info, 2), OT(info, 3), OT(info, 4), B(info, 5), D(info, 6), D(info, 7), true)); })
OP(relu, { return W(info, at::relu(T(info, 0))); })
OP(relu_, { at::relu_(T(info, 0)); return info[0]; })
OP(maxPool2d, { return W(info, at::max_pool2d(T(info, 0), Ints(info, 1), Ints(info, 2), Ints(info, 3), Ints(info, 4), B(info, 5))); })
OP(avgPool2d, { return W(info, at::avg_pool2d(T(info, 0), Ints(info, 1), Ints(info, 2), Ints(info, 3), B(info, 4), B(info, 5))); })
OP(adaptiveAvgPool2d, { return W(info, at::adaptive_avg_pool2d(T(info, 0), Ints(info, 1))); })
OP(adaptiveMaxPool2d, { return W(info, std::get<0>(at::adaptive_max_pool2d(T(info, 0), Ints(info, 1)))); })
OP(linear, { return W(info, at::linear(T(info, 0), T(info, 1), OT(info, 2))); })
OP(dropout, { return W(info, at::dropout(T(info, 0), D(info, 1), B(info, 2))); })
OP(sigmoid, { return W(info, at::sigmoid(T(info, 0))); })
OP(logSigmoid, { return W(info, at::log_sigmoid(T(info, 0))); })
OP(softmax, { return W(info, at::softmax(T(info, 0), I(info, 1))); })
OP(bceWithLogits, { return W(info, at::binary_cross_entropy_with_logits(T(info, 0), T(info, 1), OT(info, 2), OT(info, 3), I(info, 4))); })
OP(upsampleBilinear2d, { return W(info, at::upsample_bilinear2d(T(info, 0), Ints(info, 1), B(info, 2))); })
OP(upsampleNearest2d, { return W(info, at::upsample_nearest2d(T(info, 0), Ints(info, 1))); })
OP(gridSample, { return W(info, at::grid_sampler(T(info, 0), T(info, 1), I(info, 2), I(info, 3), B(info, 4))); })
OP(affineGrid, { return W(info, at::affine_grid_generator(T(info, 0), Ints(info, 1), B(info, 2))); })

// ---- shape ----
OP(reshape, { return W(info, T(info, 0).reshape(Ints(info, 1))); })
OP(permute, { return W(info, T(info, 0).permute(Ints(info, 1))); })
OP(flip, { return W(info, T(info, 0).flip(Ints(info, 1))); })
OP(transpose, { return W(info, T(info, 0).transpose(I(info, 1), I(info, 2))); })
OP(cat, { return W(info, at::cat(Tensors(info, 0), I(info, 1))); })
OP(stack, { return W(info, at::stack(Tensors(info, 0), I(info, 1))); })
OP(narrow, { return W(info, T(info, 0).narrow(I(info, 1), I(info, 2), I(info, 3))); })
OP(select, { return W(info, T(info, 0).select(I(info, 1), I(info, 2))); })
OP(indexSelect, { return W(info, T(info, 0).index_select(I(info, 1), T(info, 2))); })
OP(unsqueeze, { return W(info, T(info, 0).unsqueeze(I(info, 1))); })
OP(squeeze, { return W(info, T(info, 0).squeeze(I(info, 1))); })
OP(flatten, { return W(info, T(info, 0).flatten(I(info, 1), I(info, 2))); })
OP(expand, { return W(info, T(info, 0).expand(Ints(info, 1))); })

// ---- elementwise math: the second operand may be a tensor or a number ----
OP(add, { return W(info, IsNum(info, 1) ? at::add(T(info, 0), S(info, 1), S(info, 2)) : at::add(T(info, 0), T(info, 1), S(info, 2))); })
OP(sub, { return W(info, IsNum(info, 1) ? at::sub(T(info, 0), S(info, 1), S(info, 2)) : at::sub(T(info, 0), T(info, 1), S(info, 2))); })
OP(mul, { return W(info, IsNum(info, 1) ? at::mul(T(info, 0), S(info, 1)) : at::mul(T(info, 0), T(info, 1))); })
OP(div, { return W(info, IsNum(info, 1) ? at::div(T(info, 0), S(info, 1)) : at::div(T(info, 0), T(info, 1))); })
OP(pow, { return W(info, IsNum(info, 1) ? at::pow(T(info, 0), S(info, 1)) : at::pow(T(info, 0), T(info, 1))); })
OP(maximum, { return W(info, at::maximum(T(info, 0), T(info, 1))); })
OP(minimum, { return W(info, at::minimum(T(info, 0), T(info, 1))); })
OP(exp, { return W(info, at::exp(T(info, 0))); })
OP(log, { return W(info, at::log(T(info, 0))); })
OP(neg, { return W(info, at::neg(T(info, 0))); })
OP(abs, { return W(info, at::abs(T(info, 0))); })
OP(sqrt, { return W(info, at::sqrt(T(info, 0))); })
OP(floor, { return W(info, at::floor(T(info, 0))); })
OP(round, { return W(info, at::round(T(info, 0))); })
OP(clamp, { return W(info, at::clamp(T(info, 0), OS(info, 1), OS(info, 2))); })
OP(where, { return W(info, at::where(T(info, 0), T(info, 1), T(info, 2))); })
OP(matmul, { return W(info, at::matmul(T(info, 0), T(info, 1))); })

// ---- comparisons (tensor or number) ----
OP(gt, { return W(info, IsNum(info, 1) ? at::gt(T(info, 0), S(info, 1)) : at::gt(T(info, 0), T(info, 1))); })
OP(ge, { return W(info, IsNum(info, 1) ? at::ge(T(info, 0), S(info, 1)) : at::ge(T(info, 0), T(info, 1))); })
OP(lt, { return W(info, IsNum(info, 1) ? at::lt(T(info, 0), S(info, 1)) : at::lt(T(info, 0), T(info, 1))); })
OP(le, { return W(info, IsNum(info, 1) ? at::le(T(info, 0), S(info, 1)) : at::le(T(info, 0), T(info, 1))); })
OP(eq, { return W(info, IsNum(info, 1) ? at::eq(T(info, 0), S(info, 1)) : at::eq(T(info, 0), T(info, 1))); })
OP(ne, { return W(info, IsNum(info, 1) ? at::ne(T(info, 0), S(info, 1)) : at::ne(T(info, 0), T(info, 1))); })

// ---- reductions: dims null = all ----
OP(sum, { auto d = OInts(info, 1); return W(info, d ? at::sum(T(info, 0), *d, B(info, 2)) : at::sum(T(info, 0))); })
OP(mean, { auto d = OInts(info, 1); return W(info, d ? at::mean(T(info, 0), *d, B(info, 2)) : at::mean(T(info, 0))); })
OP(amax, { auto d = OInts(info, 1); return W(info, at::amax(T(info, 0), d ? *d : std::vector<int64_t>{}, B(info, 2))); })
OP(amin, { auto d = OInts(info, 1); return W(info, at::amin(T(info, 0), d ? *d : std::vector<int64_t>{}, B(info, 2))); })
OP(argmax, { return W(info, at::argmax(T(info, 0), I(info, 1), B(info, 2))); })

// ---- in-place updates ----
OP(add_, { if (IsNum(info, 1)) T(info, 0).add_(S(info, 1), S(info, 2)); else T(info, 0).add_(T(info, 1), S(info, 2)); return info[0]; })
OP(mul_, { if (IsNum(info, 1)) T(info, 0).mul_(S(info, 1)); else T(info, 0).mul_(T(info, 1)); return info[0]; })
OP(copy_, { T(info, 0).copy_(T(info, 1)); return info[0]; })
OP(zero_, { T(info, 0).zero_(); return info[0]; })
OP(fill_, { T(info, 0).fill_(S(info, 1)); return info[0]; })
OP(uniform_, { T(info, 0).uniform_(D(info, 1), D(info, 2)); return info[0]; })
OP(normal_, { T(info, 0).normal_(D(info, 1), D(info, 2)); return info[0]; })
OP(clamp_, { T(info, 0).clamp_(OS(info, 1), OS(info, 2)); return info[0]; })

// ---- optimizer steps: torch.optim's single-tensor algorithms (1.13), in place ----
// adamStep(param, grad, expAvg, expAvgSq, step, lr, beta1, beta2, eps, weightDecay)
OP(adamStep, {
  at::NoGradGuard ng;
  at::Tensor& p = T(info, 0);
  at::Tensor g = T(info, 1);
  at::Tensor& m = T(info, 2);
  at::Tensor& v = T(info, 3);
  double step = D(info, 4), lr = D(info, 5), b1 = D(info, 6), b2 = D(info, 7), eps = D(info, 8), wd = D(info, 9);
  if (wd != 0) g = g.add(p, wd);
  m.mul_(b1).add_(g, 1 - b1);
  v.mul_(b2).addcmul_(g, g, 1 - b2);
  double bc1 = 1 - std::pow(b1, step);
  double bc2 = 1 - std::pow(b2, step);
  double stepSize = lr / bc1;
  at::Tensor denom = (v.sqrt() / std::sqrt(bc2)).add_(eps);
  p.addcdiv_(m, denom, -stepSize);
  return Undef(info);
})
// sgdStep(param, grad, momentumBuffer|null, lr, momentum, dampening, weightDecay, nesterov) -> buffer|null
OP(sgdStep, {
  at::NoGradGuard ng;
  at::Tensor& p = T(info, 0);
  at::Tensor g = T(info, 1);
  auto buf = OT(info, 2);
  double lr = D(info, 3), momentum = D(info, 4), dampening = D(info, 5), wd = D(info, 6);
  bool nesterov = B(info, 7);
  if (wd != 0) g = g.add(p, wd);
  at::Tensor newBuf;
  if (momentum != 0) {
    if (!buf) {
      newBuf = g.clone().detach();
    } else {
      newBuf = *buf;
      newBuf.mul_(momentum).add_(g, 1 - dampening);
    }
    g = nesterov ? g.add(newBuf, momentum) : newBuf;
  }
  p.add_(g, -lr);
  if (momentum == 0) return info.Env().Null();
  if (buf) return info[2];
  return W(info, newBuf);
})

// unscaleGrads(grads, invScale) -> found a non-finite value: GradScaler's unscale. On CUDA it is torch's fused
// kernel (_amp_foreach_non_finite_check_and_unscale_, grads of one device and dtype); libtorch 1.13 has no CPU
// kernel for it, so elsewhere the same rule runs op by op: check the values before scaling, then multiply.
OP(unscaleGrads, {
  at::NoGradGuard ng;
  std::vector<at::Tensor> g = Tensors(info, 0);
  double inv = D(info, 1);
  if (g.empty()) return Napi::Boolean::New(info.Env(), false);
  bool fused = true;
  for (const auto& t : g) fused = fused && t.is_cuda() && t.device() == g[0].device() && t.scalar_type() == g[0].scalar_type();
  if (fused) {
    at::Tensor found = at::zeros({1}, g[0].options().dtype(at::kFloat));
    at::_amp_foreach_non_finite_check_and_unscale_(g, found, at::full({1}, inv, found.options()));
    return Napi::Boolean::New(info.Env(), found.item<float>() != 0);
  }
  bool found = false;
  for (auto& t : g) {
    if (!found && !at::isfinite(t).all().item<bool>()) found = true;
    t.mul_(inv);
  }
  return Napi::Boolean::New(info.Env(), found);
})

// ---- runtime ----
OP(setNumThreads, { at::set_num_threads(static_cast<int>(I(info, 0))); return Undef(info); })
OP(getNumThreads, { return Num(info, at::get_num_threads()); })
// The caching CPU allocator's counters (bytes), or null when it is off (HPAIC_CPU_CACHE=0).
OP(cpuCacheStats, {
  CachingCpuAllocator* a = CachingCpuAllocator::instance();
  if (!a) return info.Env().Null();
  const auto st = a->stats();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("hits", Napi::Number::New(info.Env(), static_cast<double>(st.hits)));
  o.Set("misses", Napi::Number::New(info.Env(), static_cast<double>(st.misses)));
  o.Set("liveBytes", Napi::Number::New(info.Env(), static_cast<double>(st.liveBytes)));
  o.Set("cachedBytes", Napi::Number::New(info.Env(), static_cast<double>(st.cachedBytes)));
  o.Set("mappedBytes", Napi::Number::New(info.Env(), static_cast<double>(st.mappedBytes)));
  o.Set("releasedBytes", Napi::Number::New(info.Env(), static_cast<double>(st.released)));
  o.Set("peakLiveBytes", Napi::Number::New(info.Env(), static_cast<double>(st.peakLiveBytes)));
  o.Set("peakMappedBytes", Napi::Number::New(info.Env(), static_cast<double>(st.peakMappedBytes)));
  return o;
})
OP(cpuCacheEmpty, {
  CachingCpuAllocator* a = CachingCpuAllocator::instance();
  return Num(info, a ? static_cast<double>(a->emptyCache()) : 0.0);
})
OP(cudaAvailable, { return Napi::Boolean::New(info.Env(), at::detail::getCUDAHooks().hasCUDA()); })
OP(cudaDeviceCount, { return Num(info, at::detail::getCUDAHooks().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0); })
OP(version, {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("torch", Napi::String::New(info.Env(), TORCH_VERSION));
  o.Set("cxx11Abi", Napi::Boolean::New(info.Env(), _GLIBCXX_USE_CXX11_ABI));
#ifdef HPAIC_WITH_CUDA
  o.Set("cuda", Napi::Boolean::New(info.Env(), true));
#else
  o.Set("cuda", Napi::Boolean::New(info.Env(), false));
#endif
  return o;
})

}  // namespace

void registerOps(Napi::Env env, Napi::Object exports) { exportRegisteredOps(env, exports); }

}  // namespace hpaic
