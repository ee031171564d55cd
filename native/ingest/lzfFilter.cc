#include "lzfFilter.h"

#include <cerrno>
#include <cstdlib>

#include <hdf5.h>
#include <lzf.h>

namespace hpaic_ingest {

namespace {

// The HDF5 filter callback: compress on write, decompress on read (HDF5 owns *buf, allocated with malloc).
size_t lzfFilterCallback(unsigned flags, size_t cdNelmts, const unsigned cdValues[], size_t nbytes, size_t* bufSize, void** buf) {
  if (flags & H5Z_FLAG_REVERSE) {
    size_t outSize = cdNelmts >= 3 && cdValues[2] != 0 ? cdValues[2] : *bufSize;
    for (;;) {
      void* out = std::malloc(outSize);
      if (!out) return 0;
      unsigned got = lzf_decompress(*buf, static_cast<unsigned>(nbytes), out, static_cast<unsigned>(outSize));
      if (got != 0) {
        std::free(*buf);
        *buf = out;
        *bufSize = outSize;
        return got;
      }
      std::free(out);
      if (errno != E2BIG) return 0;
      outSize *= 2;  // client data without the chunk size: grow until it fits, as h5py does
    }
  }
  void* out = std::malloc(nbytes);
  if (!out) return 0;
  unsigned got = lzf_compress(*buf, static_cast<unsigned>(nbytes), out, static_cast<unsigned>(nbytes));
  if (got == 0) {
    std::free(out);
    return 0;  // incompressible: the filter is optional, so HDF5 stores the chunk as it is
  }
  std::free(*buf);
  *buf = out;
  *bufSize = nbytes;
  return got;
}

}  // namespace

void registerLzfFilter() {
  static bool done = false;
  if (done) return;
  static const H5Z_class2_t cls = {H5Z_CLASS_T_VERS, static_cast<H5Z_filter_t>(kLzfFilterId), 1, 1, "lzf", nullptr, nullptr, lzfFilterCallback};
  if (H5Zregister(&cls) < 0) return;  // the caller's next HDF5 call reports the stack
  done = true;
}

size_t lzfCompress(const uint8_t* data, size_t n, uint8_t* out) {
  return n < 2 ? 0 : lzf_compress(data, static_cast<unsigned>(n), out, static_cast<unsigned>(n - 1));
}

}  // namespace hpaic_ingest
