/** Folders the VS Code test tier works with. */
import * as path from 'node:path';

/** The repository root (the extension's development path). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** Screenshots, workbench console logs and copied server logs of failed tests (git-ignored). */
export const resultsDir = path.join(repoRoot, 'test-results');
/** The small workspace the tests (and `npm start`) open. */
export const sampleWorkspace = path.join(repoRoot, 'sample-workspace');
/** Where the integration tests are bundled to (the extension host `require()`s these). */
export const integrationOutDir = path.join(repoRoot, 'out', 'test', 'integration');
