#include "arguments.h"

#include <cmath>
#include <cstring>

namespace bitbench::binding {

std::string describeValue(const Napi::Value& value) {
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  if (value.IsNumber()) {
    const double d = value.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    std::string text = value.ToString().Utf8Value();
    return text;
  }
  if (value.IsString()) {
    std::string text = value.As<Napi::String>().Utf8Value();
    if (text.size() > 40) text = text.substr(0, 40) + "...";
    return "'" + text + "'";
  }
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? "true" : "false";
  if (value.IsTypedArray()) return "a typed array";
  if (value.IsArray()) return "an array";
  if (value.IsFunction()) return "a function";
  if (value.IsBigInt()) return "a bigint";
  if (value.IsSymbol()) return "a symbol";
  if (value.IsObject()) return "an object";
  return "a value of another type";
}

namespace {
[[noreturn]] void throwType(const Napi::Env& env, const std::string& expected, const char* key,
                            const Napi::Value& value) {
  throw Napi::TypeError::New(env, "Expected " + expected + " for " + key + " but received " +
                                      describeValue(value));
}
[[noreturn]] void throwRange(const Napi::Env& env, const std::string& expected, const char* key,
                             const Napi::Value& value) {
  throw Napi::RangeError::New(env, "Expected " + expected + " for " + key + " but received " +
                                       describeValue(value));
}
}  // namespace

bool has(const Napi::Object& object, const char* key) {
  const Napi::Value value = object.Get(key);
  return !value.IsUndefined();
}

Napi::Object requireObject(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const Napi::Value value = info.Length() > index ? info[index] : info.Env().Undefined();
  if (!value.IsObject() || value.IsArray() || value.IsFunction() || value.IsTypedArray())
    throwType(info.Env(), "an object", name, value);
  return value.As<Napi::Object>();
}

size_t requireInteger(const Napi::Object& object, const char* key, size_t min, size_t max) {
  const Napi::Env env = object.Env();
  const Napi::Value value = object.Get(key);
  const std::string expected = min == 1 ? "a positive integer" : "an integer";
  if (!value.IsNumber()) throwType(env, expected, key, value);
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min))
    throwRange(env, expected, key, value);
  if (d > static_cast<double>(max))
    throwRange(env, expected + " of at most " + std::to_string(max), key, value);
  return static_cast<size_t>(d);
}

size_t optionalInteger(const Napi::Object& object, const char* key, size_t min, size_t max,
                       size_t fallback) {
  return has(object, key) ? requireInteger(object, key, min, max) : fallback;
}

double optionalNumber(const Napi::Object& object, const char* key, double min, double max,
                      double fallback) {
  if (!has(object, key)) return fallback;
  const Napi::Value value = object.Get(key);
  if (!value.IsNumber()) throwType(object.Env(), "a number", key, value);
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < min || d > max)
    throwRange(object.Env(),
               "a finite number in [" + std::to_string(min) + ", " + std::to_string(max) + "]", key, value);
  return d;
}

std::string requireString(const Napi::Object& object, const char* key) {
  const Napi::Value value = object.Get(key);
  if (!value.IsString()) throwType(object.Env(), "a string", key, value);
  return value.As<Napi::String>().Utf8Value();
}

std::string optionalString(const Napi::Object& object, const char* key, const std::string& fallback) {
  return has(object, key) ? requireString(object, key) : fallback;
}

std::string optionalChoice(const Napi::Object& object, const char* key,
                           const std::vector<std::string>& choices, const std::string& fallback) {
  std::string list;
  for (const std::string& choice : choices) list += (list.empty() ? "" : ", ") + choice;
  if (!has(object, key)) return fallback;
  const Napi::Value value = object.Get(key);
  if (!value.IsString()) throwType(object.Env(), "one of " + list, key, value);
  const std::string text = value.As<Napi::String>().Utf8Value();
  for (const std::string& choice : choices)
    if (choice == text) return text;
  throwRange(object.Env(), "one of " + list, key, value);
}

bool optionalBoolean(const Napi::Object& object, const char* key, bool fallback) {
  if (!has(object, key)) return fallback;
  const Napi::Value value = object.Get(key);
  if (!value.IsBoolean()) throwType(object.Env(), "a boolean", key, value);
  return value.As<Napi::Boolean>().Value();
}

namespace {
template <class T>
std::vector<T> requireTypedArrayOf(const Napi::Object& object, const char* key, napi_typedarray_type type,
                                   const char* typeName, size_t length, const std::string& formula) {
  const Napi::Env env = object.Env();
  const Napi::Value value = object.Get(key);
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type)
    throwType(env, std::string("a ") + typeName, key, value);
  const Napi::TypedArrayOf<T> array = value.As<Napi::TypedArrayOf<T>>();
  if (array.ElementLength() != length)
    throw Napi::RangeError::New(env, std::string("Expected ") + key + " to hold " + formula + " = " +
                                         std::to_string(length) + " elements but it holds " +
                                         std::to_string(array.ElementLength()));
  std::vector<T> copy(length);
  if (length) std::memcpy(copy.data(), array.Data(), length * sizeof(T));
  return copy;
}
}  // namespace

std::vector<uint8_t> requireUint8Array(const Napi::Object& object, const char* key, size_t length,
                                       const std::string& formula) {
  return requireTypedArrayOf<uint8_t>(object, key, napi_uint8_array, "Uint8Array", length, formula);
}

std::vector<float> requireFloat32Array(const Napi::Object& object, const char* key, size_t length,
                                       const std::string& formula) {
  return requireTypedArrayOf<float>(object, key, napi_float32_array, "Float32Array", length, formula);
}

}  // namespace bitbench::binding
