/**
 * Slurm hostlist expansion (`node[01-03,10],gpu[1-2]` → node01 node02 node03 node10 gpu1 gpu2), our own
 * parser with the semantics of Slurm 22.05's `hostlist.c`, checked against `scontrol show hostnames`:
 *
 * - Items are separated by commas, spaces or tabs outside brackets; empty items are skipped. Order and
 *   duplicates are kept, nothing is sorted.
 * - `prefix[ranges]`: ranges are `a-b` or `a`, comma-separated. The zero-padding width is the length of
 *   the text before the `-` (`node[1-02]` → node1 node2, `node[01-2]` → node01 node02). As Slurm reads
 *   the numbers with `strtoul`, leading blanks and a `+` count toward that width (`n[1, 3]` → n1 n03).
 * - Several bracket groups multiply, in Slurm's order: the last group varies fastest, then the first,
 *   second… up to the one before the last (`a[1-2]b[3-4]c[5-6]` → a1b3c5 a1b3c6 a2b3c5 a2b3c6 a1b4c5 …).
 * - Slurm's quirk, kept: with three or more groups, an invalid range in a group before the last two
 *   makes the item name no host, silently (`a[1/2]b[1]c[3],x` → x).
 * - Errors, as in Slurm: text after the last `]` (`node[1-2]-ib`), a descending range (`n[10-8]`), an
 *   empty range (`node[]`, `n[1,]`), anything else in a range (`node[1-5/2]`, an `x`), more than
 *   {@link MAX_HOSTS_PER_RANGE} hosts in one range; and a list that names no host (`,`), for which
 *   Slurm prints nothing.
 *
 * Deliberate differences: brackets that do not pair up (`node[1-3`, `node1]`, `n[[1]]`) and control
 * characters are errors here, where Slurm returns names such as `node]` that no host can have; numbers
 * above 2^64-1, which Slurm silently clamps, and lists of more than {@link MAX_HOSTLIST_HOSTS} hosts
 * are errors too.
 */
import { UserError } from '@prov4ml/prov-core';

/** Most hosts one range may name; Slurm's own `MAX_RANGE`, so we reject what Slurm rejects. */
export const MAX_HOSTS_PER_RANGE = 65_536;

/** Most host names one list may expand to: bounds the array built from an untrusted variable. */
export const MAX_HOSTLIST_HOSTS = 1_048_576;

const MAX_UNSIGNED_LONG = 2n ** 64n - 1n;

interface NumberRange {
  low: bigint;
  high: bigint;
  width: number;
}

/** One item: texts[0] [groups[0]] texts[1] [groups[1]] … ; texts has one more entry than groups. */
interface HostPattern {
  texts: string[];
  groups: NumberRange[][];
}

class HostlistSyntaxError extends Error {}

/**
 * Expands a Slurm hostlist into host names, in Slurm's order.
 * @param origin names the input in error messages, e.g. `SLURM_STEP_NODELIST`.
 * @throws UserError naming the origin and the input when the list does not parse.
 */
export function expandHostlist(list: string, origin = 'hostlist'): string[] {
  try {
    const hosts: string[] = [];
    for (const item of splitItems(list)) {
      const pattern = parseItem(item);
      if (pattern === null) continue;
      if (hosts.length + patternSize(pattern) > MAX_HOSTLIST_HOSTS) {
        throw new HostlistSyntaxError(`it names more than ${MAX_HOSTLIST_HOSTS} hosts`);
      }
      expandPattern(pattern, hosts);
    }
    if (hosts.length === 0) throw new HostlistSyntaxError('it names no host');
    return hosts;
  } catch (error) {
    if (!(error instanceof HostlistSyntaxError)) throw error;
    throw new UserError(`${origin}: invalid Slurm hostlist ${JSON.stringify(list)}: ${error.message}`);
  }
}

function splitItems(list: string): string[] {
  const items: string[] = [];
  let item = '';
  let insideBrackets = false;
  for (const character of list) {
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(character)) {
      throw new HostlistSyntaxError(`control character ${JSON.stringify(character)}`);
    }
    if (character === '[') {
      if (insideBrackets) throw new HostlistSyntaxError(`'[' inside brackets in ${JSON.stringify(item)}`);
      insideBrackets = true;
    } else if (character === ']') {
      if (!insideBrackets) throw new HostlistSyntaxError(`']' without '[' in ${JSON.stringify(item + character)}`);
      insideBrackets = false;
    } else if (!insideBrackets && (character === ',' || character === ' ' || character === '\t')) {
      if (item !== '') items.push(item);
      item = '';
      continue;
    }
    item += character;
  }
  if (insideBrackets) throw new HostlistSyntaxError(`unclosed '[' in ${JSON.stringify(item)}`);
  if (item !== '') items.push(item);
  return items;
}

/**
 * Parses one item, or returns null for an item Slurm silently expands to nothing: it parses the last two
 * bracket groups first, and the ones before them only inside a recursion that ignores their errors.
 */
