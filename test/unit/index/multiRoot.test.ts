import * as assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Exclusions } from '../../../src/index/exclusions';
import { IndexStore } from '../../../src/index/indexStore';
import { sourceLabel } from '../../../src/index/retrieval';
import { IndexRoots, uniqueRootNames } from '../../../src/index/roots';
import { Throttle } from '../../../src/index/throttle';
import { WorkspaceIndex } from '../../../src/index/workspaceIndex';
import { grammars } from './grammars';
import { writeTree } from '../../support/files';

/** Two folders of one workspace, each with its own ignore rules, a sensitive file and a same-named file. */
const api: Record<string, string> = {
  'src/billing.ts': 'export function settleInvoiceBalance(invoice: Invoice): number {\n  return invoice.total - invoice.paid;\n}\n',
  'src/shared.ts': 'export const sharedApiValue = 1;\n',
  '.gitignore': 'gen/\n',
  'gen/client.ts': 'export function settleInvoiceBalance() {}\n',
  'secrets.ts': 'export const settleInvoiceBalanceKey = "x";\n',
};
const web: Record<string, string> = {
  'src/render.ts': 'export function renderInvoiceRow(row: Row): string {\n  return `<tr>${row.cells}</tr>`;\n}\n',
  'src/shared.ts': 'export const sharedWebValue = 2;\n',
  // Not ignored here: only the api folder's .gitignore names gen/.
  'gen/icons.ts': 'export const iconSheetForInvoices = [];\n',
  'dist/bundle.js': 'function renderInvoiceRow() {}\n',
};

suite('index: multi-root workspace (every folder, one ranking, exclusions per folder)', () => {
  let apiRoot: string;
  let webRoot: string;
  let storage: string;
  const open = (): WorkspaceIndex =>
    new WorkspaceIndex({
      roots: [
        { name: 'api', path: apiRoot, exclusions: new Exclusions(apiRoot, { maxFileBytes: 100_000, isExcluded: (p) => p === 'secrets.ts' }) },
        { name: 'web', path: webRoot, exclusions: new Exclusions(webRoot, { maxFileBytes: 100_000, globs: ['dist/**'] }) },
      ],
      store: new IndexStore(path.join(storage, 'index.jsonl')),
      grammars,
      throttle: new Throttle({ dutyCycle: 1, sliceMs: 1000 }),
    });

  setup(async () => {
    apiRoot = await mkdtemp(path.join(tmpdir(), 'tiered-index-api-'));
    webRoot = await mkdtemp(path.join(tmpdir(), 'tiered-index-web-'));
    storage = await mkdtemp(path.join(tmpdir(), 'tiered-index-mr-storage-'));
    await writeTree(apiRoot, api);
    await writeTree(webRoot, web);
  });
  teardown(async () => {
    await Promise.all([apiRoot, webRoot, storage].map((d) => rm(d, { recursive: true, force: true })));
  });

  test("indexes every folder's files under the folder's name, each folder with its own exclusions", async () => {
    const index = open();
    await index.build();
    assert.deepEqual(index.paths(), ['api/.gitignore', 'api/src/billing.ts', 'api/src/shared.ts', 'web/gen/icons.ts', 'web/src/render.ts', 'web/src/shared.ts']);
  });

  test('one search ranks both folders; hits name their folder and read back from the right one', async () => {
    const index = open();
    await index.build();
    const [render] = await index.search('where is renderInvoiceRow', 3);
    assert.equal(render?.path, 'web/src/render.ts');
    assert.match(sourceLabel(render ?? { path: '', startLine: 0, endLine: 0, symbols: [], kind: 'lines' }), /^web\/src\/render\.ts:1-\d+$/, 'the source chip names the folder');
    const [settle] = await index.search('settleInvoiceBalance', 3);
    assert.equal(settle?.path, 'api/src/billing.ts');
    assert.match((await index.readChunk(settle ?? render ?? { path: '', startLine: 1, endLine: 1, symbols: [], kind: 'lines' })) ?? '', /invoice\.total - invoice\.paid/);
    // Same relative path in both folders: two files, each read from its own folder.
    const api = await index.search('sharedApiValue', 1);
    const web = await index.search('sharedWebValue', 1);
    assert.equal(api[0]?.path, 'api/src/shared.ts');
    assert.equal(web[0]?.path, 'web/src/shared.ts');
    assert.match((await index.readChunk(web[0] ?? settle ?? render ?? { path: '', startLine: 1, endLine: 1, symbols: [], kind: 'lines' })) ?? '', /sharedWebValue/);
    assert.deepEqual(index.definitionsOf('renderInvoiceRow').map((r) => r.path), ['web/src/render.ts']);
  });

  test("updates and deletions follow the folder-prefixed keys; a folder's excluded path stays out", async () => {
    const index = open();
    await index.build();
    await writeFile(path.join(webRoot, 'src', 'table.ts'), 'export function drawInvoiceTable(): void {}\n');
    assert.equal(await index.update('web/src/table.ts'), 'indexed');
    assert.equal((await index.search('drawInvoiceTable', 1))[0]?.path, 'web/src/table.ts');
    await writeFile(path.join(apiRoot, 'gen', 'more.ts'), 'export const generatedThing = 1;\n');
    assert.equal(await index.update('api/gen/more.ts'), 'excluded', "the api folder's .gitignore holds for its files");
    assert.equal(await index.update('nowhere/src/x.ts'), 'excluded', 'a key of no folder is never read');
    assert.ok((await index.search('settleInvoiceBalance', 10)).some((h) => h.path === 'api/src/billing.ts'));
    await unlink(path.join(apiRoot, 'src', 'billing.ts'));
    assert.equal(await index.remove('api/src/billing.ts'), 1);
    assert.ok(!(await index.search('settleInvoiceBalance', 10)).some((h) => h.path === 'api/src/billing.ts'), 'the deleted file is gone from the results');
  });

  test('a restart restores the keys of every folder and re-reads nothing', async () => {
    await open().build();
    const again = open();
    assert.equal((await again.load()).files, 6);
    const summary = await again.build();
    assert.equal(summary.indexed, 0);
    assert.equal(summary.unchanged, 6);
  });

  test('folder names: slashes replaced, duplicates numbered; keys resolve to their folder', () => {
    assert.deepEqual(uniqueRootNames(['app', 'app', 'a/b', 'app']), ['app', 'app-2', 'a-b', 'app-3']);
    const exclusions = new Exclusions('/x');
    const roots = new IndexRoots([
      { name: 'app', path: '/work/app', exclusions },
      { name: 'app-2', path: '/work/other', exclusions },
    ]);
    assert.equal(roots.resolve('app-2/src/a.ts')?.absolute, path.join('/work/other', 'src/a.ts'));
    assert.equal(roots.resolve('app/src/a.ts')?.relative, 'src/a.ts');
    assert.equal(roots.resolve('missing/a.ts'), undefined);
    const single = new IndexRoots([{ name: 'app', path: '/work/app', exclusions }]);
    assert.equal(single.keyOf(single.roots[0] ?? { name: '', path: '', exclusions }, 'src/a.ts'), 'src/a.ts', 'a single folder keeps plain paths (its stored index stays valid)');
  });
});
