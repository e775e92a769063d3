/**
 * Ownership of things that must be released: a feature registers what it creates in one store,
 * and the store disposes them last-in, first-out. Pure: no `vscode` import.
 */
import type { Disposable } from './clock';

export type { Disposable };

/** Holds disposables and releases them in reverse order. Registering after disposal releases at once. */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  /** Takes ownership of `item` and returns it. */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      item.dispose();
    } else {
      this.items.push(item);
    }
    return item;
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    const errors: unknown[] = [];
    for (const item of this.items.splice(0).reverse()) {
      try {
        item.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, 'Some disposables failed to dispose');
    }
  }
}
