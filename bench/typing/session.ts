/**
 * The typing benchmark's workspace and seeded, human-timed session: a small TypeScript project whose file
 * being written (src/report.ts) uses the types and helpers of the files beside it (src/models.ts,
 * src/money.ts), and a typist who writes ~650 keys into the middle of it with log-normal gaps between keys,
 * occasional hesitations, and 10 pauses at line ends, accepting the suggestion at some of them (Tab).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../../test/doubles/seededRandom';

/** The other files of the workspace: what the typed code uses. */
const models = `/** An invoice as the billing service stores it. */
export interface Invoice {
  readonly id: string;
  readonly customer: Customer;
  readonly lines: readonly LineItem[];
  readonly issuedAt: Date;
  readonly currency: 'EUR' | 'USD' | 'GBP';
}

export interface LineItem {
  readonly sku: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  readonly taxRate: number;
}

export interface Customer {
  readonly name: string;
  readonly country: string;
  readonly vatNumber?: string;
}
`;

const money = `import type { Invoice } from './models';

/** Cents to a display string, e.g. 1234 → "12.34 EUR". */
export function formatCents(cents: number, currency: Invoice['currency']): string {
  return \`\${(cents / 100).toFixed(2)} \${currency}\`;
}

/** Rounds half away from zero, as tax authorities do. */
export function roundCents(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}
`;

/** The file being written: the typist writes between the header and the footer. */
const reportHead = `import type { Invoice, LineItem } from './models';
import { formatCents, roundCents } from './money';

/** One row of the monthly report. */
export interface ReportRow {
  readonly invoiceId: string;
  readonly customer: string;
  readonly net: string;
  readonly tax: string;
  readonly gross: string;
}

/** Report columns, in display order, with their headings. */
export const reportColumns: ReadonlyArray<readonly [keyof ReportRow, string]> = [
  ['invoiceId', 'Invoice'],
  ['customer', 'Customer'],
  ['net', 'Net'],
  ['tax', 'Tax'],
  ['gross', 'Gross'],
];

/** The first and last day of a month, for the report's title. */
export function monthRange(year: number, month: number): { from: Date; to: Date } {
  const from = new Date(Date.UTC(year, month, 1));
  const to = new Date(Date.UTC(year, month + 1, 0));
  return { from, to };
}

/** "March 2026" for the report's title. */
export function monthTitle(year: number, month: number): string {
  return new Date(Date.UTC(year, month, 1)).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** Customers billed in the month, by name. */
export function customersOf(invoices: readonly Invoice[]): string[] {
  const names = new Set<string>();
  for (const invoice of invoices) {
    names.add(invoice.customer.name);
  }
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** Invoices whose customer has a VAT number (reverse charge applies abroad). */
export function businessInvoices(invoices: readonly Invoice[]): Invoice[] {
  return invoices.filter((invoice) => invoice.customer.vatNumber !== undefined);
}

/** The line items of several invoices, flattened. */
export function allLines(invoices: readonly Invoice[]): LineItem[] {
  return invoices.flatMap((invoice) => [...invoice.lines]);
}

/** A text table of report rows, padded per column. */
export function renderTable(rows: readonly ReportRow[]): string {
  const widths = reportColumns.map(([key, title]) => Math.max(title.length, ...rows.map((row) => row[key].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  const header = line(reportColumns.map(([, title]) => title));
  const body = rows.map((row) => line(reportColumns.map(([key]) => row[key])));
  return [header, ...body].join('\n');
}

/** Rounds each total of a row set, for the summary line. */
export function summaryLine(rows: readonly ReportRow[], currency: Invoice['currency']): string {
  return \`\${rows.length} invoices (\${currency})\`;
}

`;

const reportFoot = `

/** Rows for every invoice of a month, oldest first. */
export function monthlyReport(invoices: readonly Invoice[], month: number): ReportRow[] {
  return invoices
    .filter((invoice) => invoice.issuedAt.getMonth() === month)
    .sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime())
    .map(reportRow);
}
`;

