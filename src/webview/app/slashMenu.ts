// The chat's `/` menu: typing `/` at the start of the message box lists the saved prompts (filtered by what
// follows the slash), and Enter, Tab or a click runs the chosen one on the host, which fills its variables exactly
// like "Run Saved Prompt…". Plain DOM; it hooks itself onto the message box so the chat view only constructs it
// (before its own key handler, so a chosen prompt's Enter never sends the raw `/…` text) and hands it the list.
import type { PromptMenuItem, WebviewToHost } from '../protocol';

/** One row of the menu: the prompt, and the text typed after its name (for `/explain focus on errors`). */
export interface SlashMatch {
  readonly prompt: PromptMenuItem;
  /** Text after the prompt's full name, passed to the host as extra instructions; undefined when none. */
  readonly extra: string | undefined;
}

/** How well a prompt matches: lower is better. */
const Rank = { Exact: 0, NamePrefix: 1, WordPrefix: 2, NameSubstring: 3, Description: 4, Fuzzy: 5 } satisfies Record<string, number>;

/** Lower case, with `-`, `_` and runs of white space as one space: `/write-tests` finds "Write Tests". */
function normalise(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}

function compact(text: string): string {
  return normalise(text).replace(/ /g, '');
}

/** True when every character of `needle` appears in `haystack` in order. */
function isSubsequence(needle: string, haystack: string): boolean {
  let i = 0;
  for (const ch of haystack) {
    if (ch === needle[i]) {
      i++;
      if (i === needle.length) {
        return true;
      }
    }
  }
  return needle.length === 0;
}

/** The query after the slash when the message box holds a slash command, else undefined. */
export function slashQuery(text: string): string | undefined {
  return text.startsWith('/') ? text.slice(1) : undefined;
}

/**
 * If the query starts with the prompt's whole name followed by more text (`explain focus on errors`), that text;
 * undefined otherwise. Names compare case-insensitively, with `-`/`_`/spaces alike and optional (`writetests`).
 */
function extraAfterName(query: string, name: string): string | undefined {
  const target = compact(name);
  if (target === '') {
    return undefined;
  }
  for (const token of query.matchAll(/\S+/g)) {
    const end = (token.index ?? 0) + token[0].length;
    const head = compact(query.slice(0, end));
    if (head === target) {
      const rest = query.slice(end).trim();
      return rest === '' ? undefined : rest;
    }
    if (head.length >= target.length || !target.startsWith(head)) {
      return undefined;
    }
  }
  return undefined;
}

function rankOf(prompt: PromptMenuItem, query: string): { rank: number; extra: string | undefined } | undefined {
  const q = normalise(query);
  if (q === '') {
    return { rank: Rank.Exact, extra: undefined };
  }
  const name = normalise(prompt.name);
  const qc = compact(query);
  const nc = compact(prompt.name);
  if (qc === nc) {
    return { rank: Rank.Exact, extra: undefined };
  }
  const extra = extraAfterName(query, prompt.name);
  if (extra !== undefined) {
    return { rank: Rank.Exact, extra };
  }
  if (name.startsWith(q) || nc.startsWith(qc)) {
    return { rank: Rank.NamePrefix, extra: undefined };
  }
  if (name.split(' ').some((word) => word.startsWith(q))) {
    return { rank: Rank.WordPrefix, extra: undefined };
  }
  if (name.includes(q)) {
    return { rank: Rank.NameSubstring, extra: undefined };
  }
  if (normalise(prompt.description).includes(q)) {
    return { rank: Rank.Description, extra: undefined };
  }
  if (isSubsequence(qc, nc)) {
    return { rank: Rank.Fuzzy, extra: undefined };
  }
  return undefined;
}

/**
 * The prompts matching the query, best first: the exact name (with any text typed after it), then name prefix,
 * word prefix, name substring, description, and in-order letters (fuzzy). Within a rank, favorites first, then
 * the host's order (most used first). Malformed prompts match by name only and come last (shown disabled).
 */
export function matchPrompts(prompts: readonly PromptMenuItem[], query: string): SlashMatch[] {
  const scored: { match: SlashMatch; rank: number; order: number }[] = [];
  prompts.forEach((prompt, order) => {
    const r = rankOf(prompt, query);
    if (r === undefined) {
      return;
    }
    const broken = prompt.error !== undefined;
    scored.push({ match: { prompt, extra: broken ? undefined : r.extra }, rank: (broken ? 100 : 0) + r.rank, order });
  });
  scored.sort((a, b) => a.rank - b.rank || Number(b.match.prompt.favorite) - Number(a.match.prompt.favorite) || a.order - b.order);
  return scored.map((s) => s.match);
}

