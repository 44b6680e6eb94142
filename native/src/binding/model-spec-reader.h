// Reading a model request from JS: dimensions (validated by runner/model-config.ts; checked
// again here), path, ISA, threads, cache dtypes and the run's sizes.
#pragma once
#include <napi.h>

#include "../model/model-benchmark.h"
#include "../model/model-spec.h"

namespace bitbench::binding {

ModelSpec readModelSpec(const Napi::Object& spec);
ModelRunOptions readModelRunOptions(const Napi::Object& spec);
// The optional `kv` field: bf16 (the default), int8, fp8-e4m3 or fp8-e5m2.
KvDtype readKvDtype(const Napi::Object& spec);
// The optional attentionSparsity, attentionLevel, attentionWindow and attentionGlobal fields.
AttentionSparsity readAttentionSparsity(const Napi::Object& spec);

}  // namespace bitbench::binding
