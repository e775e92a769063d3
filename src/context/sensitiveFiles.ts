/**
 * Which files never reach a model, and why: built-in patterns for secrets and credentials, the user's
 * `tiered.context.exclude` globs, and the workspace's `.tieredignore` file (gitignore syntax).
 *
 * Matching is case-insensitive (a `.ENV` on Windows or macOS is the same file), takes `/` or `\` as
 * separators, and excludes everything under an excluded folder. Each layer is checked on its own, so
 * a `!negation` in `.tieredignore` only lifts that file's own rules: a cloned repository can add
 * exclusions but never lift a built-in one or the user's. The setting has no negation for the same reason.
 * Pure: no `vscode` import.
 */
import ignore from 'ignore';
import picomatch from 'picomatch';

/** The name of the per-workspace ignore file, at the root of each workspace folder. */
export const ignoreFileName = '.tieredignore';

/** The setting holding the user's globs (full id). */
export const excludeSettingId = 'tiered.context.exclude';

/** Where an exclusion comes from. */
export type ExclusionSource = 'builtIn' | 'setting' | 'ignoreFile';

/** Why a path is excluded. */
export interface Exclusion {
  readonly source: ExclusionSource;
  /** The pattern that matched, as written. */
  readonly pattern: string;
  /** 1-based line of the pattern in `.tieredignore` (ignore file only). */
  readonly line?: number;
  /** Why the built-in pattern exists, e.g. "environment files often hold secrets" (built-ins only). */
  readonly why?: string;
}

/** Decides whether a path is excluded: the one question every context source asks. */
export type ExclusionCheck = (path: string) => Exclusion | undefined;

/** A setting entry or ignore-file line that was skipped, and why; the other rules still apply. */
export interface ExclusionProblem {
  readonly source: 'setting' | 'ignoreFile';
  readonly message: string;
}

interface BuiltIn {
  readonly pattern: string;
  readonly why: string;
}

const envFiles = 'environment files often hold secrets';
const privateKeys = 'private keys and certificates';
const credentials = 'credential files hold tokens or passwords';
const keyStores = 'key stores and password databases';

/**
 * The built-in exclusions (always on; documented in the README). A pattern without `/` matches a file or
 * folder name at any depth; one with `/` matches the end of the path (`**` prefixed).
 */
export const builtInExclusions: readonly BuiltIn[] = [
  // Environment files: `.env`, `.env.local`, `.env.production`, `prod.env`, direnv's `.envrc`.
  { pattern: '.env', why: envFiles },
  { pattern: '.env.*', why: envFiles },
  { pattern: '*.env', why: envFiles },
  { pattern: '.envrc', why: envFiles },
  // Private keys, certificates and SSH/GPG material.
  { pattern: '*.pem', why: privateKeys },
  { pattern: '*.key', why: privateKeys },
  { pattern: '*.p8', why: privateKeys },
  { pattern: '*.ppk', why: privateKeys },
  { pattern: 'id_rsa*', why: privateKeys },
  { pattern: 'id_dsa*', why: privateKeys },
  { pattern: 'id_ecdsa*', why: privateKeys },
  { pattern: 'id_ed25519*', why: privateKeys },
  { pattern: '.ssh', why: 'SSH keys and configuration' },
  { pattern: '.gnupg', why: 'GPG keys' },
  // Key stores and password databases.
  { pattern: '*.p12', why: keyStores },
  { pattern: '*.pfx', why: keyStores },
  { pattern: '*.jks', why: keyStores },
  { pattern: '*.keystore', why: keyStores },
  { pattern: '*.kdbx', why: keyStores },
  // Package-manager, tool and cloud credentials.
  { pattern: '.npmrc', why: credentials },
  { pattern: '.yarnrc.yml', why: credentials },
  { pattern: '.pypirc', why: credentials },
  { pattern: '.netrc', why: credentials },
  { pattern: '_netrc', why: credentials },
  { pattern: '.git-credentials', why: credentials },
  { pattern: '.pgpass', why: credentials },
  { pattern: '.htpasswd', why: credentials },
  { pattern: '.vault-token', why: credentials },
  { pattern: '.aws/credentials', why: credentials },
  { pattern: '.docker/config.json', why: credentials },
  { pattern: '.kube/config', why: credentials },
  { pattern: '.cargo/credentials', why: credentials },
  { pattern: '.cargo/credentials.toml', why: credentials },
  { pattern: '.gem/credentials', why: credentials },
  { pattern: '.config/gh/hosts.yml', why: credentials },
  { pattern: 'credentials.json', why: credentials },
  { pattern: 'client_secret*.json', why: credentials },
  { pattern: 'secrets.*', why: 'secrets files' },
  { pattern: '*.secret', why: 'secrets files' },
  { pattern: '*.secrets', why: 'secrets files' },
  // Terraform state and variables hold resource secrets in plain text.
  { pattern: '*.tfstate', why: 'Terraform state holds secrets in plain text' },
  { pattern: '*.tfstate.*', why: 'Terraform state holds secrets in plain text' },
  { pattern: '*.tfvars', why: 'Terraform variables often hold secrets' },
];

