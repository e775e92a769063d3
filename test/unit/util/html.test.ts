import * as assert from 'node:assert/strict';
import { escapeHtml } from '../../../src/util/html';

suite('escapeHtml (the one HTML escaper)', () => {
  test('escapes the five characters that can end text or an attribute value, the apostrophe included', () => {
    assert.equal(escapeHtml(`& < > " '`), '&amp; &lt; &gt; &quot; &#39;');
  });

  test('a single-quoted attribute value cannot be closed by the text', () => {
    const hostile = `x' onmouseover='alert(1)`;
    const html = `<a title='${escapeHtml(hostile)}'>`;
    assert.equal(html, `<a title='x&#39; onmouseover=&#39;alert(1)'>`);
    assert.doesNotMatch(html, /' on/);
  });

  test('markup becomes text, and entities are escaped once (not left as entities)', () => {
    assert.equal(escapeHtml('<script>alert("x")</script>'), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    assert.equal(escapeHtml('&lt;'), '&amp;lt;');
  });

  test('leaves other text alone', () => {
    assert.equal(escapeHtml('plain text — ünïcode 🙂 `code`'), 'plain text — ünïcode 🙂 `code`');
    assert.equal(escapeHtml(''), '');
  });
});
