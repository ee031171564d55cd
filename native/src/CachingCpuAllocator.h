// A caching CPU allocator for libtorch: big tensor buffers come from mmap and go back to a free list on free,
// so a training step reuses the previous step's buffers instead of page-faulting fresh mmaps or fragmenting
// glibc's brk heap (see CachingCpuAllocator.cc for the measurements that motivated it). The free list is bounded
// by the working set: it holds at most `boundFactor` × the peak of live bytes, and a block left unused for
// `ageSeconds` is unmapped.
#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>
#include <c10/core/Allocator.h>

namespace hpaic {

class CachingCpuAllocator final : public c10::Allocator {
 public:
  struct Limits {
    size_t capBytes = SIZE_MAX;  // free-list bytes, absolute (HPAIC_CPU_CACHE_MB)
    double boundFactor = 1.5;    // free-list bytes ≤ boundFactor × peak live bytes (HPAIC_CPU_CACHE_BOUND)
    double ageSeconds = 30;      // a free block unused this long is unmapped; 0 = never (HPAIC_CPU_CACHE_AGE_S)
    double mapLimit = 0;         // mapped ≤ mapLimit × working set before a new mapping; 0 = off (HPAIC_CPU_CACHE_LIMIT)
  };
  // `fallback` serves the small requests (and keeps its own deleter); `minBytes` is the smallest request
  // served from the cache.
  CachingCpuAllocator(c10::Allocator* fallback, size_t minBytes, const Limits& limits);

  // libtorch 1.x declares `allocate` const, 2.3+ non-const: both overloads exist so that whichever the
  // installed headers declare pure virtual is overridden (the other one is a plain overload).
  c10::DataPtr allocate(size_t n) const;
  c10::DataPtr allocate(size_t n);
  c10::DeleterFnPtr raw_deleter() const;
  // Pure virtual in libtorch 2.3+; a harmless extra member before that.
  void copy_data(void* dest, const void* src, std::size_t count) const;

  struct Stats {
    uint64_t hits, misses, liveBytes, cachedBytes, mappedBytes, released, peakLiveBytes, peakMappedBytes;
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
  void releaseAgedLocked() const;
  void unmapOldestLocked() const;
  void* takeFreeLocked(size_t size, size_t* got) const;

  struct FreeBlock {
    void* p;
    size_t size;
    uint64_t freedAt;  // steady-clock nanoseconds when it was freed
  };

  c10::Allocator* fallback_;
  size_t minBytes_;
  size_t capBytes_;
  double boundFactor_;
  double mapLimit_;
  uint64_t ageNs_;
  mutable std::mutex mu_;
  mutable std::list<FreeBlock> lru_;                                        // free blocks, oldest first
  mutable std::unordered_map<void*, std::list<FreeBlock>::iterator> freePos_;  // free block -> its lru_ entry
  mutable std::multimap<size_t, void*> bySize_;                             // free blocks by size (best fit)
  mutable std::unordered_map<void*, size_t> live_;                          // block -> mapped size
  mutable Stats stats_{};
};

}  // namespace hpaic
