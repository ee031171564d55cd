// HPAIC_OP(name, { body }) defines one exported thunk and registers it under `name`: the op list is written once,
// here in the C++ definitions (registerOps exports whatever was registered; src/native/opTable.ts is checked
// against these names by test/native/opTable.test.ts). Every thunk runs inside guarded<> (guard.h).
#pragma once
#include <napi.h>
#include <utility>
#include <vector>
#include "guard.h"

namespace hpaic {

using OpFn = Napi::Value (*)(const Napi::CallbackInfo&);

inline std::vector<std::pair<const char*, OpFn>>& opRegistry() {
  static std::vector<std::pair<const char*, OpFn>> ops;
  return ops;
}

struct OpRegistration {
  OpRegistration(const char* name, OpFn fn) { opRegistry().emplace_back(name, fn); }
};

/** Export every registered op on `exports`. */
inline void exportRegisteredOps(Napi::Env env, Napi::Object exports) {
  for (const auto& [name, fn] : opRegistry()) exports.Set(name, Napi::Function::New(env, fn, name));
}

}  // namespace hpaic

#define HPAIC_OP(name, ...)                                   \
  Napi::Value op_##name(const Napi::CallbackInfo& info) __VA_ARGS__ \
  constexpr char op_##name##_name[] = #name;                  \
  const ::hpaic::OpRegistration op_##name##_registration(op_##name##_name, &::hpaic::guarded<op_##name, op_##name##_name>);
