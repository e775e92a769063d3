// Markdown → safe HTML for model output, which is UNTRUSTED. Three layers:
// 1. marked renders raw HTML in the answer as escaped text (a `<script>` shows as text, it is never markup);
//    images become plain links (no remote content); links keep only http(s)/mailto targets.
// 2. DOMPurify sanitises the result with a small allow-list (no svg/math/style/forms/iframes, no event handlers).
// 3. The view's CSP allows only our nonce'd bundle, so even a miss could not run a script.
// Type-only, marked is ESM-only: the caller passes the class in (see main.ts), so the Node16 type-check of the tests works.
import type { Marked, Tokens } from 'marked' with { 'resolution-mode': 'import' };
import createDOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { escapeHtml } from '../../util/html';

/** Answers longer than this render their start as Markdown and say how much was left out (Copy/Export keep all). */
export const MAX_RENDERED_CHARS = 200_000;
/** Code blocks longer than this are shown without highlighting (highlighting is the slow part). */
export const MAX_HIGHLIGHT_CHARS = 30_000;

const LANGUAGES = { bash, cpp, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml };
let languagesRegistered = false;

function registerLanguages(): void {
  if (languagesRegistered) {
    return;
  }
  languagesRegistered = true;
  for (const [name, language] of Object.entries(LANGUAGES)) {
    hljs.registerLanguage(name, language);
  }
  hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
  hljs.registerAliases(['c', 'h', 'hpp', 'cc', 'c++'], { languageName: 'cpp' });
  hljs.registerAliases(['js', 'jsx', 'mjs', 'cjs'], { languageName: 'javascript' });
  hljs.registerAliases(['ts', 'tsx', 'mts'], { languageName: 'typescript' });
  hljs.registerAliases(['py'], { languageName: 'python' });
  hljs.registerAliases(['rs'], { languageName: 'rust' });
  hljs.registerAliases(['html', 'svg', 'xhtml'], { languageName: 'xml' });
  hljs.registerAliases(['yml'], { languageName: 'yaml' });
  hljs.registerAliases(['patch'], { languageName: 'diff' });
}

/** The buttons on every code block; `data-action` values are the protocol's code actions. */
const CODE_BUTTONS: ReadonlyArray<readonly [string, string, string]> = [
  ['copy', 'Copy', 'Copy the code'],
  ['insert', 'Insert', 'Insert at the cursor'],
  ['replace', 'Replace', 'Replace the selection'],
  ['diff', 'Diff', 'Show a diff against the selection'],
  ['newFile', 'New File', 'Open the code in a new file'],
];

const ALLOWED_TAGS = [
  'a', 'b', 'blockquote', 'br', 'button', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i',
  'li', 'ol', 'p', 'pre', 's', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul', 'input',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'data-action', 'data-lang', 'data-code-index', 'type', 'aria-label', 'align', 'checked', 'disabled', 'start'];

/** The minimum of `window` DOMPurify needs (the real one in the webview, jsdom's in tests). */
export type PurifyWindow = Parameters<typeof createDOMPurify>[0];

export interface RenderedMarkdown {
  readonly html: string;
  /** The code of each block, by `data-code-index`: the buttons send these, never text read back from the DOM. */
  readonly codeBlocks: readonly { readonly code: string; readonly language: string | undefined }[];
  /** Characters not rendered because the answer was huge. */
  readonly omittedChars: number;
}

/** `firstCodeIndex` numbers the code blocks from there (when a text is rendered in parts). */
export type MarkdownRenderer = (markdown: string, firstCodeIndex?: number) => RenderedMarkdown;

/** Builds the renderer for one window. */
export function createMarkdownRenderer(window: PurifyWindow, MarkedClass: typeof Marked): MarkdownRenderer {
  registerLanguages();
  const purify = createDOMPurify(window);
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      const href = node.getAttribute('href') ?? '';
      if (!/^(https?:|mailto:)/i.test(href)) {
        node.removeAttribute('href');
      }
      node.setAttribute('title', href);
    }
    if (node.nodeName === 'INPUT' && node.getAttribute('type') !== 'checkbox') {
      node.remove();
    }
  });

  // One parser per renderer; the code blocks of the render in progress are collected here.
  let codeBlocks: { code: string; language: string | undefined }[] = [];
  let codeIndexBase = 0;
  const marked = new MarkedClass({
    gfm: true,
    breaks: false,
    async: false,
    renderer: {
      html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
      image: ({ href, text }: Tokens.Image) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
      code: ({ text, lang }: Tokens.Code) => {
        const language = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() || undefined;
        const index = codeIndexBase + codeBlocks.length;
        codeBlocks.push({ code: text, language });
        return codeBlockHtml(text, language, index);
      },
    },
  });

  return (markdown: string, firstCodeIndex = 0): RenderedMarkdown => {
    codeIndexBase = firstCodeIndex;
    const omittedChars = Math.max(0, markdown.length - MAX_RENDERED_CHARS);
    const source = omittedChars > 0 ? markdown.slice(0, MAX_RENDERED_CHARS) : markdown;
    codeBlocks = [];
    const raw = marked.parse(source, { async: false });
    const html = purify.sanitize(raw, {
      ALLOWED_TAGS,
      ALLOWED_ATTR,
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      ALLOW_UNKNOWN_PROTOCOLS: false,
    });
    const tail = omittedChars > 0 ? `<p class="omitted">… ${omittedChars.toLocaleString('en')} more characters not shown. Copy or export the conversation to see everything.</p>` : '';
    const blocks = codeBlocks;
    codeBlocks = [];
    return { html: `${html}${tail}`, codeBlocks: blocks, omittedChars };
  };
}

function codeBlockHtml(code: string, language: string | undefined, index: number): string {
  const known = language !== undefined && hljs.getLanguage(language) !== undefined;
  const body = known && code.length <= MAX_HIGHLIGHT_CHARS ? hljs.highlight(code, { language, ignoreIllegals: true }).value : escapeHtml(code);
  const buttons = CODE_BUTTONS.map(
    ([action, label, title]) => `<button type="button" class="code-action" data-action="${action}" data-code-index="${index}" title="${title}" aria-label="${title}">${label}</button>`,
  ).join('');
  const languageClass = known ? ` language-${escapeHtml(language)}` : '';
  return (
    `<div class="code-block" data-code-index="${index}">` +
    `<div class="code-toolbar"><span class="code-lang">${escapeHtml(language ?? '')}</span>${buttons}</div>` +
    `<pre><code class="hljs${languageClass}">${body}</code></pre></div>`
  );
}
