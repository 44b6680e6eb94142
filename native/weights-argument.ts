// The JS API takes packed ternary weights as `weights`; the addon's field is `packed`. The addon
// validates (it must defend itself anyway, and knows its own limits); this wrapper translates
// the field's name in its errors, so a message names what the caller passed.

/** The same error (class, stack) with the addon's field name replaced by the caller's. */
export function namingWeights(error: unknown): unknown {
  if (!(error instanceof Error) || !/\bpacked\b/.test(error.message)) return error;
  const message = error.message.replace(/\bpacked\b/g, 'weights');
  if (error.stack?.includes(error.message)) error.stack = error.stack.replace(error.message, message);
  error.message = message;
  return error;
}

/** Runs an addon call whose `packed` field came from the caller's `weights`. */
export async function withWeightsNamed<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw namingWeights(error);
  }
}
