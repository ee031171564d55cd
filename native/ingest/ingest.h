// What each file of the ingest addon gives addon.cc.
#pragma once
#include <napi.h>

namespace hpaic_ingest {

// new ImageStoreWriter(path, options): ImageStoreWriter.cc
Napi::Function DefineImageStoreWriter(Napi::Env env);
// encodeLzf(image) → Promise<{ data, filterMask }>: encodeLzf.cc
Napi::Value EncodeLzf(const Napi::CallbackInfo& info);
// decodePngPlanes(zstreams, width, height, channels) → Promise<Uint8Array>: decodePngPlanes.cc
Napi::Value DecodePngPlanes(const Napi::CallbackInfo& info);

// resampleU8(src, inW, channels, firstRow, rows, horizontal, vertical, luma) → Promise<Uint8Array>: resampleU8.cc
Napi::Value ResampleU8(const Napi::CallbackInfo& info);

}  // namespace hpaic_ingest
