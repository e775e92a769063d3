import * as vscode from 'vscode';
import type { GroundedFinding } from '../../review/findings';
import { reviewDiagnosticSource, toDiagnostic, toEdit } from '../../review/representation';
import type { DiagnosticLevel, Range as PlainRange } from '../../review/representation';
import { applyChanges } from '../../review/tracking';
import type { FindingsRecordView } from './findingsHtml';

/** A finding shown in the editor. */
export interface StoredFinding {
  readonly id: string;
  readonly finding: GroundedFinding;
  /** Where it is now (moved by edits above it). */
  range: vscode.Range;
  readonly edit: { readonly newText: string; readonly expectedText: string } | undefined;
  readonly message: string;
  readonly level: DiagnosticLevel;
}

/** The last review of a document, for the findings list (`where` reads e.g. "src/a.ts lines 3-9"). */
export interface ReviewRecord extends FindingsRecordView {
  readonly uri: vscode.Uri;
}

const levels: Readonly<Record<DiagnosticLevel, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

function toVsRange(r: PlainRange): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function toPlain(r: vscode.Range): PlainRange {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

/**
 * Review findings per document, shown as diagnostics (source "Tiered review"). Edits touching a finding's lines
 * clear it; edits above move it. Also remembers each document's last review for the findings list.
 */
export class ReviewStore implements vscode.Disposable {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('tiered-review');
  private readonly findings = new Map<string, StoredFinding[]>();
  private readonly records = new Map<string, ReviewRecord>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri | undefined>();
  /** Fires when findings or records change (the uri, or undefined for all). */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private nextId = 1;

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        // An untitled document that is closed is gone for good.
        if (doc.isUntitled) {
          this.clear(doc.uri);
        }
      }),
    );
  }

  /**
   * Stores a review of `reviewed` (a range of `document`): replaces the findings that overlapped that range,
   * keeps the others. `selectionText` is the reviewed text as it was sent.
   */
  set(document: vscode.TextDocument, reviewed: vscode.Range, selectionText: string, grounded: readonly GroundedFinding[], record: ReviewRecord): StoredFinding[] {
    const key = document.uri.toString();
    const origin = { line: reviewed.start.line, character: reviewed.start.character };
    const kept = (this.findings.get(key) ?? []).filter((f) => f.range.intersection(reviewed) === undefined);
    const added = grounded.map((finding): StoredFinding => {
      const d = toDiagnostic(finding, selectionText, origin);
      const e = toEdit(finding, selectionText, origin);
      return { id: String(this.nextId++), finding, range: toVsRange(d.range), edit: e === undefined ? undefined : { newText: e.newText, expectedText: e.expectedText }, message: d.message, level: d.level };
    });
    this.findings.set(key, [...kept, ...added].sort((a, b) => a.range.start.compareTo(b.range.start)));
    this.records.set(key, record);
    this.refresh(document.uri);
    return added;
  }

  list(uri: vscode.Uri): readonly StoredFinding[] {
    return this.findings.get(uri.toString()) ?? [];
  }

  record(uri: vscode.Uri): ReviewRecord | undefined {
    return this.records.get(uri.toString());
  }

  get(uri: vscode.Uri, id: string): StoredFinding | undefined {
    return this.list(uri).find((f) => f.id === id);
  }

  /** The stored finding a diagnostic (as VS Code hands it back to code actions) stands for. */
  byDiagnostic(uri: vscode.Uri, diagnostic: vscode.Diagnostic): StoredFinding | undefined {
    if (diagnostic.source !== reviewDiagnosticSource) {
      return undefined;
    }
    return this.list(uri).find((f) => f.range.isEqual(diagnostic.range) && f.message === diagnostic.message);
  }

  remove(uri: vscode.Uri, id: string): void {
    const key = uri.toString();
    const list = this.findings.get(key);
    if (list === undefined) {
      return;
    }
    this.findings.set(
      key,
      list.filter((f) => f.id !== id),
    );
    this.refresh(uri);
  }

  /** Clears one document's findings, or all. */
  clear(uri?: vscode.Uri): void {
    if (uri === undefined) {
      this.findings.clear();
      this.records.clear();
      this.diagnostics.clear();
      this.changed.fire(undefined);
      return;
    }
    this.findings.delete(uri.toString());
    this.records.delete(uri.toString());
    this.refresh(uri);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const key = e.document.uri.toString();
    const list = this.findings.get(key);
    if (list === undefined || list.length === 0 || e.contentChanges.length === 0) {
      return;
    }
    const result = applyChanges(
      list.map((f) => ({ id: f.id, range: toPlain(f.range) })),
      e.contentChanges.map((c) => ({ range: toPlain(c.range), text: c.text })),
    );
    const moved = new Map(result.kept.map((t) => [t.id, t.range]));
    const next: StoredFinding[] = [];
    let changed = result.removed.length > 0;
    for (const f of list) {
      const r = moved.get(f.id);
      if (r === undefined) {
        continue;
      }
      const range = toVsRange(r);
      if (!range.isEqual(f.range)) {
        f.range = range;
        changed = true;
      }
      next.push(f);
    }
    if (changed) {
      this.findings.set(key, next);
      this.refresh(e.document.uri);
    }
  }

  private refresh(uri: vscode.Uri): void {
    const list = this.list(uri);
    this.diagnostics.set(
      uri,
      list.map((f) => {
        const d = new vscode.Diagnostic(f.range, f.message, levels[f.level]);
        d.source = reviewDiagnosticSource;
        d.code = f.finding.category;
        return d;
      }),
    );
    this.changed.fire(uri);
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.changed.dispose();
    for (const s of this.subscriptions) {
      s.dispose();
    }
  }
}
