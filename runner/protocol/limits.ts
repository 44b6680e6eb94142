// The largest sizes the native core accepts, written out so that a matrix, a job spec or a
// command-line flag beyond them is refused by name before anything runs, rather than failing
// as a job after other cells of its run were stored. The native side keeps its own checks
// (native/src/binding/kernel-spec.h, model-spec-reader.cc, runtime/thread-pool.h); a test
// (test/native/native-limits.test.ts) holds the two to the same numbers.

/** n and k of a kernel job (kMaxDimension). */
export const MAX_DIMENSION = 1048576;
/** Activation rows of a kernel job (kMaxBatch). */
export const MAX_KERNEL_BATCH = 65536;
/** Threads of any job (ThreadPool::kMaxThreads). */
export const MAX_THREADS = 4096;
/** Sequences decoded in lockstep by a model job (its batch). */
export const MAX_SEQUENCES = 4096;
/** Prompt tokens, and decoded tokens, of a model job. */
export const MAX_MODEL_TOKENS = 65536;
