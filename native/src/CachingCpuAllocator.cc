// Why: in Node, glibc's dynamic mmap threshold moves libtorch's big tensors into the brk heap, where small
// long-lived allocations pin freed blocks (RSS grew ~50 MB per ResNet18/Adam step). Forcing them back to
// mmap (mallopt 1 MiB) keeps RSS flat but page-faults every big tensor on every step (0.72-0.80x PyTorch).
// Caching the mmapped blocks by size gives both: a step reuses the previous step's already-faulted buffers.
#include "CachingCpuAllocator.h"

#include <sys/mman.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <string>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

namespace hpaic {

static CachingCpuAllocator* g_instance = nullptr;

CachingCpuAllocator::CachingCpuAllocator(c10::Allocator* fallback, size_t minBytes, size_t capBytes)
    : fallback_(fallback), minBytes_(minBytes), capBytes_(capBytes) {}

// Rounds up to the next multiple of 1/8 of the request's power of two (<= 12.5% waste), so tensors of nearly
// the same size share a bucket; never finer than a page, since blocks are whole mmaps.
size_t CachingCpuAllocator::bucketSize(size_t n) const {
  size_t pow2 = size_t(1) << (63 - __builtin_clzll(static_cast<unsigned long long>(n)));
  size_t step = pow2 / 8;
  const size_t page = 4096;
  if (step < page) step = page;
  return (n + step - 1) / step * step;
}

c10::DataPtr CachingCpuAllocator::allocate(size_t n) const { return allocateImpl(n); }
c10::DataPtr CachingCpuAllocator::allocate(size_t n) { return allocateImpl(n); }

c10::DeleterFnPtr CachingCpuAllocator::raw_deleter() const { return &CachingCpuAllocator::deleter; }

void CachingCpuAllocator::copy_data(void* dest, const void* src, std::size_t count) const {
  if (count) std::memcpy(dest, src, count);
}

c10::DataPtr CachingCpuAllocator::allocateImpl(size_t n) const {
  if (n < minBytes_) {
    return fallback_->allocate(n);
  }
  const size_t size = bucketSize(n);
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      stats_.cachedBytes -= size;
      stats_.hits++;
    } else {
      stats_.misses++;
    }
    if (p) {
      live_.emplace(p, size);
      stats_.liveBytes += size;
    }
  }
  if (!p) {
    void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      // Out of address space or memory: give the cache back to the OS and try once more.
      {
        std::lock_guard<std::mutex> lock(mu_);
        releaseCachedLocked(SIZE_MAX);
      }
      m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      TORCH_CHECK(m != MAP_FAILED, "hpaic CachingCpuAllocator: out of memory allocating ", n, " bytes");
    }
    p = m;
    std::lock_guard<std::mutex> lock(mu_);
    live_.emplace(p, size);
    stats_.liveBytes += size;
    stats_.mappedBytes += size;
  }
  return c10::DataPtr(p, p, &CachingCpuAllocator::deleter, c10::Device(c10::DeviceType::CPU));
}

// Unmaps cached blocks until at least `need` bytes were released (or none are left). Caller holds mu_.
size_t CachingCpuAllocator::releaseCachedLocked(size_t need) const {
  size_t released = 0;
  for (auto& [size, blocks] : free_) {
    while (!blocks.empty() && released < need) {
      munmap(blocks.back(), size);
      blocks.pop_back();
      released += size;
      stats_.cachedBytes -= size;
      stats_.mappedBytes -= size;
    }
    if (released >= need) break;
  }
  stats_.released += released;
  return released;
}

size_t CachingCpuAllocator::emptyCache() {
  std::lock_guard<std::mutex> lock(mu_);
  return releaseCachedLocked(SIZE_MAX);
}

void CachingCpuAllocator::release(void* p) const {
  size_t size = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(p);
    if (it != live_.end()) {
      size = it->second;
      live_.erase(it);
      stats_.liveBytes -= size;
      if (stats_.cachedBytes + size > capBytes_) releaseCachedLocked(stats_.cachedBytes + size - capBytes_);
      if (stats_.cachedBytes + size <= capBytes_) {
        free_[size].push_back(p);
        stats_.cachedBytes += size;
        return;
      }
      stats_.mappedBytes -= size;
      stats_.released += size;
    }
  }
  if (size) {
    munmap(p, size);
    return;
  }
  // Not ours: raw_allocate of a small request handed out the fallback's pointer.
  c10::DeleterFnPtr d = fallback_->raw_deleter();
  TORCH_CHECK(d, "hpaic CachingCpuAllocator: cannot free a pointer it does not know");
  d(p);
}

void CachingCpuAllocator::deleter(void* p) {
  if (p) g_instance->release(p);
}

CachingCpuAllocator::Stats CachingCpuAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

static size_t envSize(const char* name, size_t dflt, size_t unit) {
  const char* v = std::getenv(name);
  if (!v || !*v) return dflt;
  char* end = nullptr;
  unsigned long long x = std::strtoull(v, &end, 10);
  if (end == v) return dflt;
  return static_cast<size_t>(x) * unit;
}

CachingCpuAllocator* CachingCpuAllocator::instance() { return g_instance; }

CachingCpuAllocator* CachingCpuAllocator::install() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* off = std::getenv("HPAIC_CPU_CACHE");
    if (off && std::string(off) == "0") return;
    long pages = sysconf(_SC_PHYS_PAGES);
    long pageSize = sysconf(_SC_PAGESIZE);
    size_t phys = pages > 0 && pageSize > 0 ? size_t(pages) * size_t(pageSize) : (size_t(8) << 30);
    size_t cap = envSize("HPAIC_CPU_CACHE_MB", phys / 4, size_t(1) << 20);
    size_t minBytes = envSize("HPAIC_CPU_CACHE_MIN_KB", 256, 1024);
    if (minBytes < 4096) minBytes = 4096;
    // Never destroyed: tensors may be freed during process exit, after static destructors ran.
    g_instance = new CachingCpuAllocator(c10::GetCPUAllocator(), minBytes, cap);
    c10::SetCPUAllocator(g_instance, /*priority=*/100);
  });
  return g_instance;
}

}  // namespace hpaic
