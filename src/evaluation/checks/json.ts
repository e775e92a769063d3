/**
 * The JSON check: the answer is valid JSON (the whole answer, or, with `embedded`, JSON inside a fence or after a
 * sentence), optionally matching a JSON schema. Schemas are compiled by Ajv, the reference JSON-schema validator;
 * a schema's own `pattern`s go through the same ReDoS guard as the regex check. Pure: no `vscode` import.
 */
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { extractJsonObject, stripThinking } from '../../review/parseReview';
import { catastrophicReason } from './regex';
import type { CheckSpec, CompiledCheck } from './spec';

/** A schema larger than this (as JSON) is refused: a check, not a data store. */
export const maxSchemaChars = 50_000;

/** The answer as JSON text: the whole answer, a fenced block, or (embedded) the first JSON object in it. */
function jsonText(answer: string, embedded: boolean): string {
  const text = stripThinking(answer).trim();
  const fenced = /^```[\w-]*\n([\s\S]*?)\n```$/.exec(text);
  if (fenced?.[1] !== undefined) {
    return fenced[1];
  }
  return embedded ? (extractJsonObject(text) ?? text) : text;
}

/** A RegExp constructor for Ajv that refuses dangerous patterns (Ajv reports the throw as a schema error). */
function guardedRegExp(pattern: string, flags: string): RegExp {
  const danger = catastrophicReason(pattern);
  if (danger !== undefined) {
    throw new Error(`pattern "${pattern}" refused: ${danger}`);
  }
  return new RegExp(pattern, flags);
}
guardedRegExp.code = 'new RegExp';

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  return first === undefined ? 'does not match the schema' : `${first.instancePath === '' ? 'the answer' : first.instancePath} ${first.message ?? 'is invalid'}`;
}

/** Compiles a JSON check; a broken or oversized schema is a clear error. */
export function jsonCheck(spec: Extract<CheckSpec, { type: 'json' }>): CompiledCheck {
  const embedded = spec.embedded === true;
  let validate: ((value: unknown) => boolean) & { errors?: ErrorObject[] | null } = () => true;
  if (spec.schema !== undefined) {
    const size = JSON.stringify(spec.schema).length;
    if (size > maxSchemaChars) {
      return { ok: false, error: `the JSON schema is too large (${size} characters; at most ${maxSchemaChars})` };
    }
    try {
      validate = new Ajv({ allErrors: false, strict: false, code: { regExp: guardedRegExp } }).compile(spec.schema);
    } catch (error) {
      return { ok: false, error: `invalid JSON schema: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const label = `${embedded ? 'contains JSON' : 'is JSON'}${spec.schema !== undefined ? ' matching the schema' : ''}`;
  return {
    ok: true,
    check: {
      label,
      run(answer) {
        let value: unknown;
        try {
          value = JSON.parse(jsonText(answer, embedded));
        } catch (error) {
          return { pass: false, detail: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
        }
        if (!validate(value)) {
          return { pass: false, detail: describe(validate.errors) };
        }
        return { pass: true, detail: spec.schema !== undefined ? 'valid and matches the schema' : 'valid JSON' };
      },
    },
  };
}