function parseItem(item: string): HostPattern | null {
  const texts: string[] = [];
  const groupTexts: string[] = [];
  let rest = item;
  for (let open = rest.indexOf('['); open >= 0; open = rest.indexOf('[')) {
    const close = rest.indexOf(']', open);
    texts.push(rest.slice(0, open));
    groupTexts.push(rest.slice(open + 1, close));
    rest = rest.slice(close + 1);
  }
  if (groupTexts.length > 0 && rest !== '') {
    throw new HostlistSyntaxError(`text ${JSON.stringify(rest)} after the last ']' of ${JSON.stringify(item)}`);
  }
  texts.push(rest);
  const strictFrom = Math.max(0, groupTexts.length - 2);
  const checked = groupTexts.slice(strictFrom).map(parseRanges);
  try {
    return { texts, groups: [...groupTexts.slice(0, strictFrom).map(parseRanges), ...checked] };
  } catch (error) {
    if (error instanceof HostlistSyntaxError) return null;
    throw error;
  }
}

function parseRanges(group: string): NumberRange[] {
  return group.split(',').map(parseRange);
}

/** Slurm's `_parse_single_range`, including which trailing text it tolerates. */
function parseRange(text: string): NumberRange {
  const invalid = () => new HostlistSyntaxError(`invalid range ${JSON.stringify(text)}`);
  // Slurm reserves 'x' for the box ranges of 3-D clusters and rejects it in 1-D names.
  if (text.includes('x')) throw invalid();
  const dash = text.indexOf('-');
  const lowText = dash < 0 ? text : text.slice(0, dash);
  const highText = dash < 0 ? '' : text.slice(dash + 1);
  if (highText.startsWith('-')) throw invalid();
  const low = parseUnsigned(lowText);
  if (low === undefined) throw invalid();
  // Like strtoul's end pointer in Slurm: junk after the low number only matters when no high follows.
  const high = highText === '' ? low : parseUnsigned(highText);
  if (high === undefined || high.rest !== '') throw invalid();
  if (low.value > high.value) throw new HostlistSyntaxError(`descending range ${JSON.stringify(text)}`);
  if (high.value - low.value + 1n > BigInt(MAX_HOSTS_PER_RANGE)) {
    throw new HostlistSyntaxError(`range ${JSON.stringify(text)} has more than ${MAX_HOSTS_PER_RANGE} hosts`);
  }
  return { low: low.value, high: high.value, width: lowText.length };
}

/** `strtoul(text, &rest, 10)` without its negative numbers and clamping. */
function parseUnsigned(text: string): { value: bigint; rest: string } | undefined {
  const match = /^[ \t\n\v\f\r]*\+?(\d+)/.exec(text);
  if (!match?.[1]) return undefined;
  const value = BigInt(match[1]);
  if (value > MAX_UNSIGNED_LONG) throw new HostlistSyntaxError(`number ${match[1]} is too large`);
  return { value, rest: text.slice(match[0].length) };
}

function patternSize(pattern: HostPattern): number {
  return pattern.groups.reduce((product, group) => product * groupSize(group), 1);
}

function groupSize(group: NumberRange[]): number {
  return group.reduce((sum, range) => sum + Number(range.high - range.low + 1n), 0);
}

function formatNumber(value: bigint, width: number): string {
  return value.toString().padStart(width, '0');
}

function* groupValues(group: NumberRange[]): Generator<string> {
  for (const range of group) {
    for (let value = range.low; value <= range.high; value++) yield formatNumber(value, range.width);
  }
}

/**
 * Slurm's `_push_range_list`: the last group is expanded innermost; the groups before it are resolved
 * from right to left, each resolution producing a new prefix that still holds the groups to its left.
 */
function expandPattern(pattern: HostPattern, hosts: string[]): void {
  const lastGroup = pattern.groups.at(-1);
  if (!lastGroup) {
    hosts.push(pattern.texts[0] ?? '');
    return;
  }
  const prefixTexts = pattern.texts.slice(0, -1);
  const prefixGroups = pattern.groups.slice(0, -1);
  resolvePrefix(prefixTexts, prefixGroups, (prefix) => {
    for (const value of groupValues(lastGroup)) hosts.push(prefix + value);
  });
}

function resolvePrefix(texts: string[], groups: NumberRange[][], emit: (prefix: string) => void): void {
  const group = groups.at(-1);
  if (!group) {
    emit(texts[0] ?? '');
    return;
  }
  const before = texts.slice(0, -2);
  const left = texts.at(-2) ?? '';
  const right = texts.at(-1) ?? '';
  for (const value of groupValues(group)) {
    resolvePrefix([...before, left + value + right], groups.slice(0, -1), emit);
  }
}

/**
 * Expands Slurm's compressed count lists, e.g. SLURM_STEP_TASKS_PER_NODE `2(x3),1` → [2, 2, 2, 1].
 * @throws UserError naming the origin when the list does not parse.
 */
export function expandSlurmCounts(list: string, origin: string): number[] {
  const counts: number[] = [];
  for (const item of list.split(',')) {
    const match = /^(\d+)(?:\(x(\d+)\))?$/.exec(item.trim());
    const repeat = Number(match?.[2] ?? 1);
    if (!match?.[1] || repeat < 1) {
      throw new UserError(`${origin}: ${JSON.stringify(list)} is not a Slurm count list such as 2(x3),1`);
    }
    if (counts.length + repeat > MAX_HOSTLIST_HOSTS) {
      throw new UserError(`${origin}: ${JSON.stringify(list)} names more than ${MAX_HOSTLIST_HOSTS} nodes`);
    }
    for (let node = 0; node < repeat; node++) counts.push(Number(match[1]));
  }
  return counts;
}
