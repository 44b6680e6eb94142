// The native allocator's own estimate of a model job's bytes, as the runner's memory guard uses.
import { addon } from '../../native/addon.js';
import { modelSpecFor } from '../../runner/model-job.js';
import { MODEL_PRESETS } from '../../runner/model-config.js';
import type { ModelMemoryJob } from './check-report.js';

/** Bytes the job would allocate. The ISA barely changes the sizes, so the scalar build's answer stands for all. */
export function estimateModelJobBytes(job: ModelMemoryJob): number {
  return addon.estimateModelBytes(modelSpecFor(job, MODEL_PRESETS[job.preset], 'scalar'));
}