/** A path split for matching. */
interface SplitPath {
  /** Segments, without empty ones; `.` removed. */
  readonly segments: readonly string[];
  /** True when the path is absolute or climbs out of the workspace (`../`): the ignore file does not apply. */
  readonly outside: boolean;
}

/** Normalises a path: `\` → `/`, a drive letter and leading `/` or `./` removed, `..` noted. */
export function splitPath(path: string): SplitPath {
  let p = path.replace(/\\/g, '/');
  let outside = false;
  const drive = /^[a-zA-Z]:(\/|$)/.exec(p);
  if (drive !== null) {
    p = p.slice(2);
    outside = true;
  }
  if (p.startsWith('/')) {
    outside = true;
  }
  const segments: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') {
      continue;
    }
    if (s === '..') {
      outside = true;
      // Outside the folder: what remains is matched on its own (a leading `..` just drops).
      segments.pop();
      continue;
    }
    segments.push(s);
  }
  return { segments, outside };
}

/** One glob, matched against a name at any depth (no `/`) or against the path and its folders (with `/`). */
interface Glob {
  readonly pattern: string;
  /** Matches a single segment (pattern without `/`). */
  readonly anyName: boolean;
  /** Only folders (pattern ended with `/`). */
  readonly folderOnly: boolean;
  readonly re: RegExp;
}

function compileGlob(pattern: string, anywhere: boolean): Glob {
  const folderOnly = pattern.endsWith('/');
  let body = pattern.replace(/\/+$/, '');
  const anchored = body.startsWith('/');
  body = body.replace(/^\.?\/+/, '');
  const anyName = !anchored && !body.includes('/');
  // Built-in folder patterns such as `.aws/credentials` apply at any depth; the user's anchor at the root.
  const source = !anyName && anywhere && !anchored && !body.startsWith('**/') ? `**/${body}` : body;
  // The bare regular expression: picomatch's matcher function re-normalises every input, which costs ~30x more.
  const re = picomatch.makeRe(source, { dot: true, nocase: true });
  return { pattern, anyName, folderOnly, re };
}

/** True when the glob matches the path, one of its folders, or (name globs) any segment. */
function globMatches(glob: Glob, segments: readonly string[]): boolean {
  const last = segments.length - 1;
  if (glob.anyName) {
    return segments.some((s, i) => (i < last || !glob.folderOnly) && glob.re.test(s));
  }
  for (let i = 0; i <= last; i++) {
    if (i === last && glob.folderOnly) {
      break;
    }
    if (glob.re.test(segments.slice(0, i + 1).join('/'))) {
      return true;
    }
  }
  return false;
}

/** One alternation of the globs' expressions (all case-insensitive), or undefined for none. */
function combined(globs: readonly Glob[]): RegExp | undefined {
  return globs.length === 0 ? undefined : new RegExp(globs.map((g) => `(?:${g.re.source})`).join('|'), 'i');
}

