// `npm start`: build Tiered, then open it in a real VS Code in development mode on sample-workspace/, talking to
// your Ollama (tiered.ollama.baseUrl, default http://127.0.0.1:11434).
// `npm run start:demo`: the same, but first start the FAKE Ollama server (a test double with made-up models and
// canned answers) on a free port and point Tiered at it, so the UI can be tried without any model.
// `npm run start:demo -- --engine`: no server at all; Tiered's built-in engine serves the project's tiny generated
// GGUF model (random weights: gibberish answers, but real llama.cpp inference in the engine's own process).
//
// Uses the desktop `code` when it is on PATH; otherwise code-server (installed on first use into
// .vscode-test/code-server) serves VS Code to your browser at a printed local address.
// Options: --browser (use code-server even if `code` exists), --port N (code-server port, default 8080 or a free one),
// --host H (code-server bind address, default 127.0.0.1), --folder DIR (open another folder).
// Env: TIERED_OLLAMA_URL or OLLAMA_HOST override the Ollama address for this session.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerServeArgs, ensureCodeServer } from './installCodeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const demo = argv.includes('--demo');
const engineDemo = demo && argv.includes('--engine');
const forceBrowser = argv.includes('--browser');
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const folder = path.resolve(opt('--folder') ?? path.join(root, 'sample-workspace'));
const host = opt('--host') ?? '127.0.0.1';
const children = [];

const say = (msg = '') => console.log(msg);
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function cleanup() {
  for (const c of children) {
    try {
      if (c.detached && c.pid) {
        process.kill(-c.pid, 'SIGTERM');
      } else {
        c.kill('SIGTERM');
      }
    } catch {
      // already gone
    }
  }
}
process.on('SIGINT', () => {
  say('\nStopping…');
  cleanup();
  process.exit(0);
});
process.on('SIGTERM', () => {
  cleanup();
  process.exit(0);
});

function getJson(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) });
        } catch {
          resolve({ status: res.statusCode ?? 0, json: undefined });
        }
      });
    });
    req.on('error', () => resolve({ status: 0, json: undefined }));
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve({ status: 0, json: undefined });
    });
  });
}

