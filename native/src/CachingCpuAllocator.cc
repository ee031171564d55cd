// Why: in Node, glibc's dynamic mmap threshold moves libtorch's big tensors into the brk heap, where small
// long-lived allocations pin freed blocks (RSS grew ~50 MB per ResNet18/Adam step). Forcing them back to
// mmap (mallopt 1 MiB) keeps RSS flat but page-faults every big tensor on every step (0.72-0.80x PyTorch).
// Caching the mmapped blocks by size gives both: a step reuses the previous step's already-faulted buffers.
#include "CachingCpuAllocator.h"

#include <sys/mman.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

namespace hpaic {

static CachingCpuAllocator* g_instance = nullptr;

static uint64_t nowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

CachingCpuAllocator::CachingCpuAllocator(c10::Allocator* fallback, size_t minBytes, const Limits& limits)
    : fallback_(fallback),
      minBytes_(minBytes),
      capBytes_(limits.capBytes),
      boundFactor_(limits.boundFactor),
      mapLimit_(limits.mapLimit),
      ageNs_(static_cast<uint64_t>(limits.ageSeconds * 1e9)) {}

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

// The free block for a request of `size` bytes (a bucket size), or nullptr: the exact bucket first, else the
// smallest block at most 1/4 bigger (two buckets up). A backward pass frees and asks for many nearly equal sizes;
// exact-size reuse alone left those blocks idle beside fresh mappings. (Taking any bigger block and giving its
// tail back with MADV_DONTNEED was tried: no lower peak RSS, 73k page faults per step, and live bytes counted
// whole blocks.)
void* CachingCpuAllocator::takeFreeLocked(size_t size, size_t* got) const {
  auto it = bySize_.find(size);
  if (it == bySize_.end()) it = bySize_.lower_bound(size);
  if (it == bySize_.end() || it->first > size + size / 4) return nullptr;
  void* p = it->second;
  *got = it->first;
  bySize_.erase(it);
  auto pos = freePos_.find(p);
  stats_.cachedBytes -= pos->second->size;
  lru_.erase(pos->second);
  freePos_.erase(pos);
  return p;
}

c10::DataPtr CachingCpuAllocator::allocateImpl(size_t n) const {
  if (n < minBytes_) {
    return fallback_->allocate(n);
  }
  const size_t size = bucketSize(n);
  void* p = nullptr;
  size_t got = size;
  {
    std::lock_guard<std::mutex> lock(mu_);
    releaseAgedLocked();
    p = takeFreeLocked(size, &got);
    if (p) {
      stats_.hits++;
      live_.emplace(p, got);
      stats_.liveBytes += got;
      if (stats_.liveBytes > stats_.peakLiveBytes) stats_.peakLiveBytes = stats_.liveBytes;
    } else {
      stats_.misses++;
    }
  }
  if (!p && mapLimit_ > 0) {
    // HPAIC_CPU_CACHE_LIMIT: before mapping more, give back the oldest free blocks so that the mapping stays
    // within mapLimit × the working set. Lower peak RSS for page faults: ResNet18, batch 16, 512², 1.15 gave a
    // 2.54 GB peak (PyTorch 2.41) with 350k faults per step; off: 3.12 GB and no faults after the first step.
    std::lock_guard<std::mutex> lock(mu_);
    const double ws = static_cast<double>(std::max<uint64_t>(stats_.peakLiveBytes, stats_.liveBytes + size));
    while (!lru_.empty() && static_cast<double>(stats_.mappedBytes + size) > mapLimit_ * ws) unmapOldestLocked();
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
    if (stats_.liveBytes > stats_.peakLiveBytes) stats_.peakLiveBytes = stats_.liveBytes;
    if (stats_.mappedBytes > stats_.peakMappedBytes) stats_.peakMappedBytes = stats_.mappedBytes;
  }
  return c10::DataPtr(p, p, &CachingCpuAllocator::deleter, c10::Device(c10::DeviceType::CPU));
}

// Unmaps the least recently freed block. Caller holds mu_ and checked lru_ is not empty.
void CachingCpuAllocator::unmapOldestLocked() const {
  const FreeBlock b = lru_.front();
  lru_.pop_front();
  freePos_.erase(b.p);
  auto [lo, hi] = bySize_.equal_range(b.size);
  for (auto it = lo; it != hi; ++it) {
    if (it->second == b.p) {
      bySize_.erase(it);
      break;
    }
  }
  munmap(b.p, b.size);
  stats_.cachedBytes -= b.size;
  stats_.mappedBytes -= b.size;
  stats_.released += b.size;
}

// Unmaps free blocks that no request took for `ageSeconds`: a training step asks again within one step for
// what it freed, so these belong to a finished phase (another image size, validation, a TTA batch shape) and
// only hold RSS. Time, not allocation counts: a step's allocation volume is unknown here (measured: an age of
// two working sets' worth of bytes unmapped and re-faulted 0.9-1.3 GB per ResNet18 step at 512²).
void CachingCpuAllocator::releaseAgedLocked() const {
  if (ageNs_ == 0 || lru_.empty()) return;
  const uint64_t now = nowNs();
  while (!lru_.empty() && now - lru_.front().freedAt > ageNs_) unmapOldestLocked();
}

// Unmaps the oldest cached blocks until at least `need` bytes were released (or none are left). Caller holds mu_.
size_t CachingCpuAllocator::releaseCachedLocked(size_t need) const {
  const uint64_t before = stats_.released;
  while (!lru_.empty() && stats_.released - before < need) unmapOldestLocked();
  return static_cast<size_t>(stats_.released - before);
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
      // The free list holds at most `boundFactor` peak working sets (and the absolute cap): older blocks make room.
      releaseAgedLocked();
      const uint64_t bound = std::min<uint64_t>(capBytes_, static_cast<uint64_t>(boundFactor_ * static_cast<double>(stats_.peakLiveBytes)));
      while (!lru_.empty() && stats_.cachedBytes + size > bound) unmapOldestLocked();
      if (stats_.cachedBytes + size <= bound) {
        auto pos = lru_.insert(lru_.end(), FreeBlock{p, size, nowNs()});
        freePos_.emplace(p, pos);
        bySize_.emplace(size, p);
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

static double envDouble(const char* name, double dflt) {
  const char* v = std::getenv(name);
  if (!v || !*v) return dflt;
  char* end = nullptr;
  double x = std::strtod(v, &end);
  return end == v || x < 0 ? dflt : x;
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
    // Free blocks held: at most 1.5 peak working sets. Measured (ResNet18 + seed head, batch 16, 512², Adam):
    // peak live 1.99 GB; a bound of 1.0 still unmapped and re-faulted 0.75 GB (190k page faults) per step, 1.5
    // reached zero misses after the first step with 2.88 GB mapped (1.45 peak working sets: size fragmentation).
    Limits limits;
    limits.capBytes = cap;
    limits.boundFactor = envDouble("HPAIC_CPU_CACHE_BOUND", 1.5);
    limits.ageSeconds = envDouble("HPAIC_CPU_CACHE_AGE_S", 30.0);
    limits.mapLimit = envDouble("HPAIC_CPU_CACHE_LIMIT", 0.0);
    // Never destroyed: tensors may be freed during process exit, after static destructors ran.
    g_instance = new CachingCpuAllocator(c10::GetCPUAllocator(), minBytes, limits);
    c10::SetCPUAllocator(g_instance, /*priority=*/100);
  });
  return g_instance;
}

}  // namespace hpaic
