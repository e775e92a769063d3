import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { nameFromFileName, promptFileExtension } from '../../../src/prompts/format';
import { isLegacyPromptFileName, migratedFileName, migrateLegacyPromptFiles, withCurrentExtension } from '../../../src/prompts/migration';
import { PromptFolder, PromptTrash } from '../../../src/prompts/promptFolder';

const prompt = (name: string): string => `---\nname: ${name}\n---\nBody of ${name}\n`;

suite('prompts: migration from *.prompt.md to *.tiered.md', () => {
  let root: string;
  let dir: string;

  setup(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'tiered-migrate-'));
    dir = path.join(root, 'prompts');
    await fs.mkdir(dir);
  });

  teardown(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const names = async (): Promise<string[]> => (await fs.readdir(dir)).sort();
  const read = (name: string): Promise<string> => fs.readFile(path.join(dir, name), 'utf8');

  test('names: the new suffix is one VS Code 1.100 does not claim; old names map to it', () => {
    assert.equal(promptFileExtension, '.tiered.md');
    // VS Code 1.100's prompt-basics extension claims these for its "prompt" and "instructions" languages.
    for (const claimed of ['.prompt.md', '.instructions.md', 'copilot-instructions.md', '.chatmode.md']) {
      assert.ok(!promptFileExtension.endsWith(claimed) && !claimed.endsWith(promptFileExtension), claimed);
    }
    assert.equal(migratedFileName('fix-bug.prompt.md'), 'fix-bug.tiered.md');
    assert.equal(migratedFileName('Fix-Bug.PROMPT.MD'), 'Fix-Bug.tiered.md');
    assert.equal(migratedFileName('fix-bug.prompt.md', 3), 'fix-bug-3.tiered.md');
    assert.ok(isLegacyPromptFileName('a.prompt.md'));
    assert.ok(!isLegacyPromptFileName('.a.prompt.md.123.tmp'));
    assert.ok(!isLegacyPromptFileName('.hidden.prompt.md'));
    assert.ok(!isLegacyPromptFileName('a.tiered.md'));
    assert.equal(withCurrentExtension('/u/p/review.prompt.md'), path.join('/u/p', 'review.tiered.md'));
    assert.equal(withCurrentExtension('/u/p/review.tiered.md'), '/u/p/review.tiered.md');
    assert.equal(nameFromFileName('/a/b/review.tiered.md'), 'review');
    assert.equal(nameFromFileName('/a/b/review.prompt.md'), 'review');
  });

  test('old files move to the new name with their content; other files are left alone', async () => {
    await fs.writeFile(path.join(dir, 'alpha.prompt.md'), prompt('Alpha'));
    await fs.writeFile(path.join(dir, 'beta.prompt.md'), prompt('Beta'));
    await fs.writeFile(path.join(dir, 'notes.md'), 'not a prompt');
    const result = await migrateLegacyPromptFiles(dir);
    assert.deepEqual(await names(), ['alpha.tiered.md', 'beta.tiered.md', 'notes.md']);
    assert.equal(await read('alpha.tiered.md'), prompt('Alpha'));
    assert.equal(await read('beta.tiered.md'), prompt('Beta'));
    assert.deepEqual(
      result.renamed.map((r) => path.basename(r.to)),
      ['alpha.tiered.md', 'beta.tiered.md'],
    );
    assert.deepEqual(result.failed, []);
    // A second run has nothing to do.
    const again = await migrateLegacyPromptFiles(dir);
    assert.deepEqual([again.renamed.length, again.completed.length, again.failed.length], [0, 0, 0]);
  });

  test('a collision with a different file keeps both: the old one takes the next free name', async () => {
    await fs.writeFile(path.join(dir, 'review.tiered.md'), prompt('Review (new)'));
    await fs.writeFile(path.join(dir, 'review-2.tiered.md'), prompt('Review 2'));
    await fs.writeFile(path.join(dir, 'review.prompt.md'), prompt('Review (old)'));
    const result = await migrateLegacyPromptFiles(dir);
    assert.deepEqual(await names(), ['review-2.tiered.md', 'review-3.tiered.md', 'review.tiered.md']);
    assert.equal(await read('review.tiered.md'), prompt('Review (new)'));
    assert.equal(await read('review-2.tiered.md'), prompt('Review 2'));
    assert.equal(await read('review-3.tiered.md'), prompt('Review (old)'));
    assert.equal(result.renamed.length, 1);
  });

  test('an interrupted migration (linked at the new name, old name not yet removed) is completed by a re-run', async () => {
    // What a crash between the link and the unlink of a no-clobber move leaves: both names, one content.
    await fs.writeFile(path.join(dir, 'tests.prompt.md'), prompt('Tests'));
    await fs.link(path.join(dir, 'tests.prompt.md'), path.join(dir, 'tests.tiered.md'));
    // And a file the crashed run had not reached yet.
    await fs.writeFile(path.join(dir, 'zeta.prompt.md'), prompt('Zeta'));
    const result = await migrateLegacyPromptFiles(dir);
    assert.deepEqual(await names(), ['tests.tiered.md', 'zeta.tiered.md']);
    assert.equal(await read('tests.tiered.md'), prompt('Tests'));
    assert.equal(await read('zeta.tiered.md'), prompt('Zeta'));
    assert.deepEqual(
      result.completed.map((c) => [path.basename(c.from), path.basename(c.sameAs)]),
      [['tests.prompt.md', 'tests.tiered.md']],
    );
    assert.deepEqual(
      result.renamed.map((r) => path.basename(r.to)),
      ['zeta.tiered.md'],
    );
  });

  test('an interrupted copy (same content in a separate file at the new name) is completed too; a differing one is kept', async () => {
    await fs.writeFile(path.join(dir, 'a.prompt.md'), prompt('A'));
    await fs.writeFile(path.join(dir, 'a.tiered.md'), prompt('A'));
    await fs.writeFile(path.join(dir, 'b.prompt.md'), prompt('B old'));
    await fs.writeFile(path.join(dir, 'b.tiered.md'), prompt('B new'));
    await migrateLegacyPromptFiles(dir);
    assert.deepEqual(await names(), ['a.tiered.md', 'b-2.tiered.md', 'b.tiered.md']);
    assert.equal(await read('a.tiered.md'), prompt('A'));
    assert.equal(await read('b.tiered.md'), prompt('B new'));
    assert.equal(await read('b-2.tiered.md'), prompt('B old'));
  });

  test('a file that cannot be moved is reported and left in place; the others still move; a missing folder is nothing', async () => {
    await fs.writeFile(path.join(dir, 'good.prompt.md'), prompt('Good'));
    // A 255-byte name whose new name is taken by another prompt: the next free name (`-2`) is too long to exist.
    const stem = 's'.repeat(255 - '.prompt.md'.length);
    await fs.writeFile(path.join(dir, `${stem}.prompt.md`), prompt('Stuck old'));
    await fs.writeFile(path.join(dir, `${stem}.tiered.md`), prompt('Stuck new'));
    const result = await migrateLegacyPromptFiles(dir);
    assert.deepEqual(await names(), [`${stem}.prompt.md`, `${stem}.tiered.md`, 'good.tiered.md'].sort());
    assert.equal(await read(`${stem}.prompt.md`), prompt('Stuck old'), 'the old file is kept as it was');
    assert.deepEqual(
      result.failed.map((f) => path.basename(f.file)),
      [`${stem}.prompt.md`],
    );
    assert.match(result.failed[0]?.reason ?? '', /ENAMETOOLONG|name too long/i);
    assert.deepEqual(await migrateLegacyPromptFiles(path.join(root, 'missing')), { renamed: [], completed: [], failed: [] });
  });

  test('a folder lists only *.tiered.md; after migrating, the old files are in the library under their names', async () => {
    const trash = new PromptTrash(path.join(root, 'trash'));
    const folder = new PromptFolder(dir, 'user', trash);
    await fs.writeFile(path.join(dir, 'old.prompt.md'), prompt('Old One'));
    assert.deepEqual((await folder.list()).map((e) => e.name), [], 'listing alone never renames');
    await folder.migrateLegacyFiles();
    const entries = await folder.list();
    assert.deepEqual(entries.map((e) => [e.name, path.basename(e.file ?? '')]), [['Old One', 'old.tiered.md']]);
    // New prompts are created with the new suffix.
    const created = await folder.create({ name: 'Fresh', description: '', tier: 'auto', variables: [], body: 'x' });
    assert.equal(path.basename(created), 'fresh.tiered.md');
  });

  test('a prompt trashed under the old name is listed in the trash and restored under the new one', async () => {
    const trash = new PromptTrash(path.join(root, 'trash'));
    const trashed = path.join(root, 'trash', '2026-01-01T00-00-00-000Z-legacy.prompt.md');
    await fs.mkdir(path.dirname(trashed));
    await fs.writeFile(trashed, prompt('Legacy'));
    await fs.writeFile(`${trashed}.origin.json`, JSON.stringify({ originalPath: path.join(dir, 'legacy.prompt.md') }));
    assert.deepEqual(await trash.list(), [trashed]);
    const restored = await trash.restore(trashed, dir);
    assert.equal(restored, path.join(dir, 'legacy.tiered.md'));
    assert.equal(await read('legacy.tiered.md'), prompt('Legacy'));
  });
});
