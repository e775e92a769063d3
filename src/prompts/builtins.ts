/**
 * The built-in prompts, embedded as data so the bundle carries them. They are read-only: to customise one,
 * copy it to the workspace or the user folder (a copy of the same name then wins). The selected code (or the
 * whole file) is attached after the instructions by the runner, so these bodies do not place it themselves.
 * Explain and Review are `tier: auto`: they are routed as the Explain / Review Selection commands are
 * (routing/featureRoutes.ts), so the tier the Prompts view shows is the one they run on.
 * Pure: no `vscode` import.
 */
import { parsePromptFile } from './format';
import type { PromptEntry } from './types';

/** Key → file text, in the order the tree shows them. */
export const builtinPromptFiles: Readonly<Record<string, string>> = {
  explain: `---
name: Explain
description: Explains what the code does, step by step
tier: auto
---
Explain what the following \${language} code from \${fileBasename} does. Start with a one-sentence summary, then walk
through it step by step. Point out anything surprising: side effects, error handling, edge cases, performance traps.
Be concise; do not repeat the code back.
`,
  review: `---
name: Review
description: Reviews the code like a careful senior colleague
tier: auto
---
Review the following \${language} code from \${fileBasename} as a careful senior engineer would.
List concrete problems in order of importance: bugs, security issues, unclear naming, missing error handling,
performance, tests that would be needed. For each, quote the line, say why it matters and propose a fix.
If the code is fine, say so briefly instead of inventing issues.
`,
  writeTests: `---
name: Write Tests
description: Writes unit tests for the code
tier: code
variables:
  framework:
    description: Test framework to use
    default: the framework this project already uses
---
Write unit tests for the following \${language} code from \${fileBasename}, using \${input:framework}.
Cover the normal cases, the edge cases (empty input, limits, invalid values) and the error paths.
Each test must assert something that would fail if the code broke. Return only the test code in one code block.
`,
  document: `---
name: Document
description: Writes documentation comments for the code
tier: code
---
Write documentation comments for the following \${language} code from \${fileBasename}, in the idiomatic style
for \${language} (for example JSDoc, docstrings, rustdoc). Describe purpose, parameters, return values, errors
and non-obvious behaviour; do not state the obvious. Return the code with the comments added, unchanged otherwise.
`,
  refactor: `---
name: Refactor
description: Suggests a cleaner version of the code with the same behaviour
tier: code
variables:
  goal:
    description: What the refactoring should improve
    default: readability
---
Refactor the following \${language} code from \${fileBasename} to improve \${input:goal}, keeping its behaviour exactly
the same. Explain each change in one line, then give the complete refactored code in one code block.
`,
  findBugs: `---
name: Find Bugs
description: Hunts for bugs and explains how to fix them
tier: moe
---
Find the bugs in the following \${language} code from \${fileBasename}. Think about off-by-one errors, null or
undefined values, wrong conditions, resource leaks, races, unhandled errors and wrong assumptions about inputs.
For each bug: the line, what goes wrong (with an input that triggers it) and the fix. If you find none, say so.
`,
};

/** The built-ins as library entries. Each parses with the same parser as user files (a unit test checks it). */
export function builtinPromptEntries(): PromptEntry[] {
  return Object.entries(builtinPromptFiles).map(([key, text]) => {
    const file = `builtin:${key}`;
    const parsed = parsePromptFile(text, file, key);
    return parsed.ok
      ? { id: file, source: 'builtin', name: parsed.prompt.name, definition: parsed.prompt, problems: parsed.problems }
      : { id: file, source: 'builtin', name: key, problems: parsed.problems };
  });
}
