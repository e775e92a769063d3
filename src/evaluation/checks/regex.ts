/**
 * The regex check, with a guard against patterns that can take exponential time (ReDoS): JavaScript's regex
 * engine backtracks and cannot be interrupted, so a pattern from a cloned repository or an imported promptfoo file
 * must be refused before it runs. Refused: a repeated group that itself repeats (`(a+)+`, `(\w*)*`), a repeated
 * group whose alternatives overlap (`(a|aa)+`), and backreferences. The answer checked is capped in length, which
 * bounds the polynomial cases (`.*.*x`). Pure: no `vscode` import.
 */
import { quoteShort } from './spec';
import type { CheckSpec, CompiledCheck } from './spec';

/** Only this much of an answer is matched against a regex. */
export const maxRegexSubjectChars = 100_000;

interface Frame {
  /** The group holds an unbounded repetition somewhere inside. */
  repeats: boolean;
  start: number;
}

/** Length of the quantifier starting at `i` (0 when none) and whether it is unbounded (or large). */
function quantifierAt(pattern: string, i: number): { length: number; unbounded: boolean } {
  const c = pattern[i];
  if (c === '*' || c === '+') {
    return { length: pattern[i + 1] === '?' ? 2 : 1, unbounded: true };
  }
  if (c === '?') {
    return { length: 1, unbounded: false };
  }
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}\??/.exec(pattern.slice(i));
    if (m !== null) {
      const upper = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
      return { length: m[0].length, unbounded: upper > 16 };
    }
  }
  return { length: 0, unbounded: false };
}

/** Top-level alternatives of a group's text, or [] when it has none. */
function alternatives(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inClass = false;
  let last = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      i++;
    } else if (inClass) {
      inClass = c !== ']';
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === '|' && depth === 0) {
      parts.push(body.slice(last, i));
      last = i + 1;
    }
  }
  return parts.length === 0 ? [] : [...parts, body.slice(last)];
}

/**
 * True when every repetition of a group must start with a literal character that nothing else in the group can
 * match (`(\.[a-z]+)*`, `(,\d+)*`): each repetition then starts at a distinct place, so it cannot backtrack
 * exponentially.
 */
function anchoredByLiteral(body: string): boolean {
  const m = /^(?:\\([^A-Za-z0-9])|([A-Za-z0-9_,;:=@#%&'"<>~/-]))(?![*+?{])/.exec(body);
  const literal = m?.[1] ?? m?.[2];
  if (m === null || literal === undefined) {
    return false;
  }
  const rest = body.slice(m[0].length);
  const wide = /(^|[^\\])\.|\\[WSDs]|\[\^/;
  if (rest.includes(literal) || wide.test(rest)) {
    return false;
  }
  return !/[A-Za-z0-9_]/.test(literal) || !/\\w|\[/.test(rest);
}

/** Why a pattern may backtrack catastrophically, or undefined when it looks safe. */
export function catastrophicReason(pattern: string): string | undefined {
  if (/\\[1-9]|\\k</.test(pattern)) {
    return 'backreferences are not allowed (they can take exponential time)';
  }
  const stack: Frame[] = [{ repeats: false, start: 0 }];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const top = stack[stack.length - 1];
    if (top === undefined) {
      return undefined;
    }
    if (c === '\\') {
      i++;
      const q = quantifierAt(pattern, i + 1);
      top.repeats ||= q.unbounded;
      i += q.length;
      continue;
    }
    if (inClass) {
      if (c === ']') {
        inClass = false;
        const q = quantifierAt(pattern, i + 1);
        top.repeats ||= q.unbounded;
        i += q.length;
      }
      continue;
    }
    if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      stack.push({ repeats: false, start: i + 1 });
    } else if (c === ')') {
      const closed = stack.pop();
      const parent = stack[stack.length - 1];
      if (closed === undefined || parent === undefined) {
        return undefined; // unbalanced: the RegExp constructor reports it
      }
      const q = quantifierAt(pattern, i + 1);
      if (q.unbounded) {
        const body = pattern.slice(closed.start, i).replace(/^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/, '');
        if (closed.repeats && !anchoredByLiteral(body)) {
          return `the repeated group (${quoteShort(body, 30)}) repeats inside itself, which can take exponential time`;
        }
        const alts = alternatives(body);
        if (alts.some((a, k) => alts.some((b, l) => k !== l && b.startsWith(a)))) {
          return `the repeated group (${quoteShort(body, 30)}) has overlapping alternatives, which can take exponential time`;
        }
      }
      parent.repeats ||= closed.repeats || q.unbounded;
      i += q.length;
    } else {
      const q = quantifierAt(pattern, i + 1);
      top.repeats ||= q.unbounded;
      i += q.length;
    }
  }
  return undefined;
}

/** Compiles a regex check, refusing invalid and dangerous patterns with a clear error. */
export function regexCheck(spec: Extract<CheckSpec, { type: 'regex' }>): CompiledCheck {
  let compiled: RegExp;
  try {
    compiled = new RegExp(spec.pattern, spec.flags ?? '');
  } catch (error) {
    return { ok: false, error: `invalid regex ${quoteShort(spec.pattern)}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const danger = catastrophicReason(spec.pattern);
  if (danger !== undefined) {
    return { ok: false, error: `regex ${quoteShort(spec.pattern)} refused: ${danger}` };
  }
  const negate = spec.negate === true;
  return {
    ok: true,
    check: {
      label: `${negate ? 'not ' : ''}regex /${spec.pattern.length > 40 ? `${spec.pattern.slice(0, 39)}…` : spec.pattern}/${spec.flags ?? ''}`,
      run(answer) {
        const matched = compiled.test(answer.slice(0, maxRegexSubjectChars));
        return matched !== negate ? { pass: true, detail: matched ? 'matches' : 'does not match' } : { pass: false, detail: matched ? 'matches' : 'does not match' };
      },
    },
  };
}
