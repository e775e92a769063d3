/**
 * Turns a check as written into a check ready to run, whatever its kind. Pure: no `vscode` import.
 */
import { jsonCheck } from './json';
import { regexCheck } from './regex';
import { findingAtLineCheck } from './review';
import { codeBlockCheck, lengthCheck } from './shape';
import { similarCheck } from './similarity';
import { textCheck } from './text';
import type { CheckSpec, CompiledCheck } from './spec';

/** Compiles one check; never throws (an invalid regex or schema comes back as `{ ok: false, error }`). */
export function compileCheck(spec: CheckSpec): CompiledCheck {
  switch (spec.type) {
    case 'equals':
    case 'contains':
    case 'not-contains':
      return { ok: true, check: textCheck(spec) };
    case 'regex':
      return regexCheck(spec);
    case 'json':
      return jsonCheck(spec);
    case 'code-block':
      return { ok: true, check: codeBlockCheck(spec) };
    case 'length':
      return { ok: true, check: lengthCheck(spec) };
    case 'finding-at-line':
      return { ok: true, check: findingAtLineCheck(spec) };
    case 'similar':
      return { ok: true, check: similarCheck(spec) };
  }
}
