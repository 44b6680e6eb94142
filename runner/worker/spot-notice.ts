// EC2 gives a spot instance two minutes' notice before reclaiming it: IMDS starts answering
// `spot/instance-action` (404 until then). Polling it lets the worker hand its job back while
// Redis can still be told, instead of the job waiting out its lock after the instance is gone.
import { readImdsKey, type InstanceIdentityOptions } from '../fingerprint/instance-identity.js';

export const SPOT_POLL_INTERVAL_MS = 5_000;

export interface SpotWatchOptions extends InstanceIdentityOptions {
  intervalMs?: number;
  /** Called once, with IMDS's notice text ({"action": "terminate", "time": ...}). */
  onNotice: (notice: string) => void;
}

/** Starts polling; returns the function that stops it. */
export function watchSpotNotice(options: SpotWatchOptions): () => void {
  const intervalMs = options.intervalMs ?? SPOT_POLL_INTERVAL_MS;
  const { onNotice, intervalMs: _interval, ...imds } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    const notice = await readImdsKey('spot/instance-action', { timeoutMs: 1_000, ...imds });
    if (stopped) return;
    if (notice !== null && notice.trim() !== '') {
      stopped = true;
      onNotice(notice.trim());
      return;
    }
    timer = setTimeout(() => void poll(), intervalMs);
    // The watch alone must not keep the process alive.
    timer.unref();
  };
  void poll();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
