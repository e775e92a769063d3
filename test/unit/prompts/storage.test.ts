import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileExclusive, FileExistsError, moveFileNoClobber, writeFileAtomic } from '../../../src/util/atomicFile';
import { PromptFolder, PromptNameTakenError, PromptTrash } from '../../../src/prompts/promptFolder';
import type { PromptDefinition } from '../../../src/prompts/types';

const def = (name: string, body = `Body of ${name}`): PromptDefinition => ({ name, description: '', tier: 'auto', variables: [], body });

suite('prompts: storage', () => {
  let root: string;
  let ws: PromptFolder;
  let user: PromptFolder;
  let trash: PromptTrash;

  setup(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'tiered-prompts-'));
    let tick = 0;
    trash = new PromptTrash(path.join(root, 'trash'), () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)));
    ws = new PromptFolder(path.join(root, 'ws', '.tiered', 'prompts'), 'workspace', trash);
    user = new PromptFolder(path.join(root, 'user'), 'user', trash);
  });

  teardown(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  async function tempLeftovers(dir: string): Promise<string[]> {
    return (await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'));
  }

  test('atomic save replaces the file by rename: an open reader keeps the old content, no temp file remains', async () => {
    const file = path.join(root, 'a.txt');
    await writeFileAtomic(file, 'old content');
    const reader = await fs.open(file, 'r');
    try {
      await writeFileAtomic(file, 'new content');
      assert.equal(await fs.readFile(file, 'utf8'), 'new content');
      // An in-place write would have changed what the open descriptor reads.
      assert.equal((await reader.readFile('utf8')).toString(), 'old content');
    } finally {
      await reader.close();
    }
    assert.deepEqual(await tempLeftovers(root), []);
  });

  test('atomic save keeps permissions and writes through a symlink (the link stays a link)', async () => {
    const real = path.join(root, 'real.prompt.md');
    await writeFileAtomic(real, 'v1');
    await fs.chmod(real, 0o640);
    const link = path.join(root, 'link.prompt.md');
    await fs.symlink(real, link);
    await writeFileAtomic(link, 'v2');
    assert.equal((await fs.lstat(link)).isSymbolicLink(), true);
    assert.equal(await fs.readFile(real, 'utf8'), 'v2');
    assert.equal((await fs.stat(real)).mode & 0o777, 0o640);
  });

  test('a failed atomic save leaves the target as it was and no temp file', async () => {
    const target = path.join(root, 'dir-not-file');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'inside'), 'keep');
    await assert.rejects(writeFileAtomic(target, 'x'));
    assert.equal(await fs.readFile(path.join(target, 'inside'), 'utf8'), 'keep');
    assert.deepEqual(await tempLeftovers(root), []);
  });

  test('create and move never overwrite an existing file', async () => {
    const a = path.join(root, 'a.txt');
    const b = path.join(root, 'b.txt');
    await createFileExclusive(a, 'A');
    await assert.rejects(createFileExclusive(a, 'other'), FileExistsError);
    assert.equal(await fs.readFile(a, 'utf8'), 'A');
    await createFileExclusive(b, 'B');
    await assert.rejects(moveFileNoClobber(a, b), FileExistsError);
    assert.equal(await fs.readFile(a, 'utf8'), 'A');
    assert.equal(await fs.readFile(b, 'utf8'), 'B');
    await moveFileNoClobber(a, path.join(root, 'sub', 'c.txt'));
    assert.equal(await fs.readFile(path.join(root, 'sub', 'c.txt'), 'utf8'), 'A');
    await assert.rejects(fs.stat(a));
    assert.deepEqual(await tempLeftovers(root), []);
  });

  test('a missing folder lists as empty; created prompts list sorted with their source and file', async () => {
    assert.deepEqual(await ws.list(), []);
    const f1 = await ws.create(def('Zeta'));
    const f2 = await ws.create(def('Alpha Beta'));
    assert.equal(path.basename(f2), 'alpha-beta.tiered.md');
    const list = await ws.list();
    assert.deepEqual(
      list.map((e) => [e.name, e.source, e.file]),
      [
        ['Alpha Beta', 'workspace', f2],
        ['Zeta', 'workspace', f1],
      ],
    );
    assert.equal(list[0]?.definition?.body, 'Body of Alpha Beta');
  });

  test('name clashes: the same name (any case) cannot be created twice; a taken file name gets a suffix', async () => {
    await ws.create(def('Review'));
    await assert.rejects(ws.create(def('review')), PromptNameTakenError);
    // A hand-made file occupies review-it.tiered.md under another name.
    await fs.writeFile(path.join(ws.dir, 'review-it.tiered.md'), '---\nname: Something else\n---\nx\n');
    const file = await ws.create(def('Review It'));
    assert.equal(path.basename(file), 'review-it-2.tiered.md');
    assert.equal(await fs.readFile(path.join(ws.dir, 'review-it.tiered.md'), 'utf8'), '---\nname: Something else\n---\nx\n');
  });

  test('rename moves the file to the new name and rewrites only the name; clashes are refused', async () => {
    const file = await user.create({ ...def('Old'), tier: 'moe', variables: [{ name: 'v', description: 'd' }], body: 'Keep ${input:v}' });
    const other = await user.create(def('Other'));
    const renamed = await user.rename(file, 'New Name');
    assert.equal(path.basename(renamed), 'new-name.tiered.md');
    await assert.rejects(fs.stat(file));
    const entry = await user.read(renamed);
    assert.deepEqual(entry.definition, { name: 'New Name', description: '', tier: 'moe', variables: [{ name: 'v', description: 'd' }], body: 'Keep ${input:v}' });
    await assert.rejects(user.rename(renamed, 'other'), PromptNameTakenError);
    assert.ok((await user.read(other)).definition);
    // Only a case change: same file, new name.
    assert.equal(await user.rename(renamed, 'new name'), renamed);
    assert.equal((await user.read(renamed)).name, 'new name');
    assert.deepEqual(await tempLeftovers(user.dir), []);
  });

  test('delete moves the prompt to the trash with a note of its origin; nothing is lost', async () => {
    const file = await ws.create(def('Doomed', 'precious text'));
    const content = await fs.readFile(file, 'utf8');
    const trashed = await ws.delete(file);
    await assert.rejects(fs.stat(file));
    assert.equal(await fs.readFile(trashed, 'utf8'), content);
    const origin = JSON.parse(await fs.readFile(`${trashed}.origin.json`, 'utf8')) as { originalPath: string };
    assert.equal(origin.originalPath, file);
    // Deleting a second prompt with the same file name keeps both in the trash.
    const again = await ws.create(def('Doomed', 'second'));
    const trashed2 = await ws.delete(again);
    assert.notEqual(trashed2, trashed);
    assert.deepEqual((await trash.list()).sort(), [trashed, trashed2].sort());
    assert.deepEqual(await ws.list(), []);
  });

  test('move between workspace and user keeps the content and refuses a clash in the target', async () => {
    const file = await ws.create(def('Shared', 'team text'));
    const moved = await ws.moveTo(file, user);
    assert.equal(path.dirname(moved), user.dir);
    assert.equal((await user.read(moved)).definition?.body, 'team text');
    await assert.rejects(fs.stat(file));
    const again = await ws.create(def('shared'));
    await assert.rejects(ws.moveTo(again, user), PromptNameTakenError);
    assert.ok((await ws.read(again)).definition, 'the source stays when the move is refused');
  });

  test('a malformed file is listed with its problem and line, and left untouched on disk', async () => {
    await fs.mkdir(ws.dir, { recursive: true });
    const bad = path.join(ws.dir, 'broken.tiered.md');
    const text = '---\nname: Broken\ntier: gigantic\n---\nbody\n';
    await fs.writeFile(bad, text);
    const before = await fs.stat(bad);
    const [entry] = await ws.list();
    assert.equal(entry?.name, 'broken');
    assert.equal(entry?.definition, undefined);
    assert.equal(entry?.problems[0]?.line, 3);
    assert.equal(entry?.problems[0]?.file, bad);
    await assert.rejects(ws.rename(bad, 'Fixed'), /malformed/);
    assert.equal(await fs.readFile(bad, 'utf8'), text);
    assert.equal((await fs.stat(bad)).mtimeMs, before.mtimeMs);
  });

  test('saving refuses a name another prompt of the folder has, and writes atomically otherwise', async () => {
    const a = await user.create(def('A'));
    await user.create(def('B'));
    await assert.rejects(user.save(a, def('b')), PromptNameTakenError);
    await user.save(a, def('A', 'edited'));
    assert.equal((await user.read(a)).definition?.body, 'edited');
    await assert.rejects(user.save(path.join(root, 'elsewhere.prompt.md'), def('X')), /not a prompt file/);
  });

  test('restore puts a trashed prompt back, never over a newer file of the same path', async () => {
    const file = await ws.create(def('Back', 'first'));
    const trashed = await ws.delete(file);
    const restored = await trash.restore(trashed, user.dir);
    assert.equal(restored, file);
    assert.equal((await ws.read(file)).definition?.body, 'first');
    assert.deepEqual(await trash.list(), []);
    // Trash it again, create a new prompt at the same path, restore: both survive.
    const trashedAgain = await ws.delete(file);
    await ws.create(def('Back', 'newer'));
    const second = await trash.restore(trashedAgain, user.dir);
    assert.equal(path.basename(second), 'back-restored.tiered.md');
    assert.equal((await ws.read(file)).definition?.body, 'newer');
    assert.equal((await ws.read(second)).definition?.body, 'first');
  });
});
