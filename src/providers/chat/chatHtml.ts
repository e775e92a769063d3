/**
 * The chat webview's HTML: a strict CSP with a fresh crypto nonce, our bundle and stylesheet only, no inline
 * script, no state in globals (the state arrives by `postMessage` after `ready`). No `vscode` import, so it is
 * unit-tested.
 */
import { escapeHtml } from '../../util/html';
import { createNonce } from '../../util/nonce';

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
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
<title>Tiered Chat</title>
</head>
<body>
<div id="root"></div>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>`;
}
