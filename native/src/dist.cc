// c10d in the addon: the stores (TCPStore server/client, PrefixStore) and process groups (Gloo; NCCL only when the
// libtorch found has it) of torch.distributed, called the way torch/distributed/distributed_c10d.py 1.13 calls them,
// so an hpaic rank and a PyTorch rank can share one group. Thin like ops.cc: the rendezvous order, the key prefixes
// and the store barrier live in src/dist. Handles are Napi::External boxes tagged with what they hold.
//
// Both c10d generations compile: 1.13's ProcessGroupGloo derives from ProcessGroup, 2.x's from Backend; the
// collectives used here (broadcast, allreduce, allgather, barrier) have the same signatures on both.
#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/autograd/custom_function.h>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>
#include "AddonTensor.h"
#include "guard.h"
#include "op.h"

namespace hpaic {
namespace {

using Info = const Napi::CallbackInfo&;
using ms = std::chrono::milliseconds;

struct StoreBox {
  static constexpr uint32_t kTag = 0x53544f52;  // 'STOR'
  uint32_t tag = kTag;
  c10::intrusive_ptr<c10d::Store> store;
};

// One collective interface over the backends compiled in; each entry holds the concrete class.
struct GroupBox {
  static constexpr uint32_t kTag = 0x47525550;  // 'GRUP'
  uint32_t tag = kTag;
  std::string backend;
#ifdef USE_C10D_GLOO
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#endif
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  template <typename F>
  c10::intrusive_ptr<c10d::Work> call(F&& f) {
#ifdef USE_C10D_GLOO
    if (gloo) return f(*gloo);
#endif
#ifdef USE_C10D_NCCL
    if (nccl) return f(*nccl);
#endif
    throw std::runtime_error("the process group was destroyed");
  }
};

// A thread that keeps setting `<prefix><rank>` to a rising counter on its own store connection, so that after a
// failed collective the survivors can tell which rank stopped (a rank killed with -9 cannot say so itself).
struct HeartbeatBox {
  static constexpr uint32_t kTag = 0x48425454;  // 'HBTT'
  uint32_t tag = kTag;
  std::atomic<bool> stop{false};
  std::thread thread;
  ~HeartbeatBox() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

template <typename Box>
Box* unbox(Info info, size_t i, const char* what) {
  if (!info[i].IsExternal()) throw std::invalid_argument(std::string("argument ") + std::to_string(i + 1) + " must be a " + what + " handle");
  auto* b = info[i].As<Napi::External<Box>>().Data();
  if (!b || b->tag != Box::kTag) throw std::invalid_argument(std::string("argument ") + std::to_string(i + 1) + " is not a " + what + " handle");
  return b;
}

template <typename Box>
Napi::Value box(Info info, Box* b) {
  return Napi::External<Box>::New(info.Env(), b, [](Napi::Env, Box* p) { delete p; });
}

c10::intrusive_ptr<c10d::Store>& St(Info info, size_t i) { return unbox<StoreBox>(info, i, "store")->store; }
GroupBox& G(Info info, size_t i) { return *unbox<GroupBox>(info, i, "process group"); }
std::string Str(Info info, size_t i) { return info[i].As<Napi::String>().Utf8Value(); }
int64_t I(Info info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
bool B(Info info, size_t i) { return info[i].As<Napi::Boolean>().Value(); }
std::vector<std::string> Strs(Info info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<std::string> v(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) v[k] = a.Get(k).As<Napi::String>().Utf8Value();
  return v;
}
std::vector<at::Tensor> Tensors(Info info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> v;
  v.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) v.push_back(unwrap(a.Get(k)));
  return v;
}
std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// Blocks until the collective is done or the timeout passes (c10d then throws, naming the operation).
void waitFor(const c10::intrusive_ptr<c10d::Work>& work, int64_t timeoutMs) {
  work->wait(ms(timeoutMs));
}

#define OP HPAIC_OP

// ---- stores ----
OP(distTcpStore, {
  // (host, port, worldSize, isServer, timeoutMs, waitWorkers, multiTenant): torch's TCPStore(host, port, world_size,
  // is_master, timeout, wait_for_workers, multi_tenant). worldSize < 0 = unknown (agent-store clients).
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(I(info, 1));
  const int64_t world = I(info, 2);
  if (world >= 0) o.numWorkers = static_cast<size_t>(world);
  o.isServer = B(info, 3);
  o.timeout = ms(I(info, 4));
  o.waitWorkers = B(info, 5);
  o.multiTenant = B(info, 6);
  auto* b = new StoreBox();
  try {
    b->store = c10::make_intrusive<c10d::TCPStore>(Str(info, 0), o);
  } catch (...) {
    delete b;
    throw;
  }
  return box(info, b);
})
OP(distPrefixStore, {
  auto* b = new StoreBox();
  b->store = c10::make_intrusive<c10d::PrefixStore>(Str(info, 0), St(info, 1));
  return box(info, b);
})
OP(distStorePort, {
  auto* tcp = dynamic_cast<c10d::TCPStore*>(St(info, 0).get());
  if (!tcp) throw std::invalid_argument("not a TCPStore");
  return Napi::Number::New(info.Env(), tcp->getPort());
})
OP(distStoreSetTimeout, { St(info, 0)->setTimeout(ms(I(info, 1))); return info.Env().Undefined(); })
OP(distStoreSet, { St(info, 0)->set(Str(info, 1), Bytes(Str(info, 2))); return info.Env().Undefined(); })
OP(distStoreGet, {
  auto v = St(info, 0)->get(Str(info, 1));
  return Napi::String::New(info.Env(), std::string(v.begin(), v.end()));
})
OP(distStoreAdd, { return Napi::Number::New(info.Env(), static_cast<double>(St(info, 0)->add(Str(info, 1), I(info, 2)))); })
OP(distStoreCheck, { return Napi::Boolean::New(info.Env(), St(info, 0)->check(Strs(info, 1))); })
OP(distStoreWait, { St(info, 0)->wait(Strs(info, 1), ms(I(info, 2))); return info.Env().Undefined(); })

// ---- process groups ----
OP(distBackends, {
  Napi::Array a = Napi::Array::New(info.Env());
  uint32_t n = 0;
#ifdef USE_C10D_GLOO
  a.Set(n++, "gloo");
#endif
#ifdef USE_C10D_NCCL
  a.Set(n++, "nccl");
#endif
  (void)n;
  return a;
})
OP(distNewGroup, {
  // (backend, store, rank, size, timeoutMs)
  const std::string backend = Str(info, 0);
  auto& store = St(info, 1);
  const int rank = static_cast<int>(I(info, 2));
  const int size = static_cast<int>(I(info, 3));
  const ms timeout(I(info, 4));
  auto* b = new GroupBox();
  b->backend = backend;
  try {
#ifdef USE_C10D_GLOO
    if (backend == "gloo") {
      // As torch/csrc/distributed/c10d/init.cpp builds it for Python: the interfaces in GLOO_SOCKET_IFNAME, else the
      // address this host name resolves to (loopback when it resolves to none); two threads per device.
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      const char* ifnames = std::getenv("GLOO_SOCKET_IFNAME");
      if (ifnames && *ifnames) {
        std::string s(ifnames);
        size_t start = 0;
        while (start <= s.size()) {
          size_t comma = s.find(',', start);
          std::string name = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          if (!name.empty()) opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      } else {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      opts->threads = static_cast<int>(opts->devices.size() * 2);
      b->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
    }
#endif
#ifdef USE_C10D_NCCL
    if (backend == "nccl") {
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      b->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, opts);
    }
#endif
    bool made = false;
#ifdef USE_C10D_GLOO
    made = made || b->gloo;
#endif
#ifdef USE_C10D_NCCL
    made = made || b->nccl;
#endif
    if (!made) throw std::invalid_argument("the backend \"" + backend + "\" is not compiled into this addon");
  } catch (...) {
    delete b;
    throw;
  }
  return box(info, b);
})
OP(distSetSequenceNumber, {
  // torch.distributed calls this right after its store barrier (init_process_group, gloo and nccl).
  G(info, 0).call([](auto& pg) {
    pg.setSequenceNumberForGroup();
    return c10::intrusive_ptr<c10d::Work>();
  });
  return info.Env().Undefined();
})
OP(distBroadcast, {
  // (group, tensors, rootRank, timeoutMs): in place.
  auto tensors = Tensors(info, 1);
  c10d::BroadcastOptions o;
  o.rootRank = I(info, 2);
  o.timeout = ms(I(info, 3));
  waitFor(G(info, 0).call([&](auto& pg) { return pg.broadcast(tensors, o); }), I(info, 3));
  return info.Env().Undefined();
})
OP(distAllreduce, {
  // (group, tensors, op, timeoutMs), in place; op: 0 sum, 1 average (Gloo has no AVG: sum, then divide by the size),
  // 2 max, 3 min.
  auto tensors = Tensors(info, 1);
  const int64_t op = I(info, 2);
  c10d::AllreduceOptions o;
  o.reduceOp = op == 2 ? c10d::ReduceOp::MAX : op == 3 ? c10d::ReduceOp::MIN : c10d::ReduceOp::SUM;
  o.timeout = ms(I(info, 3));
  auto& g = G(info, 0);
  waitFor(g.call([&](auto& pg) { return pg.allreduce(tensors, o); }), I(info, 3));
  if (op == 1) {
    const int64_t size = [&] {
      int64_t s = 0;
      g.call([&](auto& pg) {
        s = pg.getSize();
        return c10::intrusive_ptr<c10d::Work>();
      });
      return s;
    }();
    for (auto& t : tensors) t.div_(size);
  }
  return info.Env().Undefined();
})
OP(distAllgather, {
  // (group, outputs, input, timeoutMs): outputs[r] receives rank r's input.
  std::vector<std::vector<at::Tensor>> out{Tensors(info, 1)};
  std::vector<at::Tensor> in{unwrap(info[2])};
  c10d::AllgatherOptions o;
  o.timeout = ms(I(info, 3));
  waitFor(G(info, 0).call([&](auto& pg) { return pg.allgather(out, in, o); }), I(info, 3));
  return info.Env().Undefined();
})
OP(distBarrier, {
  c10d::BarrierOptions o;
  o.timeout = ms(I(info, 1));
  waitFor(G(info, 0).call([&](auto& pg) { return pg.barrier(o); }), I(info, 1));
  return info.Env().Undefined();
})

// ---- SyncBatchNorm ----
// torch.nn.SyncBatchNorm's arithmetic as one autograd function: the batch statistics are summed over the ranks in
// forward (Σx, Σx², count), and backward sums Σdy and Σdy·(x−μ) over the ranks before forming the input gradient, so
// each rank's input gradient is that of the loss summed over all ranks. The weight and bias gradients stay local, as
// in PyTorch: the gradient allreduce of data parallelism averages them. Reduces over every dim but 1 ((N,C), (N,C,H,W)).
struct SyncBatchNormFn : public torch::autograd::Function<SyncBatchNormFn> {
  static std::vector<int64_t> reduceDims(const at::Tensor& x) {
    std::vector<int64_t> d;
    for (int64_t i = 0; i < x.dim(); i++)
      if (i != 1) d.push_back(i);
    return d;
  }
  static std::vector<int64_t> channelShape(const at::Tensor& x) {
    std::vector<int64_t> s(x.dim(), 1);
    s[1] = x.size(1);
    return s;
  }
  static void allreduceSum(GroupBox* g, at::Tensor& t, int64_t timeoutMs) {
    std::vector<at::Tensor> ts{t};
    c10d::AllreduceOptions o;
    o.timeout = ms(timeoutMs);
    waitFor(g->call([&](auto& pg) { return pg.allreduce(ts, o); }), timeoutMs);
  }
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, at::Tensor x, at::Tensor weight, at::Tensor bias, at::Tensor runningMean, at::Tensor runningVar,
                            double momentum, double eps, int64_t group, int64_t timeoutMs) {
    auto* g = reinterpret_cast<GroupBox*>(group);
    const int64_t C = x.size(1);
    const auto dims = reduceDims(x);
    const auto shape = channelShape(x);
    auto xd = x.to(at::kDouble);  // the sums of squares in double: E[x²] − μ² cancels badly in float
    auto stats = at::cat({xd.sum(dims), (xd * xd).sum(dims), at::full({1}, static_cast<double>(x.numel() / C), xd.options())});
    allreduceSum(g, stats, timeoutMs);
    const double count = stats[2 * C].item<double>();
    auto mean = stats.slice(0, 0, C) / count;
    auto var = (stats.slice(0, C, 2 * C) / count - mean * mean).clamp_min(0);
    auto invstd = (var + eps).rsqrt();
    {
      at::NoGradGuard ng;
      if (runningMean.defined()) runningMean.mul_(1 - momentum).add_(mean.to(runningMean.scalar_type()) * momentum);
      if (runningVar.defined()) runningVar.mul_(1 - momentum).add_((var * (count / std::max(count - 1, 1.0))).to(runningVar.scalar_type()) * momentum);
    }
    auto meanT = mean.to(x.scalar_type());
    auto invstdT = invstd.to(x.scalar_type());
    auto y = (x - meanT.view(shape)) * invstdT.view(shape);
    if (weight.defined()) y = y * weight.view(shape);
    if (bias.defined()) y = y + bias.view(shape);
    ctx->save_for_backward({x, weight, meanT, invstdT});
    ctx->saved_data["group"] = group;
    ctx->saved_data["timeout"] = timeoutMs;
    ctx->saved_data["count"] = count;
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto x = saved[0], weight = saved[1], mean = saved[2], invstd = saved[3];
    auto* g = reinterpret_cast<GroupBox*>(ctx->saved_data["group"].toInt());
    const int64_t timeoutMs = ctx->saved_data["timeout"].toInt();
    const double count = ctx->saved_data["count"].toDouble();
    const int64_t C = x.size(1);
    const auto dims = reduceDims(x);
    const auto shape = channelShape(x);
    auto gy = grads[0];
    auto xmu = x - mean.view(shape);
    auto sumDy = gy.sum(dims);
    auto sumDyXmu = (gy * xmu).sum(dims);
    auto packed = at::cat({sumDy, sumDyXmu}).to(at::kDouble);
    allreduceSum(g, packed, timeoutMs);
    auto gSumDy = (packed.slice(0, 0, C) / count).to(x.scalar_type());
    auto gSumDyXmu = (packed.slice(0, C, 2 * C) / count).to(x.scalar_type());
    auto scale = weight.defined() ? invstd * weight : invstd;
    auto gradInput = (gy - gSumDy.view(shape) - xmu * (invstd * invstd).view(shape) * gSumDyXmu.view(shape)) * scale.view(shape);
    at::Tensor gradWeight = weight.defined() ? sumDyXmu * invstd : at::Tensor();
    at::Tensor gradBias = sumDy;
    return {gradInput, gradWeight, gradBias, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

OP(distSyncBatchNorm, {
  // (group, x, weight, bias, runningMean, runningVar, momentum, eps, timeoutMs): training mode only.
  auto& g = G(info, 0);
  auto opt = [&](size_t i) { return info[i].IsNull() || info[i].IsUndefined() ? at::Tensor() : unwrap(info[i]); };
  auto y = SyncBatchNormFn::apply(unwrap(info[1]), opt(2), opt(3), opt(4), opt(5), info[6].As<Napi::Number>().DoubleValue(), info[7].As<Napi::Number>().DoubleValue(),
                                  reinterpret_cast<int64_t>(&g), I(info, 8));
  return wrap(info.Env(), y);
})

// ---- liveness ----
OP(distHeartbeat, {
  // (host, port, keyPrefix, rank, intervalMs) → handle; the thread stops when the handle is collected or stopped.
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(I(info, 1));
  o.isServer = false;
  o.waitWorkers = false;
  o.timeout = ms(10000);
  auto store = c10::make_intrusive<c10d::PrefixStore>(Str(info, 2), c10::make_intrusive<c10d::TCPStore>(Str(info, 0), o));
  const std::string key = std::to_string(I(info, 3));
  const ms interval(I(info, 4));
  auto* b = new HeartbeatBox();
  b->thread = std::thread([b, store, key, interval] {
    int64_t beat = 0;
    while (!b->stop) {
      try {
        store->set(key, Bytes(std::to_string(++beat)));
      } catch (...) {
        return;  // the store is gone (its host rank stopped): nothing left to report to
      }
      for (auto waited = ms(0); waited < interval && !b->stop; waited += ms(20)) std::this_thread::sleep_for(ms(20));
    }
  });
  return box(info, b);
})
OP(distHeartbeatStop, {
  auto* b = unbox<HeartbeatBox>(info, 0, "heartbeat");
  b->stop = true;
  if (b->thread.joinable()) b->thread.join();
  return info.Env().Undefined();
})

}  // namespace
}  // namespace hpaic
