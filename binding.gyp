{
  "variables": {
    "with_native_ingest%": "<!(node scripts/find-ingest-libs.mjs --found)"
  },
  "targets": [{
    "target_name": "hpaic",
    "sources": ["native/src/addon.cc", "native/src/AddonTensor.cc", "native/src/ops.cc", "native/src/CachingCpuAllocator.cc", "native/src/dist.cc"],
    "include_dirs": ["<!@(node -p \"require('node-addon-api').include_dir\")", "<!@(node scripts/find-libtorch.mjs --includes)"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "<!@(node scripts/find-libtorch.mjs --defines)"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
    "libraries": ["<!@(node scripts/find-libtorch.mjs --libdirs)", "-Wl,--no-as-needed", "<!@(node scripts/find-libtorch.mjs --libs)", "-Wl,--as-needed", "-Wl,-z,now"]
  },
  {
    "target_name": "hpaic_ingest",
    "conditions": [
      ["with_native_ingest==1", {
        "sources": ["native/ingest/addon.cc", "native/ingest/ImageStoreWriter.cc", "native/ingest/encodeLzf.cc", "native/ingest/decodePngPlanes.cc", "native/ingest/resampleU8.cc", "native/ingest/lzfFilter.cc"],
        "include_dirs": ["<!@(node -p \"require('node-addon-api').include_dir\")", "<!@(node scripts/find-ingest-libs.mjs --includes)"],
        "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"],
        "cflags!": ["-fno-exceptions"],
        "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
        "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wno-unused-parameter"],
        "libraries": ["<!@(node scripts/find-ingest-libs.mjs --libs)"]
      }, {
        "type": "none"
      }]
    ]
  }]
}
