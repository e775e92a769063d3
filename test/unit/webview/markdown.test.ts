import * as assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import type { Marked as MarkedClass } from 'marked' with { 'resolution-mode': 'import' };
import { createMarkdownRenderer, MAX_RENDERED_CHARS, type PurifyWindow } from '../../../src/webview/app/markdown';

// Renders into a real (jsdom) document with scripts enabled, so "nothing ran" is observed, not assumed.
function setup(): { render: ReturnType<typeof createMarkdownRenderer>; mount: (html: string) => Element; ran: () => string[]; dom: JSDOM } {
  const dom = new JSDOM('<!doctype html><body><div id="root"></div></body>', { runScripts: 'dangerously', url: 'https://webview.test/' });
  const win = dom.window as unknown as Window & { __ran?: string[] };
  win.__ran = [];
  const render = createMarkdownRenderer(dom.window as unknown as PurifyWindow, Marked);
  const root = dom.window.document.getElementById('root') as Element;
  return {
    render,
    dom,
    mount: (html) => {
      root.innerHTML = html;
      return root;
    },
    ran: () => win.__ran ?? [],
  };
}

const HOSTILE: readonly string[] = [
  '<script>window.__ran.push("script")</script>',
  'Hello <img src=x onerror="window.__ran.push(\'img\')">',
  '<svg onload="window.__ran.push(\'svg\')"><script>window.__ran.push("svg-script")</script></svg>',
  '<svg><animate onbegin="window.__ran.push(\'animate\')" attributeName="x" dur="1s"/></svg>',
  '[click me](javascript:window.__ran.push("link"))',
  '<a href="javascript:window.__ran.push(1)">x</a>',
  '[x](JaVaScRiPt&#58;alert(1))',
  '<iframe srcdoc="<script>parent.__ran.push(\'iframe\')</script>"></iframe>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__ran.push(\'mxss\')"></style></mglyph></table></mtext></math>',
  '<details open ontoggle="window.__ran.push(\'details\')">x</details>',
  '<form action="javascript:alert(1)"><input type=submit></form>',
  '<style>body{display:none}</style>',
  '<div style="background:url(javascript:alert(1))">styled</div>',
  '![tracking](https://evil.example/pixel.png)',
  '<object data="data:text/html,<script>alert(1)</script>"></object>',
  '```html\n<script>window.__ran.push("fenced")</script>\n```',
  '<button data-action="insert" data-code-index="0">fake</button>',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<base href="https://evil.example/">',
  '`<img src=x onerror=alert(1)>`',
];

let Marked: typeof MarkedClass;

suite('webview markdown rendering (untrusted model output)', () => {
  suiteSetup(async () => {
    ({ Marked } = await import('marked'));
  });

  test('renders ordinary Markdown: headings, lists, tables, links, highlighted code with action buttons', () => {
    const { render, mount } = setup();
    const out = render('# Title\n\n- a\n- **b**\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n[docs](https://example.com)\n\n```ts\nconst x: number = 1;\n```\n');
    const root = mount(out.html);
    assert.equal(root.querySelector('h1')?.textContent, 'Title');
    assert.equal(root.querySelectorAll('li').length, 2);
    assert.equal(root.querySelector('strong')?.textContent, 'b');
    assert.equal(root.querySelectorAll('td').length, 2);
    assert.equal(root.querySelector('a')?.getAttribute('href'), 'https://example.com');
    assert.ok(root.querySelector('code.hljs.language-ts .hljs-keyword'), 'highlighted');
    const actions = [...root.querySelectorAll('.code-block button')].map((b) => b.getAttribute('data-action'));
    assert.deepEqual(actions, ['copy', 'insert', 'replace', 'diff', 'newFile']);
    assert.deepEqual(out.codeBlocks, [{ code: 'const x: number = 1;', language: 'ts' }]);
  });

  test('hostile answers render as text or are stripped, and run nothing', async () => {
    const { render, mount, ran, dom } = setup();
    for (const input of HOSTILE) {
      const out = render(input);
      const root = mount(out.html);
      assert.equal(root.querySelector('script, iframe, object, embed, svg, math, style, form, img, meta, base, [style]'), null, input);
      for (const el of root.querySelectorAll('*')) {
        for (const attr of el.getAttributeNames()) {
          assert.ok(!attr.startsWith('on'), `${input}: event handler ${attr}`);
        }
        const href = el.getAttribute('href');
        assert.ok(href === null || /^(https?:|mailto:)/i.test(href), `${input}: href ${href}`);
      }
      // Fake buttons from the model cannot reach the code actions: only our own code blocks have them.
      const buttons = root.querySelectorAll('button[data-action]');
      assert.equal(buttons.length, out.codeBlocks.length * 5, input);
    }
    // Let any load/error/toggle handlers that might have slipped through fire.
    await new Promise((resolve) => dom.window.setTimeout(resolve, 50));
    assert.deepEqual(ran(), []);
  });

  test('raw HTML in an answer is shown as text, not dropped', () => {
    const { render, mount } = setup();
    const root = mount(render('Use <script>alert(1)</script> carefully').html);
    assert.match(root.textContent ?? '', /<script>alert\(1\)<\/script>/);
    assert.equal(root.querySelector('script'), null);
  });

  test('the code of a fenced block is kept verbatim for the buttons, even when it holds markup', () => {
    const { render, mount } = setup();
    const code = '<script>alert("x")</script>\n<div onclick="y()">&amp;</div>';
    const out = render(`\`\`\`html\n${code}\n\`\`\``);
    assert.equal(out.codeBlocks[0]?.code, code);
    assert.equal(mount(out.html).querySelector('code')?.textContent, code);
  });

  test('a huge answer renders its start and says how much was left out', () => {
    const { render, mount } = setup();
    const huge = 'word '.repeat(100_000);
    const out = render(huge);
    assert.equal(out.omittedChars, huge.length - MAX_RENDERED_CHARS);
    assert.match(mount(out.html).querySelector('.omitted')?.textContent ?? '', /more characters not shown/);
  });

  test('pathological nesting and unclosed fences still render', () => {
    const { render, mount } = setup();
    const nested = render(`${'> '.repeat(500)}deep`);
    assert.match(mount(nested.html).textContent ?? '', /deep/);
    const unclosed = render('text\n```python\nprint(1)\n'); // a stream cut off mid-block
    assert.equal(unclosed.codeBlocks[0]?.code, 'print(1)');
  });
});
