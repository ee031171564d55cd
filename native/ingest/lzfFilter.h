// The LZF filter as h5py defines it (filter id 32000, client data {4, LZF_VERSION, chunk bytes}), on Debian's
// liblzf, whose output is byte-identical to the chunks h5py writes (checked in test/golden/nativeHdf5Writer).
#pragma once
#include <cstddef>
#include <cstdint>

namespace hpaic_ingest {

constexpr int kLzfFilterId = 32000;
// h5py's filter version (its lzf_filter.c), the first client value it stores.
constexpr unsigned kH5pyLzfFilterVersion = 4;

// Registers the filter with libhdf5 once, so that datasets can declare it and HDF5 can read them back.
void registerLzfFilter();

// LZF-compress `n` bytes into `out` (room for n - 1 bytes, not initialised); the compressed size, or 0 when LZF
// cannot make them smaller, as h5py's filter refuses then.
size_t lzfCompress(const uint8_t* data, size_t n, uint8_t* out);

}  // namespace hpaic_ingest