/**
 * Globs checked together: one combined expression per kind tells at once whether any of them matches (the
 * common answer is no), and only then are they tried one by one, in order, to name the first that matches.
 */
class GlobLayer {
  private readonly names: RegExp | undefined;
  private readonly folderNames: RegExp | undefined;
  private readonly paths: RegExp | undefined;
  private readonly folderPaths: RegExp | undefined;

  constructor(readonly globs: readonly Glob[]) {
    this.names = combined(globs.filter((g) => g.anyName && !g.folderOnly));
    this.folderNames = combined(globs.filter((g) => g.anyName && g.folderOnly));
    this.paths = combined(globs.filter((g) => !g.anyName && !g.folderOnly));
    this.folderPaths = combined(globs.filter((g) => !g.anyName && g.folderOnly));
  }

  /** The first glob (in order) matching the path, one of its folders or a name in it. */
  find(segments: readonly string[]): Glob | undefined {
    return this.mayMatch(segments) ? this.globs.find((g) => globMatches(g, segments)) : undefined;
  }

  private mayMatch(segments: readonly string[]): boolean {
    const last = segments.length - 1;
    let prefix = '';
    for (let i = 0; i <= last; i++) {
      const segment = segments[i] ?? '';
      prefix = i === 0 ? segment : `${prefix}/${segment}`;
      if (this.names?.test(segment) || this.paths?.test(prefix) || (i < last && (this.folderNames?.test(segment) || this.folderPaths?.test(prefix)))) {
        return true;
      }
    }
    return false;
  }
}

const builtInLayer = new GlobLayer(builtInExclusions.map((b) => compileGlob(b.pattern, true)));
const whyOf = new Map(builtInExclusions.map((b) => [b.pattern, b.why]));

/** What {@link compileExclusions} reads. */
export interface ExclusionInput {
  /**
   * The raw values of `tiered.context.exclude`, one per settings scope that sets it (user, workspace, folder):
   * they add up, so a workspace value can add patterns but never drop the user's. Anything may be in them.
   */
  readonly settingValues?: readonly unknown[];
  /** The text of `.tieredignore` at the workspace folder's root, when there is one. */
  readonly ignoreFileText?: string;
}

/** Compiled rules of one workspace folder. */
export interface ExclusionRules {
  /** Why the path (relative to the folder; absolute for a file outside it) is excluded, or undefined. */
  readonly check: ExclusionCheck;
  /** The setting's patterns that are in force (for the log). */
  readonly settingPatterns: readonly string[];
  /** Rules read from `.tieredignore` (comment and blank lines left out). */
  readonly ignoreFileRules: number;
  /** Entries that were skipped, each with a sentence saying why; the rest still apply. */
  readonly problems: readonly ExclusionProblem[];
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (value === null || typeof value !== 'object') {
    return String(value);
  }
  return Array.isArray(value) ? 'a list' : 'an object';
}

/** The setting's globs from every scope, with a problem for each entry that cannot be used. */
function settingGlobs(values: readonly unknown[], problems: ExclusionProblem[]): Glob[] {
  const globs: Glob[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    if (value === undefined || value === null) {
      continue;
    }
    if (!Array.isArray(value)) {
      problems.push({ source: 'setting', message: `Setting ${excludeSettingId} must be a list of globs such as ["**/*.secret", "config/prod/**"]; got ${describeValue(value)}, which is ignored. The built-in exclusions and ${ignoreFileName} still apply.` });
      continue;
    }
    value.forEach((entry: unknown, index) => {
      const where = `Entry ${index + 1} of setting ${excludeSettingId}`;
      if (typeof entry !== 'string') {
        problems.push({ source: 'setting', message: `${where} is ${describeValue(entry)}, not a glob; it is ignored (the other entries still apply).` });
        return;
      }
      const pattern = entry.trim().replace(/\\/g, '/');
      if (pattern === '' || pattern === '/') {
        problems.push({ source: 'setting', message: `${where} is empty; it is ignored (the other entries still apply).` });
        return;
      }
      if (pattern.startsWith('!')) {
        problems.push({ source: 'setting', message: `${where} (${JSON.stringify(entry)}) is a negation: ${excludeSettingId} can only add exclusions, never lift one. It is ignored (the other entries still apply).` });
        return;
      }
      if (!seen.has(pattern)) {
        seen.add(pattern);
        globs.push(compileGlob(pattern, false));
      }
    });
  }
  return globs;
}

