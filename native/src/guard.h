// Every thunk runs inside guarded<>: libtorch (c10::Error) and C++ exceptions become JS errors with
// code ERR_LIBTORCH, carrying the op name and only the first line of libtorch's message (the rest is a
// C++ backtrace). Nothing may escape to abort the process.
#pragma once
#include <napi.h>
#include <c10/util/Exception.h>
#include <string>

namespace hpaic {

inline std::string firstLine(const char* what) {
  std::string s(what ? what : "unknown error");
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

inline Napi::Value throwNative(Napi::Env env, const char* op, const std::string& msg) {
  Napi::Error err = Napi::Error::New(env, std::string(op) + ": " + msg);
  err.Set("code", Napi::String::New(env, "ERR_LIBTORCH"));
  err.Set("op", Napi::String::New(env, op));
  err.ThrowAsJavaScriptException();
  return env.Undefined();
}

template <Napi::Value (*F)(const Napi::CallbackInfo&), const char* Name>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error& e) {
    throw;
  } catch (const c10::Error& e) {
    return throwNative(info.Env(), Name, firstLine(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return throwNative(info.Env(), Name, firstLine(e.what()));
  } catch (...) {
    return throwNative(info.Env(), Name, "unknown C++ exception");
  }
}

}  // namespace hpaic