/** What the typist writes (≈ 650 keys with indentation). */
const typed = `export function lineNet(line: LineItem): number {
  return line.quantity * line.unitPriceCents;
}

export function lineTax(line: LineItem): number {
  return roundCents(lineNet(line) * line.taxRate);
}

export function invoiceTotals(invoice: Invoice): { net: number; tax: number } {
  let net = 0;
  let tax = 0;
  for (const line of invoice.lines) {
    net += lineNet(line);
    tax += lineTax(line);
  }
  return { net, tax };
}

export function reportRow(invoice: Invoice): ReportRow {
  const { net, tax } = invoiceTotals(invoice);
  const currency = invoice.currency;
  return {
    invoiceId: invoice.id,
    customer: invoice.customer.name,
    net: formatCents(net, currency),
    tax: formatCents(tax, currency),
    gross: formatCents(net + tax, currency),
  };
}`;

/** One key of the session. */
export interface Key {
  /** The character typed ('\n' is Enter). */
  readonly char: string;
  /** Milliseconds to wait after this key before the next one. */
  readonly gapMs: number;
  /** This key ends a pause's line: the gap is a pause. */
  readonly pause: boolean;
  /** At this pause, the typist accepts the suggestion with Tab once it shows (then goes on). */
  readonly acceptAtPause: boolean;
}

/** The seeded session. */
export interface TypingSession {
  readonly keys: readonly Key[];
  readonly pauses: number;
  /** 1-based line and column where typing starts in src/report.ts. */
  readonly startLine: number;
  readonly startColumn: number;
  readonly file: string;
  /** The file whose definitions the typed code uses (for the other-file-context figure). */
  readonly definitionsFile: string;
}

/** Writes the workspace into `dir`. */
export function writeWorkspace(dir: string): void {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'models.ts'), models);
  fs.writeFileSync(path.join(dir, 'src', 'money.ts'), money);
  fs.writeFileSync(path.join(dir, 'src', 'report.ts'), reportHead + reportFoot);
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), '{ "compilerOptions": { "strict": true, "target": "es2022", "module": "commonjs" } }\n');
}

/** A log-normal sample with the given median and spread (σ of the log). */
function logNormal(random: () => number, median: number, sigma: number): number {
  const u = Math.max(1e-9, random());
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * z);
}

/** The session for a seed: the same keys and timing for every run with that seed. */
export function typingSession(seed: number, pauses = 10, accepts = 3): TypingSession {
  const random = seededRandom(seed);
  const chars = [...typed];
  // Line ends with code on them (candidates for a pause), spread evenly, 10 chosen.
  const lineEnds: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i + 1] === '\n' && chars[i] !== '\n' && chars[i] !== '{') {
      lineEnds.push(i);
    }
  }
  const chosen = new Set<number>();
  for (let k = 0; k < pauses; k++) {
    const slot = Math.floor(((k + 0.5 + (random() - 0.5) * 0.6) * lineEnds.length) / pauses);
    chosen.add(lineEnds[Math.min(lineEnds.length - 1, Math.max(0, slot))] ?? 0);
  }
  const pauseAt = [...chosen].sort((a, b) => a - b);
  const acceptAt = new Set(pauseAt.filter((_, i) => i % Math.ceil(pauses / accepts) === 1));
  const keys: Key[] = chars.map((char, i) => {
    const pause = chosen.has(i);
    let gap = Math.min(900, Math.max(35, logNormal(random, 135, 0.35)));
    if (!pause && random() < 0.04) {
      // A hesitation: longer than usual, shorter than a pause.
      gap += 150 + random() * 250;
    }
    return { char, gapMs: pause ? 2000 + Math.round(random() * 1000) : Math.round(gap), pause, acceptAtPause: acceptAt.has(i) };
  });
  const startLine = reportHead.split('\n').length;
  return { keys, pauses: pauseAt.length, startLine, startColumn: 1, file: 'src/report.ts', definitionsFile: 'models.ts' };
}
