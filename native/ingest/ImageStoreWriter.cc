// The native writer of hpaic/seed image stores: `images` (N, H, W, 4) uint8 in chunks of one image, LZF or no
// filter, and fixed-length `names`. Chunks arrive already compressed (encodeLzf.cc, on libuv's threads) and go
// to the file with H5Dwrite_chunk, which h5wasm does not offer; every libhdf5 call stays on the JS thread.
#include <napi.h>

#include <cstring>
#include <string>
#include <vector>

#include <hdf5.h>
#include <lzf.h>

#include "ingest.h"
#include "lzfFilter.h"

namespace hpaic_ingest {

namespace {

// The innermost message of HDF5's error stack: what went wrong where it was detected.
herr_t firstMinor(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (n == 0 && err->desc) *out = err->desc;
  if (n == 0 && out->empty()) {
    char buf[256];
    if (H5Eget_msg(err->min_num, nullptr, buf, sizeof buf) > 0) *out = buf;
  }
  return 0;
}

[[noreturn]] void throwHdf5(Napi::Env env, const std::string& path, const std::string& what) {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, firstMinor, &detail);
  H5Eclear2(H5E_DEFAULT);
  throw Napi::Error::New(env, path + ": " + what + (detail.empty() ? "" : " (" + detail + ")"));
}

class ImageStoreWriter final : public Napi::ObjectWrap<ImageStoreWriter> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ImageStoreWriter",
                       {InstanceAccessor<&ImageStoreWriter::Length>("length"), InstanceAccessor<&ImageStoreWriter::Height>("height"),
                        InstanceAccessor<&ImageStoreWriter::Width>("width"), InstanceAccessor<&ImageStoreWriter::NameLength>("nameLength"),
                        InstanceAccessor<&ImageStoreWriter::Compression>("compression"), InstanceMethod<&ImageStoreWriter::AppendChunk>("appendChunk"),
                        InstanceMethod<&ImageStoreWriter::Flush>("flush"), InstanceMethod<&ImageStoreWriter::Close>("close")});
  }

  // new ImageStoreWriter(path, { create: true, height, width, nameLength, compression: 'lzf' | 'none' })
  // new ImageStoreWriter(path, { create: false })   (append to an existing store)
  explicit ImageStoreWriter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ImageStoreWriter>(info) {
    Napi::Env env = info.Env();
    path_ = info[0].As<Napi::String>().Utf8Value();
    Napi::Object o = info[1].As<Napi::Object>();
    if (o.Get("create").ToBoolean()) {
      create(env, o.Get("height").As<Napi::Number>().Int64Value(), o.Get("width").As<Napi::Number>().Int64Value(),
             o.Get("nameLength").As<Napi::Number>().Int64Value(), o.Get("compression").As<Napi::String>().Utf8Value());
    } else {
      open(env);
    }
  }

  ~ImageStoreWriter() override { closeAll(); }

 private:
  void create(Napi::Env env, int64_t h, int64_t w, int64_t nameLength, const std::string& compression) {
    if (h < 1 || w < 1 || nameLength < 1) throw Napi::RangeError::New(env, "height, width and nameLength must be positive");
    if (compression != "lzf" && compression != "none") throw Napi::RangeError::New(env, "compression must be lzf or none, not " + compression);
    h_ = h;
    w_ = w;
    nameLength_ = nameLength;
    lzf_ = compression == "lzf";
    file_ = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file_ < 0) throwHdf5(env, path_, "cannot create the HDF5 file");
    hsize_t dims[4] = {0, h_, w_, 4}, maxdims[4] = {H5S_UNLIMITED, h_, w_, 4}, chunk[4] = {1, h_, w_, 4};
    hid_t space = H5Screate_simple(4, dims, maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 4, chunk);
    if (lzf_) {
      // h5py's client data, so h5py's own filter reads the chunks with the right buffer size.
      const unsigned cd[3] = {kH5pyLzfFilterVersion, LZF_VERSION, static_cast<unsigned>(h_ * w_ * 4)};
      H5Pset_filter(dcpl, kLzfFilterId, H5Z_FLAG_OPTIONAL, 3, cd);
    }
    images_ = H5Dcreate2(file_, "images", H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (images_ < 0) throwHdf5(env, path_, "cannot create the images dataset");
    nameType_ = H5Tcopy(H5T_C_S1);
    H5Tset_size(nameType_, nameLength_);
    H5Tset_strpad(nameType_, H5T_STR_NULLPAD);  // numpy's |S<n>, what h5py writes
    hsize_t ndims[1] = {0}, nmax[1] = {H5S_UNLIMITED}, nchunk[1] = {1024};
    space = H5Screate_simple(1, ndims, nmax);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, nchunk);
    names_ = H5Dcreate2(file_, "names", nameType_, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (names_ < 0) throwHdf5(env, path_, "cannot create the names dataset");
  }

  void open(Napi::Env env) {
    file_ = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (file_ < 0) throwHdf5(env, path_, "cannot open as HDF5 for appending");
    if (H5Lexists(file_, "images", H5P_DEFAULT) <= 0 || H5Lexists(file_, "names", H5P_DEFAULT) <= 0)
      throw Napi::Error::New(env, path_ + ": not an hpaic/seed image store (needs \"images\" and \"names\")");
    images_ = H5Dopen2(file_, "images", H5P_DEFAULT);
    names_ = H5Dopen2(file_, "names", H5P_DEFAULT);
    if (images_ < 0 || names_ < 0) throwHdf5(env, path_, "cannot open the images and names datasets");
    hid_t space = H5Dget_space(images_);
    hsize_t dims[4], maxdims[4];
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank == 4) H5Sget_simple_extent_dims(space, dims, maxdims);
    H5Sclose(space);
    hid_t type = H5Dget_type(images_);
    bool u8 = H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 1 && H5Tget_sign(type) == H5T_SGN_NONE;
    H5Tclose(type);
    if (rank != 4 || dims[3] != 4 || !u8 || maxdims[0] != H5S_UNLIMITED)
      throw Napi::Error::New(env, path_ + ": \"images\" must be uint8 (N, H, W, 4) with an unlimited first axis to append to it");
    n_ = dims[0];
    h_ = dims[1];
    w_ = dims[2];
    hid_t dcpl = H5Dget_create_plist(images_);
    hsize_t chunk[4] = {0, 0, 0, 0};
    bool oneImageChunks = H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 4, chunk) == 4 && chunk[0] == 1 && chunk[1] == h_ && chunk[2] == w_ && chunk[3] == 4;
    int nfilters = H5Pget_nfilters(dcpl);
    unsigned flags = 0, cd[8];
    size_t ncd = 8;
    char fname[32];
    H5Z_filter_t id = nfilters == 1 ? H5Pget_filter2(dcpl, 0, &flags, &ncd, cd, sizeof fname, fname, nullptr) : -1;
    H5Pclose(dcpl);
    if (!oneImageChunks || nfilters > 1 || (nfilters == 1 && id != kLzfFilterId))
      throw Napi::Error::New(env, path_ + ": the native writer appends only to chunks of one image with LZF or no filter");
    lzf_ = nfilters == 1;
    nameType_ = H5Dget_type(names_);
    if (H5Tget_class(nameType_) != H5T_STRING || H5Tis_variable_str(nameType_) > 0)
      throw Napi::Error::New(env, path_ + ": \"names\" must be fixed-length strings to append to it");
    nameLength_ = H5Tget_size(nameType_);
    space = H5Dget_space(names_);
    hsize_t nrows = 0;
    H5Sget_simple_extent_dims(space, &nrows, nullptr);
    H5Sclose(space);
    if (nrows != n_) throw Napi::Error::New(env, path_ + ": \"names\" has " + std::to_string(nrows) + " rows but \"images\" has " + std::to_string(n_));
  }

  void checkOpen(Napi::Env env) {
    if (file_ < 0) throw Napi::Error::New(env, path_ + ": the writer is closed");
  }

  Napi::Value Length(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(n_)); }
  Napi::Value Height(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(h_)); }
  Napi::Value Width(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(w_)); }
  Napi::Value NameLength(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(nameLength_)); }
  Napi::Value Compression(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), lzf_ ? "lzf" : "none"); }

  // appendChunk(bytes, filterMask, name): bytes are the LZF stream (mask 0) or the raw image (mask 1, or no filter).
  void AppendChunk(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    checkOpen(env);
    auto bytes = info[0].As<Napi::Uint8Array>();
    uint32_t mask = info[1].As<Napi::Number>().Uint32Value();
    std::string name = info[2].As<Napi::String>().Utf8Value();
    if (name.size() > nameLength_) throw Napi::RangeError::New(env, path_ + ": name \"" + name + "\" is longer than " + std::to_string(nameLength_) + " bytes");
    const size_t raw = static_cast<size_t>(h_ * w_ * 4);
    if ((mask != 0 || !lzf_) && bytes.ByteLength() != raw) throw Napi::RangeError::New(env, path_ + ": an uncompressed chunk must hold H×W×4 bytes");
    hsize_t dims[4] = {n_ + 1, h_, w_, 4};
    if (H5Dset_extent(images_, dims) < 0) throwHdf5(env, path_, "cannot extend the images dataset");
    hsize_t offset[4] = {n_, 0, 0, 0};
    if (H5Dwrite_chunk(images_, H5P_DEFAULT, lzf_ ? mask : 0, offset, bytes.ByteLength(), bytes.Data()) < 0) {
      dims[0] = n_;
      H5Dset_extent(images_, dims);
      throwHdf5(env, path_, "cannot write image \"" + name + "\"");
    }
    hsize_t nrows[1] = {n_ + 1}, start[1] = {n_}, count[1] = {1};
    std::vector<char> padded(nameLength_, 0);
    std::memcpy(padded.data(), name.data(), name.size());
    if (H5Dset_extent(names_, nrows) < 0) throwHdf5(env, path_, "cannot extend the names dataset");
    hid_t fspace = H5Dget_space(names_);
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, count, nullptr);
    hid_t mspace = H5Screate_simple(1, count, nullptr);
    herr_t st = H5Dwrite(names_, nameType_, mspace, fspace, H5P_DEFAULT, padded.data());
    H5Sclose(mspace);
    H5Sclose(fspace);
    if (st < 0) throwHdf5(env, path_, "cannot write name \"" + name + "\"");
    n_ += 1;
  }

  void Flush(const Napi::CallbackInfo& info) {
    checkOpen(info.Env());
    if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) throwHdf5(info.Env(), path_, "cannot flush");
  }

  void Close(const Napi::CallbackInfo& info) {
    if (file_ < 0) return;
    herr_t st = closeAll();
    if (st < 0) throwHdf5(info.Env(), path_, "cannot close");
  }

  herr_t closeAll() {
    herr_t st = 0;
    if (nameType_ >= 0) H5Tclose(nameType_);
    if (names_ >= 0) H5Dclose(names_);
    if (images_ >= 0) H5Dclose(images_);
    if (file_ >= 0) st = H5Fclose(file_);
    nameType_ = names_ = images_ = file_ = -1;
    return st;
  }

  std::string path_;
  hid_t file_ = -1, images_ = -1, names_ = -1, nameType_ = -1;
  hsize_t n_ = 0, h_ = 0, w_ = 0;
  size_t nameLength_ = 0;
  bool lzf_ = false;
};

}  // namespace

Napi::Function DefineImageStoreWriter(Napi::Env env) { return ImageStoreWriter::Define(env); }

}  // namespace hpaic_ingest
