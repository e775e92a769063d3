/**
 * The quality-vs-latency chart of one task, as SVG built from the numbers: one dot per model, pass rate up, mean
 * time per answer across (linear, from 0), so "a fast model that answers in two seconds beats one that barely fits"
 * is visible at a glance. Every text is escaped and kept in element content (never in an attribute); colours come
 * from CSS classes (the page's nonce'd style), never `style` attributes, so the webview's CSP needs no 'unsafe-inline'. Pure: no `vscode` import.
 */
import { escapeHtml } from '../util/html';
import { formatMs } from '../util/format';

/** One model on the chart. */
export interface ChartPoint {
  readonly model: string;
  /** 0…1. */
  readonly passRate: number;
  /** Mean total time per answer; 0 when no answer came (drawn at the right edge, marked as failed). */
  readonly meanTotalMs: number;
  /** The suggested model (drawn larger, class `picked`). */
  readonly picked?: boolean;
}

const width = 520;
const height = 260;
const left = 48;
const right = 160;
const top = 28;
const bottom = 40;

function round(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** A time axis end that reads well: 1, 2 or 5 × a power of ten above the largest time. */
function niceMax(ms: number): number {
  if (ms <= 0) {
    return 1000;
  }
  const power = 10 ** Math.floor(Math.log10(ms));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= ms) {
      return step * power;
    }
  }
  return 10 * power;
}

/** The chart's SVG (class `quality-latency`), with a title and an accessible description. */
export function qualityLatencyChart(title: string, points: readonly ChartPoint[]): string {
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const maxMs = niceMax(Math.max(0, ...points.map((p) => p.meanTotalMs)) * 1.05);
  const x = (ms: number): number => left + (ms > 0 ? Math.min(1, ms / maxMs) : 1) * plotW;
  const y = (rate: number): number => top + (1 - Math.max(0, Math.min(1, rate))) * plotH;
  const parts: string[] = [];
  parts.push(`<text class="title" x="${left}" y="16">${escapeHtml(title)}</text>`);
  // Axes, grid and ticks.
  for (const rate of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line class="grid" x1="${left}" x2="${left + plotW}" y1="${round(y(rate))}" y2="${round(y(rate))}"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${round(y(rate) + 4)}" text-anchor="end">${Math.round(rate * 100)} %</text>`);
  }
  for (const f of [0, 0.5, 1]) {
    parts.push(`<text class="tick" x="${round(left + f * plotW)}" y="${top + plotH + 16}" text-anchor="middle">${escapeHtml(formatMs(f * maxMs))}</text>`);
  }
  parts.push(`<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}"/>`);
  parts.push(`<line class="axis" x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}"/>`);
  parts.push(`<text class="label" x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle">mean time per answer (faster ←)</text>`);
  // Dots: labels beside them, nudged apart when two models land on the same spot.
  const used: number[] = [];
  const sorted = [...points].sort((a, b) => b.passRate - a.passRate || a.meanTotalMs - b.meanTotalMs);
  for (const p of sorted) {
    const cx = x(p.meanTotalMs);
    const cy = y(p.passRate);
    let ly = cy + 4;
    while (used.some((u) => Math.abs(u - ly) < 13)) {
      ly += 13;
    }
    used.push(ly);
    const cls = `dot${p.picked === true ? ' picked' : ''}${p.meanTotalMs <= 0 ? ' failed' : ''}`;
    const info = `${p.model}: ${Math.round(p.passRate * 100)} % in ${p.meanTotalMs > 0 ? formatMs(p.meanTotalMs) : 'no answer'}`;
    parts.push(`<circle class="${cls}" cx="${round(cx)}" cy="${round(cy)}" r="${p.picked === true ? 7 : 5}"><title>${escapeHtml(info)}</title></circle>`);
    parts.push(`<text class="point-label${p.picked === true ? ' picked' : ''}" x="${round(cx + 10)}" y="${round(ly)}">${escapeHtml(p.model)}</text>`);
  }
  const desc = points.map((p) => `${p.model} ${Math.round(p.passRate * 100)} % at ${p.meanTotalMs > 0 ? formatMs(p.meanTotalMs) : 'no answer'}`).join('; ');
  return (
    `<svg class="quality-latency" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">` +
    `<title>${escapeHtml(title)}</title><desc>${escapeHtml(desc)}</desc>${parts.join('')}</svg>`
  );
}
