import * as assert from 'node:assert/strict';
import { builtInCheck, builtInExclusions, compileExclusions, describeExclusion, splitPath } from '../../../src/context/sensitiveFiles';

suite('Sensitive files: built-in exclusions', () => {
  const excluded = [
    '.env',
    '.env.local',
    '.env.production',
    'config/prod.env',
    'deploy/.envrc',
    'certs/server.pem',
    'tls/private.key',
    'home/.ssh/id_rsa',
    'id_rsa.pub',
    'keys/id_ed25519',
    'id_ecdsa_sk',
    '.ssh/config',
    '.npmrc',
    'packages/web/.npmrc',
    '.netrc',
    '.pypirc',
    '.aws/credentials',
    'user/.aws/credentials',
    '.docker/config.json',
    '.git-credentials',
    'android/app/release.keystore',
    'signing/cert.p12',
    'signing/cert.pfx',
    'credentials.json',
    'gcp/client_secret_123.apps.googleusercontent.com.json',
    'config/secrets.yml',
    'infra/terraform.tfstate',
    'infra/terraform.tfstate.backup',
    'infra/prod.tfvars',
    '.kube/config',
  ];
  for (const path of excluded) {
    test(`excludes ${path}`, () => {
      const found = builtInCheck(path);
      assert.ok(found !== undefined, `${path} should be excluded`);
      assert.equal(found.source, 'builtIn');
      assert.ok(found.why !== undefined && found.why.length > 0, 'every built-in says why');
    });
  }

  const allowed = [
    'src/app.ts',
    'README.md',
    'environment.ts',
    'src/env.ts',
    'docs/.envelope',
    'src/keyboard.ts',
    'config.json',
    'docker/config.json',
    'aws/credentials.md',
    'src/credentials.ts',
    'package.json',
    'src/secret-santa.ts',
    'pem.ts',
  ];
  for (const path of allowed) {
    test(`keeps ${path}`, () => {
      assert.equal(builtInCheck(path), undefined, `${path} should not be excluded (got ${JSON.stringify(builtInCheck(path))})`);
    });
  }

  test('matching ignores case: .ENV and Server.PEM are the same files on Windows and macOS', () => {
    assert.equal(builtInCheck('.ENV')?.pattern, '.env');
    assert.equal(builtInCheck('certs/Server.PEM')?.pattern, '*.pem');
  });

  test('Windows-style separators and a leading ./ match like /', () => {
    assert.equal(builtInCheck('user\\.aws\\credentials')?.pattern, '.aws/credentials');
    assert.equal(builtInCheck('.\\app\\.env')?.pattern, '.env');
    assert.equal(builtInCheck('./app/.env')?.pattern, '.env');
    assert.equal(builtInCheck('C:\\Users\\me\\.npmrc')?.pattern, '.npmrc');
  });

  test('everything under an excluded folder is excluded', () => {
    assert.equal(builtInCheck('.ssh/known_hosts')?.pattern, '.ssh');
    assert.equal(builtInCheck('project/.gnupg/pubring.kbx')?.pattern, '.gnupg');
  });

  test('an absolute path outside the workspace is still checked against the built-ins', () => {
    assert.equal(builtInCheck('/home/me/.aws/credentials')?.pattern, '.aws/credentials');
    assert.equal(builtInCheck('/home/me/project/src/app.ts'), undefined);
  });

  test('every built-in pattern is unique and excludes a file named after it', () => {
    const patterns = builtInExclusions.map((b) => b.pattern);
    assert.equal(new Set(patterns).size, patterns.length);
    for (const b of builtInExclusions) {
      const sample = b.pattern.replace(/\*/g, 'x');
      assert.ok(builtInCheck(`deep/in/${sample}`) !== undefined, `${b.pattern} matches deep/in/${sample}`);
    }
  });

  test('an empty path or a bare folder marker is not a file and is not excluded', () => {
    assert.equal(builtInCheck(''), undefined);
    assert.equal(builtInCheck('./'), undefined);
  });
});

