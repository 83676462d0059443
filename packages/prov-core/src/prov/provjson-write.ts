/**
 * PROV-JSON (W3C member submission, https://www.w3.org/submissions/prov-json/) writer (provjson-read.ts reads).
 *
 * The writer is compact and deterministic: prefixes first, then one member per record kind in order
 * of first appearance, several records under one id as an array, anonymous relations as "_:idN",
 * bundles under "bundle". Its output read back and written again is byte-identical.
 */
import { Literal, doubleLexical } from './literal.js';
import { FORMAL_ARGUMENTS, ProvBundle, ProvDocument } from './model.js';
import type { AttributeValue, FormalArgument, ProvRecord, ProvRecordKind } from './model.js';
import { NameResolver } from './name-resolver.js';

/** Serialises a document as compact PROV-JSON. Throws TypeError if a name uses an undeclared prefix. */
export function toProvJson(doc: ProvDocument): string {
  const out = new PieceBuffer();
  const blankIds = new BlankIds(doc);
  out.add('{');
  const wroteMembers = writeContainer(out, doc, [doc], blankIds);
  if (doc.bundles().size > 0) {
    const bundleNames = new NameResolver([doc]);
    out.add(wroteMembers ? ',"bundle":{' : '"bundle":{');
    let separator = '';
    for (const [id, bundle] of doc.bundles()) {
      checkName(bundleNames, id, 'bundle id');
      out.add(`${separator}${JSON.stringify(id)}:{`);
      writeContainer(out, bundle, [bundle, doc], blankIds);
      out.add('}');
      separator = ',';
    }
    out.add('}');
  }
  out.add('}');
  return out.text();
}

/** Writes the members of one container (document or bundle); false when it had none. */
function writeContainer(out: PieceBuffer, bundle: ProvBundle, scopes: readonly ProvBundle[], blankIds: BlankIds): boolean {
  const records = new RecordWriter(new NameResolver(scopes));
  let separator = '';
  const prefix = prefixBlock(bundle);
  if (prefix !== null) {
    out.add(prefix);
    separator = ',';
  }
  for (const [kind, byId] of groupRecords(bundle, blankIds)) {
    out.add(`${separator}${JSON.stringify(kind)}:{`);
    let memberSeparator = '';
    for (const [id, group] of byId) {
      let member = memberSeparator + records.id(id, `${kind} id`);
      if (group.length === 1) member += records.attributes(group[0] as ProvRecord);
      else member += `[${group.map((record) => records.attributes(record)).join(',')}]`;
      out.add(member);
      memberSeparator = ',';
    }
    out.add('}');
    separator = ',';
  }
  return separator !== '';
}

/**
 * Output collected as many small strings and joined in batches: a million concatenations kept as
 * one rope until the end would survive into the old generation and cost more in GC than the writing.
 */
class PieceBuffer {
  static readonly BATCH_PIECES = 2048;
  readonly #pieces: string[] = [];
  readonly #batches: string[] = [];

  add(piece: string): void {
    if (this.#pieces.push(piece) === PieceBuffer.BATCH_PIECES) this.#flush();
  }

  text(): string {
    this.#flush();
    return this.#batches.join('');
  }

  #flush(): void {
    this.#batches.push(this.#pieces.join(''));
    this.#pieces.length = 0;
  }
}

function prefixBlock(bundle: ProvBundle): string | null {
  const entries: string[] = [];
  for (const [prefix, uri] of bundle.namespaces()) entries.push(`${JSON.stringify(prefix)}:${JSON.stringify(uri)}`);
  const defaultNamespace = bundle.defaultNamespace();
  if (defaultNamespace !== undefined) entries.push(`"default":${JSON.stringify(defaultNamespace)}`);
  return entries.length === 0 ? null : `"prefix":{${entries.join(',')}}`;
}

