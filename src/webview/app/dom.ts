// Small DOM builders shared by the chat view's parts. Plain DOM on any document (jsdom in tests).

/** Builds elements on one document. */
export class Dom {
  constructor(readonly doc: Document) {}

  el<K extends keyof HTMLElementTagNameMap>(tag: K, options: { className: string; ariaLabel?: string }): HTMLElementTagNameMap[K] {
    const el = this.doc.createElement(tag);
    if (options.className) {
      el.className = options.className;
    }
    if (options.ariaLabel) {
      el.setAttribute('aria-label', options.ariaLabel);
    }
    return el;
  }

  /** An element showing `text` as text (never as HTML). */
  textEl<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text: string): HTMLElementTagNameMap[K] {
    const el = this.el(tag, { className });
    el.textContent = text;
    return el;
  }

  /** A button whose title is also its accessible name. */
  button(label: string, title: string, onClick: () => void, disabled = false): HTMLButtonElement {
    const button = this.el('button', { className: 'button' });
    button.type = 'button';
    button.textContent = label;
    button.title = title;
    button.setAttribute('aria-label', title);
    button.disabled = disabled;
    button.addEventListener('click', onClick);
    return button;
  }
}