/** `.tieredignore` as gitignore rules, each marked with its line for the reason. */
function ignoreFileRules(text: string | undefined): { readonly test: (relative: string) => Exclusion | undefined; readonly count: number } {
  if (text === undefined) {
    return { test: () => undefined, count: 0 };
  }
  const rules = ignore({ ignorecase: true });
  let count = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    // gitignore: `#` starts a comment, blank lines separate; trailing spaces are dropped unless escaped (ignore does that).
    if (raw.trim() === '' || raw.startsWith('#')) {
      return;
    }
    rules.add({ pattern: raw, mark: String(index + 1) });
    count++;
  });
  return {
    count,
    test: (relative) => {
      if (!ignore.isPathValid(relative)) {
        return undefined;
      }
      const result = rules.test(relative);
      if (!result.ignored || result.rule === undefined) {
        return undefined;
      }
      return { source: 'ignoreFile', pattern: result.rule.pattern, line: Number(result.rule.mark) };
    },
  };
}

/**
 * Compiles the exclusions of one workspace folder. Never throws: an unusable setting entry is reported in
 * `problems` and skipped, and the built-in exclusions always apply.
 */
export function compileExclusions(input: ExclusionInput = {}): ExclusionRules {
  const problems: ExclusionProblem[] = [];
  const globs = settingGlobs(input.settingValues ?? [], problems);
  const settingLayer = new GlobLayer(globs);
  const ignoreFile = ignoreFileRules(input.ignoreFileText);
  const check: ExclusionCheck = (path) => {
    const { segments, outside } = splitPath(path);
    if (segments.length === 0) {
      return undefined;
    }
    const builtIn = builtInLayer.find(segments);
    if (builtIn !== undefined) {
      return { source: 'builtIn', pattern: builtIn.pattern, why: whyOf.get(builtIn.pattern) ?? '' };
    }
    const own = settingLayer.find(segments);
    if (own !== undefined) {
      return { source: 'setting', pattern: own.pattern };
    }
    return outside ? undefined : ignoreFile.test(segments.join('/'));
  };
  return { check, settingPatterns: globs.map((g) => g.pattern), ignoreFileRules: ignoreFile.count, problems };
}

/** The built-in exclusions alone (no setting, no ignore file). */
export const builtInCheck: ExclusionCheck = compileExclusions().check;

/** How a pattern or path is quoted: backticks for Markdown (reports, chat), curly quotes for notifications. */
export type Quote = (text: string) => string;
export const markdownQuote: Quote = (text) => `\`${text}\``;
export const plainQuote: Quote = (text) => `“${text}”`;

/** One phrase naming the rule: "the built-in exclusion `.env` (environment files often hold secrets)". */
export function describeRule(exclusion: Exclusion, quote: Quote = markdownQuote): string {
  switch (exclusion.source) {
    case 'builtIn':
      return `the built-in exclusion ${quote(exclusion.pattern)}${exclusion.why !== undefined ? ` (${exclusion.why})` : ''}`;
    case 'setting':
      return `${quote(exclusion.pattern)} in setting ${excludeSettingId}`;
    case 'ignoreFile':
      return `${quote(exclusion.pattern)} (line ${exclusion.line ?? '?'} of ${ignoreFileName})`;
  }
}

/** A sentence for the user: "`.env` is excluded by the built-in exclusion `.env` (environment files often hold secrets)." */
export function describeExclusion(path: string, exclusion: Exclusion, quote: Quote = markdownQuote): string {
  return `${quote(path)} is excluded by ${describeRule(exclusion, quote)}.`;
}
