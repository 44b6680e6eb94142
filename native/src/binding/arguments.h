// Reading JS arguments with errors that name the argument and what was expected, so that no
// wrong type or value can reach the kernels ("Expected a positive integer for k but
// received -3"). Wrong types throw TypeError, wrong values RangeError.
#pragma once
#include <napi.h>

#include <cstddef>
#include <string>
#include <vector>

namespace bitbench::binding {

std::string describeValue(const Napi::Value& value);

Napi::Object requireObject(const Napi::CallbackInfo& info, size_t index, const char* name);

// An integer in [min, max].
size_t requireInteger(const Napi::Object& object, const char* key, size_t min, size_t max);
size_t optionalInteger(const Napi::Object& object, const char* key, size_t min, size_t max,
                       size_t fallback);
double optionalNumber(const Napi::Object& object, const char* key, double min, double max,
                      double fallback);
std::string requireString(const Napi::Object& object, const char* key);
std::string optionalString(const Napi::Object& object, const char* key, const std::string& fallback);
// One of `choices`, else RangeError listing them.
std::string optionalChoice(const Napi::Object& object, const char* key,
                           const std::vector<std::string>& choices, const std::string& fallback);
bool optionalBoolean(const Napi::Object& object, const char* key, bool fallback);

// A typed array of exactly `length` elements, copied out so the worker thread never touches
// JS memory.
std::vector<uint8_t> requireUint8Array(const Napi::Object& object, const char* key, size_t length,
                                       const std::string& lengthFormula);
std::vector<float> requireFloat32Array(const Napi::Object& object, const char* key, size_t length,
                                       const std::string& lengthFormula);
bool has(const Napi::Object& object, const char* key);

}  // namespace bitbench::binding
