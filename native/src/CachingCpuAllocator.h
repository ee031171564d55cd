// A caching CPU allocator for libtorch: big tensor buffers come from mmap and go back to a size-bucketed free
// list on free, so a training step reuses the previous step's buffers instead of page-faulting fresh mmaps
// or fragmenting glibc's brk heap (see CachingCpuAllocator.cc for the measurements that motivated it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>
#include <c10/core/Allocator.h>

namespace hpaic {

class CachingCpuAllocator final : public c10::Allocator {
 public:
  // `fallback` serves the small requests (and keeps its own deleter); `minBytes` is the smallest request
  // served from the cache; `capBytes` bounds the bytes held in the free list (not the live ones).
  CachingCpuAllocator(c10::Allocator* fallback, size_t minBytes, size_t capBytes);

  // libtorch 1.x declares `allocate` const, 2.3+ non-const: both overloads exist so that whichever the
  // installed headers declare pure virtual is overridden (the other one is a plain overload).
  c10::DataPtr allocate(size_t n) const;
  c10::DataPtr allocate(size_t n);
  c10::DeleterFnPtr raw_deleter() const;
  // Pure virtual in libtorch 2.3+; a harmless extra member before that.
  void copy_data(void* dest, const void* src, std::size_t count) const;

  struct Stats {
    uint64_t hits, misses, liveBytes, cachedBytes, mappedBytes, released;
  };
  Stats stats() const;
  // Unmaps every cached (free) block; returns the bytes released.
  size_t emptyCache();

  // Installs the process-wide instance unless HPAIC_CPU_CACHE=0; idempotent. Returns it, or nullptr.
  static CachingCpuAllocator* install();
  static CachingCpuAllocator* instance();

 private:
  c10::DataPtr allocateImpl(size_t n) const;
  void release(void* p) const;
  static void deleter(void* p);
  size_t bucketSize(size_t n) const;
  size_t releaseCachedLocked(size_t need) const;

  c10::Allocator* fallback_;
  size_t minBytes_;
  size_t capBytes_;
  mutable std::mutex mu_;
  mutable std::unordered_map<size_t, std::vector<void*>> free_;  // bucket size -> free blocks (LIFO)
  mutable std::unordered_map<void*, size_t> live_;                // block -> bucket size
  mutable Stats stats_{};
};

}  // namespace hpaic
