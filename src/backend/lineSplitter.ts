/**
 * Splits a byte stream into lines without corrupting multi-byte UTF-8 characters split across chunks.
 * Pure: no `vscode` import.
 */

/** Feeds chunks in, gets whole lines out (without the `\n`; a trailing `\r` is removed too). */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';

  /** Returns the lines completed by this chunk. */
  push(chunk: Uint8Array): string[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    return this.take(false);
  }

  /** Returns what is left at the end of the stream (a last line without a newline). */
  end(): string[] {
    this.buffer += this.decoder.decode();
    return this.take(true);
  }

  private take(final: boolean): string[] {
    const parts = this.buffer.split('\n');
    this.buffer = final ? '' : (parts.pop() ?? '');
    return parts.map((p) => (p.endsWith('\r') ? p.slice(0, -1) : p)).filter((p) => p.trim() !== '');
  }
}