/** kind → id → records, each map in order of first appearance. */
function groupRecords(bundle: ProvBundle, blankIds: BlankIds): Map<ProvRecordKind, Map<string, ProvRecord[]>> {
  const groups = new Map<ProvRecordKind, Map<string, ProvRecord[]>>();
  for (const record of bundle.records()) {
    let byId = groups.get(record.kind);
    if (byId === undefined) groups.set(record.kind, (byId = new Map()));
    const id = record.id ?? blankIds.next();
    const same = byId.get(id);
    if (same === undefined) byId.set(id, [record]);
    else same.push(record);
  }
  return groups;
}

/** Hands out "_:idN" in creation order, skipping numbers the document already uses explicitly. */
class BlankIds {
  readonly #taken = new Set<string>();
  #counter = 0;

  constructor(doc: ProvDocument) {
    for (const bundle of [doc, ...doc.bundles().values()]) {
      for (const record of bundle.records()) if (record.id?.startsWith('_:')) this.#taken.add(record.id);
    }
  }

  next(): string {
    let id: string;
    do id = `_:id${++this.#counter}`;
    while (this.#taken.has(id));
    return id;
  }
}

/** Writes record bodies, remembering the JSON of keys and datatypes it has already checked. */
class RecordWriter {
  readonly #names: NameResolver;
  /** name → its JSON string plus ':', present only once the name resolved. */
  readonly #keys = new Map<string, string>();
  /** datatype → the literal's closing `,"type":"…"}`, present only once the datatype resolved. */
  readonly #typeSuffixes = new Map<string, string>();

  constructor(names: NameResolver) {
    this.#names = names;
  }

  /** An id: written once, so not worth remembering. */
  id(name: string, what: string): string {
    checkName(this.#names, name, what);
    return `${JSON.stringify(name)}:`;
  }

  key(name: string, what: string): string {
    let json = this.#keys.get(name);
    if (json === undefined) {
      checkName(this.#names, name, what);
      json = `${JSON.stringify(name)}:`;
      this.#keys.set(name, json);
    }
    return json;
  }

  attributes(record: ProvRecord): string {
    const formal = FORMAL_ARGUMENTS[record.kind];
    const attributes = record.attributes;
    let out = '{';
    let separator = '';
    for (const key in attributes) {
      const value = attributes[key] as AttributeValue | readonly AttributeValue[];
      const argument = formal.length === 0 ? undefined : formal.find((arg) => arg.key === key);
      out += separator + this.key(key, `attribute of ${record.kind}`) + (argument === undefined ? this.#value(value) : this.#argument(argument, value));
      separator = ',';
    }
    return out + '}';
  }

  /** Formal arguments are plain strings in PROV-JSON: a qualified name, or an xsd:dateTime for times. */
  #argument(argument: FormalArgument, value: AttributeValue | readonly AttributeValue[]): string {
    if (argument.refers === 'time') return JSON.stringify(value instanceof Literal ? value.value : String(value));
    checkName(this.#names, value as string, argument.key);
    return JSON.stringify(value);
  }

  #value(value: AttributeValue | readonly AttributeValue[]): string {
    if (typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'number') return `{"$":"${doubleLexical(value)}","type":"xsd:double"}`;
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (value instanceof Literal) return this.#literal(value);
    return `[${(value as readonly AttributeValue[]).map((item) => this.#value(item)).join(',')}]`;
  }

  #literal(literal: Literal): string {
    if (literal.lang !== undefined) return `{"$":${JSON.stringify(literal.value)},"lang":${JSON.stringify(literal.lang)}}`;
    let suffix = this.#typeSuffixes.get(literal.datatype);
    if (suffix === undefined) {
      checkName(this.#names, literal.datatype, 'literal datatype');
      suffix = `,"type":${JSON.stringify(literal.datatype)}}`;
      this.#typeSuffixes.set(literal.datatype, suffix);
    }
    if (literal.datatype === 'prov:QUALIFIED_NAME') checkName(this.#names, literal.value, 'qualified name value');
    return `{"$":${JSON.stringify(literal.value)}${suffix}`;
  }
}

function checkName(names: NameResolver, name: string, what: string): void {
  const problem = names.problem(name);
  if (problem !== null) throw new TypeError(`toProvJson: ${what}: ${problem}`);
}
