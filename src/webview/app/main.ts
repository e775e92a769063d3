// The chat webview's browser bundle: connects to the host, builds the view, and says `ready`.
import './chat.css';
import { ChatView } from './chatView';
import { Marked } from 'marked';
import { createMarkdownRenderer } from './markdown';
import { connectToHost } from './vscodeApi';

const host = connectToHost();
const root = document.getElementById('root') ?? document.body;
const view = new ChatView({
  document,
  root,
  post: (message) => host.post(message),
  render: createMarkdownRenderer(window, Marked),
  scheduleFrame: (callback) => requestAnimationFrame(() => callback()),
  saveState: (state) => host.saveState(state),
  initialState: host.loadState(),
});
host.onMessage((message) => view.handle(message));
// The host queues everything until this arrives.
host.post({ type: 'ready' });
