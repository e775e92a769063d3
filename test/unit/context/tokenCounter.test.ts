import * as assert from 'node:assert/strict';
import { get_encoding } from 'tiktoken';
import {
  approximateCounter,
  calibratedCounter,
  chunksOf,
  clearTiktokenCache,
  disposeTiktoken,
  isTiktokenLoaded,
  safeCut,
  tiktokenCounter,
} from '../../../src/context/tokenCounter';
import { repoSource, seededRandom } from './helpers';

suite('context/tokenCounter', () => {
  suite('tiktokenCounter', () => {
    test('loads the encoder lazily on the first count, and again after dispose', () => {
      disposeTiktoken();
      const counter = tiktokenCounter();
      assert.equal(isTiktokenLoaded(), false, 'creating a counter must not load the encoder');
      assert.equal(counter.count(''), 0);
      assert.equal(isTiktokenLoaded(), false, 'an empty count needs no encoder');
      assert.ok(counter.count('hello world') > 0);
      assert.equal(isTiktokenLoaded(), true);
      counter.dispose();
      assert.equal(isTiktokenLoaded(), false);
      counter.dispose(); // twice is harmless
      assert.equal(counter.count('hello world'), 2);
    });

    test('counts exactly like tiktoken cl100k_base encode_ordinary on real and awkward text', () => {
      const enc = get_encoding('cl100k_base');
      try {
        const counter = tiktokenCounter();
        const source = repoSource(60_000);
        const samples = [
          source,
          source.replace(/\n/g, '\r\n'),
          "it's, they'LL, I'M, WE'VE, you'd  \n\n\n   \t\tx",
          'emoji 👋🏽 and 中文字符 and ñandú — “quotes”',
          'numbers 1234567 3.14159 0xFFEE 1e-9',
          '<|endoftext|> and <|fim_prefix|> are plain text here',
          '    indented\n\n\n\tline\r\n  \n',
          'trailing spaces   ',
        ];
        for (const s of samples) {
          assert.equal(counter.count(s), enc.encode_ordinary(s).length, `mismatch on ${JSON.stringify(s.slice(0, 40))}`);
        }
      } finally {
        enc.free();
      }
    });

    test('line-by-line counting with remembered lines equals whole-text counts at awkward line breaks', () => {
      const enc = get_encoding('cl100k_base');
      try {
        const counter = tiktokenCounter();
        clearTiktokenCache();
        const rand = seededRandom(11);
        // Line breaks next to punctuation, indentation, blank lines, CRLF, tabs, letters, digits, quotes and non-ASCII.
        const bits = ['a', 'Zed', ' ', '\n', '\r\n', '\t', '  ', "'s", "'LL", '1', '234', '.', ';', '!!', '}', '{', '`', '\u00a0', '\u2028', 'ñ', '👋', '\n\n', '\n  ', '\n\t', '      '];
        const texts: string[] = [];
        for (let t = 0; t < 40; t++) {
          let s = '';
          for (let i = 0; i < 400; i++) {
            s += bits[Math.floor(rand() * bits.length)] ?? '';
          }
          texts.push(s);
        }
        const source = repoSource(30_000);
        // The same lines again in a changed file (the remembered line counts are reused) and shifted by an edit.
        texts.push(source, `// edited\n${source}`, source.replace(/\n/g, '\n  '), `${source}\n\n\n`, source.replace(/;\n/g, ';\r\n'));
        for (const s of texts) {
          assert.equal(counter.count(s), enc.encode_ordinary(s).length, `mismatch on ${JSON.stringify(s.slice(0, 60))}`);
          // Counted again (all lines remembered): the same.
          assert.equal(counter.count(s), enc.encode_ordinary(s).length);
        }
      } finally {
        enc.free();
      }
    });

    test('never throws on binary content, NULs and lone surrogates', () => {
      const counter = tiktokenCounter();
      const rand = seededRandom(7);
      let binary = '';
      for (let i = 0; i < 5000; i++) {
        binary += String.fromCharCode(Math.floor(rand() * 0x10000));
      }
      for (const s of [binary, '\u0000'.repeat(3000), '\ud800', 'a\udc00b\ud83d', '\ud83d\ude00'.repeat(100)]) {
        const n = counter.count(s);
        assert.ok(Number.isInteger(n) && n > 0, `count ${n}`);
      }
    });

    test('a 1 MB single line and a huge single "word" are counted (chunked), roughly right', () => {
      const counter = tiktokenCounter();
      const minified = repoSource(200_000).replace(/\s+/g, ' ');
      const line = minified.repeat(Math.ceil(1_000_000 / minified.length)).slice(0, 1_000_000);
      const n = counter.count(line);
      assert.ok(n > 150_000 && n < 500_000, `tokens ${n}`);
      const word = 'a'.repeat(300_000);
      const w = counter.count(word);
      // cl100k spends one token per 8 'a's on long runs; chunking may add a token per 128-char chunk.
      assert.ok(w >= 300_000 / 8 && w <= 300_000 / 8 + 300_000 / 128 + 2, `tokens ${w}`);
    });
  });

  suite('approximateCounter', () => {
    test('is within ±35 % of cl100k on source code and 0 for empty text', () => {
      const approx = approximateCounter();
      const exact = tiktokenCounter();
      assert.equal(approx.count(''), 0);
      const source = repoSource(120_000);
      for (let i = 0; i < 6; i++) {
        const chunk = source.slice(i * 20_000, (i + 1) * 20_000);
        const ratio = approx.count(chunk) / exact.count(chunk);
        assert.ok(ratio > 0.65 && ratio < 1.35, `ratio ${ratio.toFixed(3)} on chunk ${i}`);
      }
    });

    test('handles binary, emoji and surrogates without throwing and grows with the text', () => {
      const approx = approximateCounter();
      for (const s of ['\u0000\u0001\u0002', '👋🏽👋🏽', '\ud800x', 'a'.repeat(100_000)]) {
        assert.ok(approx.count(s) > 0);
      }
      assert.ok(approx.count('const a = 1;\n'.repeat(100)) > approx.count('const a = 1;\n'.repeat(10)));
    });
  });

  suite('calibratedCounter', () => {
    test('scales the base count and rounds up', () => {
      const base = { count: (t: string) => t.length };
      assert.equal(calibratedCounter(base, 1.5).count('abc'), 5);
      assert.equal(calibratedCounter(base, 1.5).count(''), 0);
      assert.equal(calibratedCounter(base, Number.NaN).count('abcd'), 4, 'an invalid factor means 1');
      assert.equal(calibratedCounter(base, -2).count('abcd'), 4);
    });
  });

  suite('surrogate-safe cutting', () => {
    test('chunksOf and safeCut never split a surrogate pair', () => {
      const text = '😀'.repeat(50) + 'abc' + '😀'.repeat(50);
      for (const size of [1, 2, 3, 7, 64]) {
        const chunks = chunksOf(text, size);
        assert.equal(chunks.join(''), text);
        for (const c of chunks) {
          assert.ok(!/^[\udc00-\udfff]/.test(c) && !/[\ud800-\udbff]$/.test(c), `split pair in ${JSON.stringify(c)}`);
        }
      }
      assert.equal(safeCut('a😀', 2), 1);
      assert.equal(safeCut('a😀', 3), 3);
      assert.equal(safeCut('abc', 99), 3);
      assert.equal(safeCut('abc', -5), 0);
    });
  });
});
