/**
 * The chat webview's HTML: a strict CSP with a fresh crypto nonce, our bundle and stylesheet only, no inline
 * script, no state in globals (the state arrives by `postMessage` after `ready`). No `vscode` import, so it is
 * unit-tested.
 */
import { randomBytes } from 'node:crypto';

export interface ChatHtmlInput {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** `webview.asWebviewUri(dist/webview/chat.js)`, as a string. */
  readonly scriptUri: string;
  /** `webview.asWebviewUri(dist/webview/chat.css)`, as a string. */
  readonly styleUri: string;
  /** Defaults to a fresh one. */
  readonly nonce?: string;
}

/** 128 random bits, base64: what CSP nonces should be (never `Math.random`). */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

export function chatHtml(input: ChatHtmlInput): string {
  const nonce = input.nonce ?? createNonce();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${input.cspSource}`,
    `img-src ${input.cspSource} data:`,
    `font-src ${input.cspSource}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(input.styleUri)}">
<title>Tiered Chat</title>
</head>
<body>
<div id="root"></div>
<script nonce="${attr(nonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