function portFree(port, bindHost) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, bindHost, () => srv.close(() => resolve(true)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** Starts the fake Ollama server (test double) and resolves with its URL. */
async function startFake() {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'test', 'fixtures', 'fakeOllamaMain.ts'), '--port', String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the fake Ollama server did not start:\n${out}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], banner: out.trim() });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the fake Ollama server exited (${code}):\n${out}`));
    });
  });
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** Writes user settings for a profile of ours (never the user's own VS Code profile). */
function writeSettings(userDataDir, settings) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const merged = { ...readJson(file), ...settings };
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined) {
      delete merged[k];
    }
  }
  fs.writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
}

/** Writes the tiny generated models and returns the settings that serve them with the built-in engine. */
function engineDemoSettings() {
  const dir = path.join(root, '.vscode-test', 'demo-models');
  const gen = spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'test', 'real', 'makeGguf.ts'), dir], { cwd: root, stdio: 'inherit' });
  if (gen.status !== 0) {
    throw new Error('could not write the tiny demo models');
  }
  return {
    'tiered.ollama.enabled': false,
    'tiered.engine.enabled': true,
    'tiered.engine.modelFiles': [path.join(dir, 'small.gguf')],
    'tiered.tiers.small.model': 'small',
    'tiered.tiers.small.endpoint': 'engine',
    'tiered.tiers.code.model': 'small',
    'tiered.tiers.code.endpoint': 'engine',
  };
}

async function main() {
  say(bold(`Tiered: ${engineDemo ? "demo with Tiered's built-in engine on a tiny generated model (no server)" : demo ? 'demo with the FAKE Ollama server (test double, no real model)' : 'development session'}`));
  say('1/3 Building the extension (npm run build)…');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    say('The build failed; fix the errors above and run again.');
    process.exit(1);
  }

  let ollamaUrl = process.env.TIERED_OLLAMA_URL ?? (process.env.OLLAMA_HOST ? (/^https?:/.test(process.env.OLLAMA_HOST) ? process.env.OLLAMA_HOST : `http://${process.env.OLLAMA_HOST}`) : undefined);
  let extraSettings = {};
  if (engineDemo) {
    say('2/3 Writing the tiny generated GGUF models for the built-in engine…');
    extraSettings = engineDemoSettings();
  } else if (demo) {
    say('2/3 Starting the fake Ollama server…');
    const fake = await startFake();
    ollamaUrl = fake.url;
    say(`    ${fake.banner.split('\n').join('\n    ')}`);
    say('    Its answers are canned: good for trying the UI, not for judging suggestions.');
  } else {
    const url = ollamaUrl ?? 'http://127.0.0.1:11434';
    say(`2/3 Looking for Ollama at ${url}…`);
    const version = await getJson(`${url.replace(/\/+$/, '')}/api/version`);
    if (version.status === 200) {
      const tags = await getJson(`${url.replace(/\/+$/, '')}/api/tags`);
      const models = Array.isArray(tags.json?.models) ? tags.json.models.map((m) => m.name) : [];
      say(`    Ollama ${version.json?.version ?? ''} answers with ${models.length} model(s)${models.length ? `: ${models.slice(0, 8).join(', ')}` : ''}.`);
      if (models.length === 0) {
        say('    No model is installed yet: run e.g. `ollama pull qwen2.5-coder:1.5b` (completions) and `ollama pull qwen2.5-coder:7b` (chat).');
      }
    } else {
      say(bold(`    No model server answered at ${url}.`));
      say('    VS Code opens anyway; Tiered will show what to do. To get a model server:');
      say('      - install Ollama (https://ollama.com), run `ollama serve`, then `ollama pull qwen2.5-coder:1.5b`;');
      say('      - or set "tiered.ollama.baseUrl" / add "tiered.openAiEndpoints" (llama.cpp llama-server, LM Studio, vLLM);');
      say("      - or use Tiered's built-in engine: the Tiered view offers \"Use Tiered's Built-in Engine\" (it downloads a");
      say('        model for this machine once you agree) and "Use a GGUF File I Already Have…";');
      say('      - or try the UI without a model: `npm run start:demo` (fake server), `npm run start:demo -- --engine` (tiny model).');
    }
  }

  const useDesktop = !forceBrowser && onPath('code');
  if (useDesktop) {
    say('3/3 Opening desktop VS Code with Tiered in development mode…');
    const args = [`--extensionDevelopmentPath=${root}`, folder];
    if (demo || ollamaUrl || engineDemo) {
      // A profile of our own, so the fake address never lands in your own settings.
      const profile = path.join(root, '.vscode-test', engineDemo ? 'start-engine-desktop' : demo ? 'start-demo-desktop' : 'start-desktop');
      writeSettings(path.join(profile, 'user-data'), { 'tiered.ollama.baseUrl': ollamaUrl, 'workbench.startupEditor': 'none', ...extraSettings });
      args.unshift(`--user-data-dir=${path.join(profile, 'user-data')}`, `--extensions-dir=${path.join(profile, 'extensions')}`, '--new-window', '--wait');
    }
    const code = spawn('code', args, { stdio: 'inherit' });
    children.push(code);
    say(demo ? 'Close the VS Code window (or press Ctrl+C here) to stop the fake server.' : 'VS Code is starting; this script ends now.');
    code.on('exit', (c) => {
      cleanup();
      process.exit(c ?? 0);
    });
    return;
  }

  say('3/3 No desktop `code` on PATH: serving VS Code (code-server) to your browser…');
  const entry = await ensureCodeServer();
  const wanted = Number(opt('--port') ?? process.env.PORT ?? 8080);
  const port = (await portFree(wanted, host)) ? wanted : await freePort();
  const profile = path.join(root, '.vscode-test', engineDemo ? 'start-engine' : demo ? 'start-demo' : 'start');
  const userDataDir = path.join(profile, 'user-data');
  const extensionsDir = path.join(profile, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeSettings(userDataDir, {
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    // sample-workspace/ sits inside this repository; don't offer to open the parent repository.
    'git.openRepositoryInParentFolders': 'never',
    ...(ollamaUrl ? { 'tiered.ollama.baseUrl': ollamaUrl } : {}),
    ...extraSettings,
  });
  const config = path.join(profile, 'config.yaml');
  fs.writeFileSync(config, `bind-addr: ${host}:${port}\nauth: none\ncert: false\n`);
  const logFile = path.join(profile, 'code-server.log');
  const log = fs.openSync(logFile, 'w');
  const server = spawn(
    process.execPath,
    [entry, ...codeServerServeArgs({ config, userDataDir, extensionsDir, host, port })],
    { cwd: root, stdio: ['ignore', log, log], detached: true },
  );
  children.push(server);
  server.on('exit', (c) => {
    say(`code-server exited (${c}); its log: ${path.relative(root, logFile)}`);
    cleanup();
    process.exit(c ?? 1);
  });
  const base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  const until = Date.now() + 60_000;
  while ((await getJson(`${base}/healthz`)).status !== 200) {
    if (Date.now() > until) {
      say(`code-server did not answer on ${base}; see ${path.relative(root, logFile)}`);
      cleanup();
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const authority = `${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', `vscode-remote://${authority}${root}`]]));
  const url = `${base}/?folder=${encodeURIComponent(folder)}&payload=${payload}`;
  say('');
  say(bold('Open this address in your browser (VS Code with Tiered in development mode):'));
  say(`  ${url}`);
  say('');
  say(engineDemo ? "Tiered's built-in engine serves the tiny generated model (.vscode-test/demo-models/small.gguf)." : `Tiered talks to ${ollamaUrl ?? 'the Ollama address in its settings (default http://127.0.0.1:11434)'}.`);
  say('The window title shows "[Extension Development Host]". Click the Tiered icon in the activity bar, or run');
  say('"Tiered: Check Connection" from the command palette (F1). After changing the code: `npm run build`, then');
  say('"Developer: Reload Window". Press Ctrl+C here to stop.');
}

main().catch((error) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  cleanup();
  process.exit(1);
});