export interface SlashMenuDeps {
  readonly document: Document;
  /** The message box: the menu listens to it and sits just before it (above it, by CSS). */
  readonly input: HTMLTextAreaElement;
  readonly post: (message: WebviewToHost) => void;
}

const sourceLabels: Record<PromptMenuItem['source'], string> = { workspace: 'workspace', user: 'user', builtin: 'built-in' };

/**
 * The popup listbox. Construct it BEFORE the chat view wires its own key handler on the message box: while the
 * menu is open it takes Up/Down/Enter/Tab/Esc first and stops them from reaching the chat's handlers.
 */
export class SlashMenu {
  /** The listbox (role=listbox), inserted before the message box on first use. */
  readonly element: HTMLElement;
  private prompts: readonly PromptMenuItem[] = [];
  private loaded = false;
  private matches: SlashMatch[] = [];
  private active = -1;
  private open = false;
  /** Esc closed the menu for this text; it reopens when the text stops being a slash command. */
  private dismissed = false;
  private readonly doc: Document;
  private readonly input: HTMLTextAreaElement;

  constructor(private readonly deps: SlashMenuDeps) {
    this.doc = deps.document;
    this.input = deps.input;
    this.element = this.doc.createElement('ul');
    this.element.className = 'slash-menu';
    this.element.id = 'slash-menu';
    this.element.setAttribute('role', 'listbox');
    this.element.setAttribute('aria-label', 'Saved prompts');
    this.element.hidden = true;
    this.input.setAttribute('aria-autocomplete', 'list');
    this.input.setAttribute('aria-controls', this.element.id);
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('input', () => this.update());
    this.input.addEventListener('focus', () => this.update());
    this.input.addEventListener('blur', () => this.close());
    // Keep the focus in the message box when a row is clicked.
    this.element.addEventListener('mousedown', (e) => e.preventDefault());
    this.element.addEventListener('click', (e) => {
      const index = this.indexOf(e.target);
      if (index !== undefined) {
        this.choose(index);
      }
    });
    this.element.addEventListener('mousemove', (e) => {
      const index = this.indexOf(e.target);
      if (index !== undefined && index !== this.active) {
        this.setActive(index);
      }
    });
  }

  /** True while the popup is shown. */
  get isOpen(): boolean {
    return this.open;
  }

  /** The rows shown (tests). */
  get shown(): readonly SlashMatch[] {
    return this.matches;
  }

  /** The saved prompts from the host (`prompts` message). */
  setPrompts(prompts: readonly PromptMenuItem[]): void {
    this.prompts = prompts;
    this.loaded = true;
    if (this.open) {
      this.render(true);
    }
  }

  /** Re-reads the message box: opens, filters or closes the menu. */
  update(): void {
    const query = slashQuery(this.input.value);
    if (query === undefined) {
      this.dismissed = false;
      this.close();
      return;
    }
    if (this.dismissed) {
      return;
    }
    if (!this.open) {
      this.open = true;
      // The library reloads live on the host: ask for the current list each time the menu opens.
      this.deps.post({ type: 'listPrompts' });
      if (this.element.parentNode === null) {
        this.input.before(this.element);
      }
    }
    this.render(false);
  }

