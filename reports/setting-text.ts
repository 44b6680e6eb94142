// The words that tell apart results of one shape or model that ran with different settings:
// 'kv int8 @8192, head int8, act top-k 0.7, attn window 512+4' for a model, '50% zero' for a
// kernel. The report's tables and `bitbench export`'s Markdown both word them here, so the two
// read alike. Each takes plain values (null or undefined where a result lacks one).

type Maybe<T> = T | null | undefined;

export interface ActivationSparsitySetting {
  mode?: Maybe<string>;
  level?: Maybe<number>;
}

export interface AttentionSparsitySetting {
  mode?: Maybe<string>;
  level?: Maybe<number>;
  window?: Maybe<number>;
  global?: Maybe<number>;
}

/** Decode measured past the prompt (`--context`); right after the prompt is no long-context run. */
export function isLongContext(context: Maybe<number>, prompt: Maybe<number>): boolean {
  return context !== null && context !== undefined && (prompt === null || prompt === undefined || context > prompt);
}

/**
 * Dense activations and attention, decoding right after the prompt: the decode every engine and
 * path runs, so the one a headline figure or an engine comparison speaks of.
 */
export function isPlainDecode(row: { sparsity: Maybe<object>; attentionSparsity: Maybe<object>; context: Maybe<number>; prompt: Maybe<number> }): boolean {
  return !row.sparsity && !row.attentionSparsity && !isLongContext(row.context, row.prompt);
}

/** 'top-k 0.7': a model's activation sparsity; undefined when off. */
export function activationSparsityText(s: Maybe<ActivationSparsitySetting>): string | undefined {
  if (!s?.mode || s.mode === 'none') return undefined;
  return s.level === null || s.level === undefined ? s.mode : `${s.mode} ${s.level}`;
}

/** 'top-k 0.25' or 'window 512+4' (window and global tokens): a model's attention sparsity; undefined when off. */
export function attentionSparsityText(a: Maybe<AttentionSparsitySetting>): string | undefined {
  if (!a?.mode || a.mode === 'none') return undefined;
  const level = a.level === null || a.level === undefined ? '' : ` ${a.level}`;
  const noWindow = (a.window === null || a.window === undefined) && (a.global === null || a.global === undefined);
  const window = noWindow ? '' : ` ${a.window ?? '?'}+${a.global ?? '?'}`;
  return `${a.mode}${level}${window}`;
}

/** '50% zero': the share of a kernel's activations zeroed; undefined when dense. Two decimals of a percent keep 0.505 apart from 0.5. */
export function zeroedShareText(requested: Maybe<number>, scattered = false): string | undefined {
  if (requested === null || requested === undefined || !(requested > 0)) return undefined;
  return `${Number((100 * requested).toFixed(2))}% zero${scattered ? ' one by one' : ''}`;
}

export interface ModelSettingParts {
  kv: Maybe<string>;
  context: Maybe<number>;
  prompt: Maybe<number>;
  lmHead: Maybe<string>;
  /** Already worded: activationSparsityText, attentionSparsityText. */
  activationSparsity: Maybe<string>;
  attentionSparsity: Maybe<string>;
}

/**
 * 'kv int8 @8192, head int8, act top-k 0.7, attn window 512+4'; undefined where nothing is known.
 * The context is named only past the prompt (a long-context run), as `bitbench local`'s summary
 * does; an LM head only where it is not bf16, the runner's default.
 */
export function modelSettingText(p: ModelSettingParts): string | undefined {
  const longContext = isLongContext(p.context, p.prompt);
  const kv = p.kv ? `kv ${p.kv}` : longContext ? 'kv ?' : undefined;
  const parts = [
    kv === undefined ? undefined : `${kv}${longContext ? ` @${p.context}` : ''}`,
    p.lmHead && p.lmHead !== 'bf16' ? `head ${p.lmHead}` : undefined,
    p.activationSparsity ? `act ${p.activationSparsity}` : undefined,
    p.attentionSparsity ? `attn ${p.attentionSparsity}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length ? parts.join(', ') : undefined;
}
