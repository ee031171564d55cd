import type { z } from 'zod';

/**
 * Turns zod issues into one line each: `<source>: <key.path>: expected <what> but received <value>`.
 * "What" comes from the description the schema attaches to each key; the received value is read from the raw
 * input (so enum errors quote what the user wrote, not the lower-cased value).
 */
export function formatConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  source: string | ((path: string[]) => string),
  schema: z.ZodType,
): string[] {
  const lines: string[] = [];
  for (const issue of flattenIssues(issues)) {
    const path = issue.path.map(String);
    const src = typeof source === 'string' ? source : source(path);
    if (issue.code === 'unrecognized_keys') {
      const allowed = objectKeysAt(schema, path);
      for (const key of issue.keys) {
        const hint = allowed.length ? `expected one of the keys ${allowed.join(', ')}${didYouMean(key, allowed)}` : 'expected no other keys';
        lines.push(`${src}: ${[...path, key].join('.')}: unknown key (${hint})`);
      }
      continue;
    }
    const where = path.length ? path.join('.') : '(top level)';
    const received = describeValue(valueAt(raw, path));
    const expected = expectedFor(issue, schema, path);
    lines.push(`${src}: ${where}: expected ${expected} but received ${received}`);
  }
  return lines;
}

function flattenIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((i) => (i.code === 'invalid_union' && i.errors.length ? flattenIssues(i.errors[0]!.map((e) => ({ ...e, path: [...i.path, ...e.path] }))) : [i]));
}

function expectedFor(issue: z.core.$ZodIssue, schema: z.ZodType, path: string[]): string {
  // Cross-field rules carry their own expectation; everything else quotes the key's description.
  if (issue.code === 'custom' && (issue.params as { crossField?: boolean } | undefined)?.crossField) return issue.message;
  const described = descriptionAt(schema, path);
  if (described) return described;
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'object' ? 'an object' : `a value of type ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `a value ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `a value ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

/** How a received value is shown: JSON for scalars, a kind for containers, "nothing" for a missing key. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (Array.isArray(v)) return `an array (${truncate(JSON.stringify(v))})`;
  if (v !== null && typeof v === 'object') return 'an object';
  return truncate(JSON.stringify(v));
}

const truncate = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

function valueAt(raw: unknown, path: string[]): unknown {
  let v = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

type Def = { type?: string; innerType?: ZodLike; in?: ZodLike; shape?: Record<string, ZodLike> };
interface ZodLike {
  _zod: { def: Def };
  description?: string;
}

/** The schemas met while walking from the root to `path`, unwrapping defaults, nullables and pipes. */
function schemasAt(schema: z.ZodType, path: string[]): ZodLike[] {
  let nodes = unwrapChain(schema as unknown as ZodLike);
  for (const key of path) {
    const obj = nodes.find((n) => n._zod.def.type === 'object');
    const child = obj?._zod.def.shape?.[key];
    if (!child) return [];
    nodes = unwrapChain(child);
  }
  return nodes;
}

function unwrapChain(node: ZodLike): ZodLike[] {
  const chain: ZodLike[] = [node];
  let cur: ZodLike | undefined = node;
  for (let i = 0; i < 20 && cur; i++) {
    const def: Def = cur._zod.def;
    cur = def.innerType ?? def.in;
    if (cur) chain.push(cur);
  }
  return chain;
}

function descriptionAt(schema: z.ZodType, path: string[]): string | undefined {
  return schemasAt(schema, path).find((n) => n.description)?.description;
}

function objectKeysAt(schema: z.ZodType, path: string[]): string[] {
  const obj = schemasAt(schema, path).find((n) => n._zod.def.type === 'object');
  return obj?._zod.def.shape ? Object.keys(obj._zod.def.shape) : [];
}

function didYouMean(key: string, allowed: string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const a of allowed) {
    const d = editDistance(key.toLowerCase(), a);
    if (d < bestD) [best, bestD] = [a, d];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean "${best}"?` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