suite('Sensitive files: the tiered.context.exclude setting', () => {
  test('a name glob matches at any depth; a path glob from the folder root', () => {
    const rules = compileExclusions({ settingValues: [['*.confidential', 'config/prod/**', '/top.txt']] });
    assert.deepEqual(rules.check('a/b/db.confidential'), { source: 'setting', pattern: '*.confidential' });
    assert.equal(rules.check('config/prod/app.json')?.pattern, 'config/prod/**');
    assert.equal(rules.check('src/config/prod/app.json'), undefined, 'a path glob is anchored at the folder root');
    assert.equal(rules.check('top.txt')?.pattern, '/top.txt');
    assert.equal(rules.check('sub/top.txt'), undefined, 'a leading / anchors a name');
    assert.equal(rules.check('src/app.ts'), undefined);
    assert.deepEqual(rules.problems, []);
  });

  test('**/ globs, brace sets and a folder ending in / (files inside, not a file of that name)', () => {
    const rules = compileExclusions({ settingValues: [['**/fixtures/*.{sql,csv}', 'private/']] });
    assert.equal(rules.check('test/fixtures/users.csv')?.pattern, '**/fixtures/*.{sql,csv}');
    assert.equal(rules.check('test/fixtures/users.json'), undefined);
    assert.equal(rules.check('private/notes.md')?.pattern, 'private/');
    assert.equal(rules.check('docs/private/notes.md')?.pattern, 'private/');
    assert.equal(rules.check('private'), undefined, 'a file named like the folder is not excluded');
  });

  test('the user, workspace and folder values add up: a workspace value cannot drop the user patterns', () => {
    const rules = compileExclusions({ settingValues: [['*.user'], [], ['*.folder']] });
    assert.equal(rules.check('a.user')?.pattern, '*.user');
    assert.equal(rules.check('a.folder')?.pattern, '*.folder');
  });

  test('a malformed entry gives a clear problem and the other entries still apply', () => {
    const rules = compileExclusions({ settingValues: [['*.confidential', 42, '', '!.env', { glob: '*.x' }, 'vault\\*.json']] });
    assert.equal(rules.check('x.confidential')?.pattern, '*.confidential');
    assert.equal(rules.check('vault/a.json')?.pattern, 'vault/*.json', 'a Windows separator in a pattern reads as /');
    assert.equal(rules.check('.env')?.source, 'builtIn', 'a negation cannot lift a built-in exclusion');
    const messages = rules.problems.map((p) => p.message);
    assert.equal(messages.length, 4, messages.join('\n'));
    assert.match(messages[0] ?? '', /Entry 2 of setting tiered\.context\.exclude is 42, not a glob; it is ignored \(the other entries still apply\)/);
    assert.match(messages[1] ?? '', /Entry 3 .* is empty/);
    assert.match(messages[2] ?? '', /Entry 4 .*"!\.env".* negation: tiered\.context\.exclude can only add exclusions/);
    assert.match(messages[3] ?? '', /Entry 5 .* is an object, not a glob/);
    assert.ok(rules.problems.every((p) => p.source === 'setting'));
  });

  test('a value that is not a list is reported, and the built-ins and the ignore file still apply', () => {
    const rules = compileExclusions({ settingValues: ['*.secret'], ignoreFileText: 'build/\n' });
    assert.equal(rules.problems.length, 1);
    assert.match(rules.problems[0]?.message ?? '', /must be a list of globs .* got "\*\.secret", which is ignored/);
    assert.equal(rules.check('x.secret')?.source, 'builtIn', '*.secret is also a built-in');
    assert.equal(rules.check('build/out.js')?.source, 'ignoreFile');
    assert.equal(rules.check('notes.txt'), undefined);
  });

  test('the built-in reason wins over the setting when both match (it says why)', () => {
    const rules = compileExclusions({ settingValues: [['*.env']] });
    assert.equal(rules.check('.env')?.source, 'builtIn');
  });
});

