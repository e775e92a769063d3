import * as assert from 'node:assert/strict';
import { identifierWords } from '../../../../src/context/rank';
import { textWords } from '../../../../src/completion/repoContext/relevance';
import { seededRandom } from '../../../doubles/seededRandom';

suite('repoContext relevance words', () => {
  test('textWords (each identifier split once) gives exactly identifierWords, on code and on random identifiers', () => {
    const code = [
      'export function parseConfigFile(config_path: string, $ref: JSONSchemaType): ParsedConfig {',
      '  const HTTPServer = createHTTPServer(config_path.toLowerCase());',
      '  return { ...DEFAULT_OPTIONS, parseConfigFile, __proto__: null, x1: HTTPServer };',
      '}',
    ].join('\n');
    assert.deepEqual([...textWords(code)].sort(), [...identifierWords(code)].sort());
    const random = seededRandom(7);
    const alphabet = 'abcXYZ_$019 .\n';
    for (let round = 0; round < 50; round++) {
      let text = '';
      for (let i = 0; i < 300; i++) {
        text += alphabet[Math.floor(random() * alphabet.length)];
      }
      assert.deepEqual([...textWords(text)].sort(), [...identifierWords(text)].sort(), text);
    }
  });
});
