// Reading a model request from JS: dimensions (validated by runner/model-config.ts; checked
// again here), path, ISA, threads, cache dtypes and the run's sizes.
#pragma once
#include <napi.h>

#include "../model/model-benchmark.h"
#include "../model/model-spec.h"

namespace bitbench::binding {

ModelSpec readModelSpec(const Napi::Object& spec);
ModelRunOptions readModelRunOptions(const Napi::Object& spec);

}  // namespace bitbench::binding
