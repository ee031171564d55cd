// The optional ingest addon (build/Release/hpaic_ingest.node): what `hpaic convert` needs to run at the speed of
// the machine, with no libtorch: PNG planes decoded with libdeflate, LZF chunks, the native store writer, and
// Pillow's 8-bit resampling for the HPAv18 downloader.
#include <napi.h>

#include <string>

#include <hdf5.h>

#include "ingest.h"
#include "lzfFilter.h"

namespace {

Napi::Value Hdf5Version(const Napi::CallbackInfo& info) {
  unsigned a, b, c;
  H5get_libversion(&a, &b, &c);
  return Napi::String::New(info.Env(), std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c));
}

}  // namespace

static Napi::Object InitIngestAddon(Napi::Env env, Napi::Object exports) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions with the innermost message, not stderr dumps
  hpaic_ingest::registerLzfFilter();
  exports.Set("ImageStoreWriter", hpaic_ingest::DefineImageStoreWriter(env));
  exports.Set("encodeLzf", Napi::Function::New(env, hpaic_ingest::EncodeLzf));
  exports.Set("decodePngPlanes", Napi::Function::New(env, hpaic_ingest::DecodePngPlanes));
  exports.Set("resampleU8", Napi::Function::New(env, hpaic_ingest::ResampleU8));
  exports.Set("hdf5Version", Napi::Function::New(env, Hdf5Version));
  return exports;
}

NODE_API_MODULE(hpaic_ingest, InitIngestAddon)