  close(): void {
    if (!this.open) {
      return;
    }
    this.open = false;
    this.matches = [];
    this.active = -1;
    this.element.hidden = true;
    this.element.replaceChildren();
    this.input.removeAttribute('aria-activedescendant');
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.open || e.isComposing) {
      return;
    }
    const take = (): void => {
      e.preventDefault();
      // The chat's own handlers (send on Enter, stop on Esc, edit on Up) must not see this key.
      e.stopImmediatePropagation();
    };
    switch (e.key) {
      case 'ArrowDown':
        take();
        this.move(1);
        return;
      case 'ArrowUp':
        take();
        this.move(-1);
        return;
      case 'Enter':
      case 'Tab':
        if (e.shiftKey) {
          return;
        }
        if (this.active >= 0) {
          take();
          this.choose(this.active);
        } else if (e.key === 'Enter' && !this.loaded) {
          // The list is still on its way: do not send the command as a message meanwhile.
          take();
        }
        // No prompt matches: Enter sends the text as an ordinary message (a path, say), Tab moves on.
        return;
      case 'Escape':
        take();
        this.dismissed = true;
        this.close();
        return;
      default:
        return;
    }
  }

  private move(delta: number): void {
    const enabled = this.matches.map((m, i) => (m.prompt.error === undefined ? i : -1)).filter((i) => i >= 0);
    if (enabled.length === 0) {
      return;
    }
    const at = enabled.indexOf(this.active);
    const next = at < 0 ? (delta > 0 ? 0 : enabled.length - 1) : (at + delta + enabled.length) % enabled.length;
    this.setActive(enabled[next] ?? -1);
  }

  private choose(index: number): void {
    const match = this.matches[index];
    if (match === undefined || match.prompt.error !== undefined) {
      return;
    }
    this.deps.post({ type: 'runPrompt', promptId: match.prompt.id, name: match.prompt.name, ...(match.extra !== undefined ? { extra: match.extra } : {}) });
    this.close();
    this.input.value = '';
    // Lets the chat view save the (now empty) draft as for any edit.
    const view = this.doc.defaultView;
    if (view) {
      this.input.dispatchEvent(new view.Event('input', { bubbles: true }));
    }
  }

  private indexOf(target: EventTarget | null): number | undefined {
    const view = this.doc.defaultView;
    if (!view || !(target instanceof view.Element)) {
      return undefined;
    }
    const row = target.closest('[role="option"]');
    const index = row?.getAttribute('data-index');
    return index === null || index === undefined ? undefined : Number(index);
  }

  private render(keepActive: boolean): void {
    const previous = keepActive ? this.matches[this.active]?.prompt.id : undefined;
    this.matches = matchPrompts(this.prompts, slashQuery(this.input.value) ?? '');
    const rows: HTMLElement[] = this.matches.map((match, index) => this.row(match, index));
    if (rows.length === 0) {
      const empty = this.doc.createElement('li');
      empty.className = 'slash-empty';
      empty.setAttribute('role', 'option');
      empty.setAttribute('aria-disabled', 'true');
      empty.textContent = this.loaded ? 'No saved prompt matches' : 'Loading saved prompts…';
      rows.push(empty);
    }
    this.element.replaceChildren(...rows);
    this.element.hidden = false;
    // The popup may cover the conversation but must not run off the top of a short view. (CSSOM, allowed by the CSP.)
    const top = this.element.parentElement?.getBoundingClientRect().top ?? 0;
    if (top > 0) {
      this.element.style.maxHeight = `${Math.max(48, Math.floor(top) - 4)}px`;
    }
    const kept = previous === undefined ? -1 : this.matches.findIndex((m) => m.prompt.id === previous);
    this.setActive(kept >= 0 ? kept : this.matches.findIndex((m) => m.prompt.error === undefined));
  }

  private row(match: SlashMatch, index: number): HTMLElement {
    const p = match.prompt;
    const li = this.doc.createElement('li');
    li.className = 'slash-option';
    li.id = `slash-option-${index}`;
    li.dataset.index = String(index);
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    const name = this.text('span', 'slash-name', `${p.favorite ? '★ ' : ''}/${p.name}`);
    const meta = [sourceLabels[p.source], p.tier !== 'auto' ? `${p.tier} tier` : '', p.usageCount > 0 ? `${p.usageCount}×` : '', p.inputs.length > 0 ? `asks ${p.inputs.join(', ')}` : '']
      .filter((s) => s !== '')
      .join(' · ');
    li.append(name, this.text('span', 'slash-meta', meta));
    if (match.extra !== undefined) {
      li.append(this.text('span', 'slash-extra', `+ “${match.extra}”`));
    }
    if (p.error !== undefined) {
      li.classList.add('disabled');
      li.setAttribute('aria-disabled', 'true');
      li.append(this.text('span', 'slash-error', `cannot run: ${p.error}`));
    } else if (p.description !== '') {
      li.append(this.text('span', 'slash-description', p.description));
    }
    return li;
  }

  private setActive(index: number): void {
    const rows = this.element.querySelectorAll('[role="option"][data-index]');
    rows.forEach((row, i) => {
      row.setAttribute('aria-selected', String(i === index));
      row.classList.toggle('active', i === index);
    });
    this.active = index;
    const row = index >= 0 ? rows[index] : undefined;
    if (row) {
      this.input.setAttribute('aria-activedescendant', row.id);
      // Not in jsdom.
      if (typeof row.scrollIntoView === 'function') {
        row.scrollIntoView({ block: 'nearest' });
      }
    } else {
      this.input.removeAttribute('aria-activedescendant');
    }
  }

  private text(tag: 'span', className: string, text: string): HTMLElement {
    const el = this.doc.createElement(tag);
    el.className = className;
    el.textContent = text;
    return el;
  }
}
