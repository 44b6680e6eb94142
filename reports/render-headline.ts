// The headline cards: per instance type the best path for decode and for batched work, with
// its speedups, tokens/s, cost per million tokens and what bounds it. Everything from a result
// is escaped.
import type { Headline, HeadlineCard, HeadlinePick } from './headline.js';
import type { Speedup } from './path-figures.js';
import { boundClass } from './bound-class.js';
import { escapeHtml } from './render-html.js';

function rate(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3);
}

function timeText(ns: number): string {
  return ns >= 1e6 ? `${rate(ns / 1e6)} ms` : `${rate(ns / 1e3)} µs`;
}

function speedupText(speedup: Speedup | null): string {
  if (speedup === null) return '–';
  const from = speedup.source === 'kernel' ? ' <span class="muted">(kernel)</span>' : '';
  return `${escapeHtml(speedup.ratio.toFixed(2))}×${from}`;
}

function pickHtml(title: string, pick: HeadlinePick | null): string {
  if (pick === null) return `<div class="pick"><h4>${escapeHtml(title)}</h4><p class="muted">not measured</p></div>`;
  const throughput =
    pick.tokS !== null
      ? `<span class="big-figure">${escapeHtml(rate(pick.tokS))}</span> tokens/s`
      : pick.kernelGops !== null
        ? `<span class="big-figure">${escapeHtml(rate(pick.kernelGops))}</span> GOPS <span class="muted">(${escapeHtml(timeText(pick.kernelMedianNs ?? 0))} a call)</span>`
        : '–';
  const items: [string, string][] = [
    ['vs cached-bf16', speedupText(pick.vsCachedBf16)],
    ['vs baseline', speedupText(pick.vsBaseline)],
    ['$ / M tokens', pick.usdPerMillionTokens === null ? '<span class="muted">no price</span>' : `$${escapeHtml(pick.usdPerMillionTokens.toFixed(3))}`],
    ['bound', pick.verdict ? `<span class="${boundClass(pick.verdict.bound)}">${escapeHtml(pick.verdict.text)}</span>` : '–'],
    ['measured on', escapeHtml([pick.modelCell, pick.kernelCell].filter((x) => x !== null).join('; kernel ') || '–')],
  ];
  return (
    `<div class="pick"><h4>${escapeHtml(title)}</h4>` +
    `<p class="pick-path"><strong>${escapeHtml(pick.path)}</strong> <code>${escapeHtml(pick.isa)}</code></p>` +
    `<p>${throughput}</p>` +
    `<dl>${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl></div>`
  );
}

function cardHtml(card: HeadlineCard): string {
  const facts = [card.cpuModel ?? 'unknown CPU', card.vcpus !== null ? `${card.vcpus} vCPUs` : null, card.usdPerHour !== null ? `$${card.usdPerHour.toFixed(4)}/hour` : null]
    .filter((x): x is string => x !== null)
    .join(' · ');
  return (
    `<article class="card headline-card"><h3>${escapeHtml(card.instanceType)}</h3><p class="muted card-cpu">${escapeHtml(facts)}</p>` +
    `<div class="picks">${pickHtml('Decode (batch 1)', card.decode)}${pickHtml('Batched', card.batched)}</div></article>`
  );
}

export function headlineHtml(headline: Headline): string {
  if (!headline.cards.length) return '';
  const model = headline.preset !== null ? `tokens/s of ${escapeHtml(headline.preset)}` : 'kernel cells (no model ran)';
  return (
    `<section id="headline"><h2>Headline: the best path per instance type</h2>` +
    `<p class="muted">Best path by ${model}; speedups against the same instance type's cached-bf16 and baseline paths (on the model where it ran them, else on the kernel cell of the same work, marked “kernel”); the bound from the roofline below. Checks (the tiny model, shapes too small to measure) never count.</p>` +
    `<div class="cards headline-cards">${headline.cards.map(cardHtml).join('')}</div></section>`
  );
}
