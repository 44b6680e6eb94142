// The order paths appear in everywhere in a report: as the design lists them, then any other
// (llama.cpp's `llama.cpp:<quant>` rows, a path a newer runner added) by name.
import { byText } from './read-json.js';

/** Paths in the order the design lists them; any later path sorts after these, by name. */
export const PATH_ORDER = ['baseline', 'cached-f32', 'cached-bf16', 'fused', 'fused-i8'] as const;

export function comparePaths(a: string, b: string): number {
  const rank = (p: string) => {
    const i = (PATH_ORDER as readonly string[]).indexOf(p);
    return i < 0 ? PATH_ORDER.length : i;
  };
  return rank(a) - rank(b) || byText(a, b);
}