suite('Sensitive files: .tieredignore (gitignore syntax)', () => {
  const text = ['# generated data', 'data/', '*.log', '!keep.log', '', 'docs/internal/**', 'secret-*.md', '/root-only.txt'].join('\r\n');
  const rules = compileExclusions({ ignoreFileText: text });

  test('rules match with their line number', () => {
    assert.deepEqual(rules.check('data/users.db'), { source: 'ignoreFile', pattern: 'data/', line: 2 });
    assert.deepEqual(rules.check('logs/app.log'), { source: 'ignoreFile', pattern: '*.log', line: 3 });
    assert.equal(rules.check('docs/internal/plan.md')?.line, 6);
    assert.equal(rules.check('notes/secret-plans.md')?.line, 7);
    assert.equal(rules.ignoreFileRules, 6, 'comments and blank lines are not rules');
  });

  test('negation lifts the file own rules', () => {
    assert.equal(rules.check('keep.log'), undefined);
    assert.equal(rules.check('sub/keep.log'), undefined);
  });

  test('a negation in .tieredignore cannot lift a built-in exclusion', () => {
    const lifting = compileExclusions({ ignoreFileText: '!.env\n!*.pem\n' });
    assert.equal(lifting.check('.env')?.source, 'builtIn');
    assert.equal(lifting.check('certs/a.pem')?.source, 'builtIn');
  });

  test('a negation in .tieredignore cannot lift the user setting', () => {
    const lifting = compileExclusions({ settingValues: [['*.private']], ignoreFileText: '!*.private\n' });
    assert.equal(lifting.check('x.private')?.source, 'setting');
  });

  test('nested paths, anchors and Windows separators', () => {
    assert.equal(rules.check('root-only.txt')?.line, 8);
    assert.equal(rules.check('sub/root-only.txt'), undefined);
    assert.equal(rules.check('a\\b\\data\\x.csv')?.pattern, 'data/');
    assert.equal(rules.check('src/app.ts'), undefined);
  });

  test('an absolute path (a file outside the folder) is not judged by the folder ignore file', () => {
    assert.equal(rules.check('/elsewhere/app.log'), undefined);
    assert.equal(rules.check('../sibling/app.log'), undefined);
  });

  test('an empty or comment-only file excludes nothing beyond the built-ins', () => {
    const empty = compileExclusions({ ignoreFileText: '# nothing\n\n' });
    assert.equal(empty.ignoreFileRules, 0);
    assert.equal(empty.check('app.log'), undefined);
  });
});

suite('Sensitive files: paths and sentences', () => {
  test('splitPath normalises separators and notes paths outside the folder', () => {
    assert.deepEqual(splitPath('a\\b//c/./d'), { segments: ['a', 'b', 'c', 'd'], outside: false });
    assert.deepEqual(splitPath('/x/y'), { segments: ['x', 'y'], outside: true });
    assert.deepEqual(splitPath('C:\\x'), { segments: ['x'], outside: true });
    assert.deepEqual(splitPath('../x'), { segments: ['x'], outside: true });
  });

  test('the sentence names the file and the rule, and where to change it', () => {
    assert.equal(describeExclusion('.env', { source: 'builtIn', pattern: '.env', why: 'environment files often hold secrets' }), '`.env` is excluded by the built-in exclusion `.env` (environment files often hold secrets).');
    assert.equal(describeExclusion('a.secret', { source: 'setting', pattern: '*.secret' }), '`a.secret` is excluded by `*.secret` in setting tiered.context.exclude.');
    assert.equal(describeExclusion('data/x', { source: 'ignoreFile', pattern: 'data/', line: 2 }), '`data/x` is excluded by `data/` (line 2 of .tieredignore).');
  });
});
