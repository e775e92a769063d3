/**
 * A "more actions" button with a small popup menu: the side bar is too narrow for a row of text buttons (they wrapped
 * onto three lines), and a menu is what a VS Code user expects behind "…". Keyboard: Enter/Space/ArrowDown opens it
 * on its first item, Up/Down move, Home/End jump, Escape closes it back onto the button; Tab or a click elsewhere
 * closes it.
 */

/** One entry of the menu. */
export interface MenuAction {
  readonly label: string;
  /** Tooltip and accessible description. */
  readonly title: string;
  readonly run: () => void;
}

export class ActionMenu {
  /** The wrapper to place in the layout. */
  readonly element: HTMLElement;
  readonly button: HTMLButtonElement;
  private readonly menu: HTMLElement;
  private readonly items: HTMLButtonElement[];

  constructor(
    private readonly doc: Document,
    label: string,
    actions: readonly MenuAction[],
  ) {
    this.element = doc.createElement('span');
    this.element.className = 'action-menu';
    this.button = doc.createElement('button');
    this.button.type = 'button';
    this.button.className = 'button';
    this.button.textContent = '⋯';
    this.button.title = label;
    this.button.setAttribute('aria-label', label);
    this.button.setAttribute('aria-haspopup', 'menu');
    this.button.setAttribute('aria-expanded', 'false');
    this.menu = doc.createElement('div');
    this.menu.className = 'menu';
    this.menu.setAttribute('role', 'menu');
    this.menu.setAttribute('aria-label', label);
    this.menu.hidden = true;
    this.items = actions.map((action) => {
      const item = doc.createElement('button');
      item.type = 'button';
      item.className = 'menu-item';
      item.setAttribute('role', 'menuitem');
      item.tabIndex = -1;
      item.textContent = action.label;
      item.title = action.title;
      item.addEventListener('click', () => {
        this.close(true);
        action.run();
      });
      return item;
    });
    this.menu.append(...this.items);
    this.element.append(this.button, this.menu);

    this.button.addEventListener('click', () => (this.isOpen ? this.close(true) : this.open()));
    this.button.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        this.open();
      }
    });
    this.menu.addEventListener('keydown', (event) => this.onMenuKey(event));
    // A click anywhere else closes it (the menu's own clicks are handled above).
    doc.addEventListener('mousedown', (event) => {
      const view = doc.defaultView;
      if (this.isOpen && view !== null && event.target instanceof view.Node && !this.element.contains(event.target)) {
        this.close(false);
      }
    });
  }

  get isOpen(): boolean {
    return !this.menu.hidden;
  }

  open(): void {
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.items[0]?.focus();
  }

  /** Closes the menu; `refocus` puts the focus back on its button (keyboard use). */
  close(refocus: boolean): void {
    if (!this.isOpen) {
      return;
    }
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (refocus) {
      this.button.focus();
    }
  }

  private onMenuKey(event: KeyboardEvent): void {
    const index = this.items.findIndex((item) => item === this.doc.activeElement);
    const focusAt = (i: number): void => this.items[(i + this.items.length) % this.items.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        focusAt(index + 1);
        break;
      case 'ArrowUp':
        focusAt(index - 1);
        break;
      case 'Home':
        focusAt(0);
        break;
      case 'End':
        focusAt(this.items.length - 1);
        break;
      case 'Escape':
        // The chat's own Escape (stop the answer) must not fire as well.
        event.stopPropagation();
        this.close(true);
        break;
      case 'Tab':
        this.close(false);
        return;
      default:
        return;
    }
    event.preventDefault();
  }
}
