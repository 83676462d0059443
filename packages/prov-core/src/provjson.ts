/**
 * PROV-JSON (W3C member submission, https://www.w3.org/submissions/prov-json/) writer and reader.
 *
 * The writer is compact and deterministic: prefixes first, then one member per record kind in order
 * of first appearance, several records under one id as an array, anonymous relations as "_:idN",
 * bundles under "bundle". Its output read back and written again is byte-identical.
 */
import { Literal, FORMAL_ARGUMENTS, ProvBundle, ProvDocument, doubleLexical } from './model.js';
import type { AttributeValue, ProvRecord, ProvRecordKind } from './model.js';
import { NameResolver } from './names.js';
import { decodeProvJson, parseJsonText } from './decode.js';
import { UserError } from './errors.js';
import { oneLine } from './text.js';

/** Longest error message the reader produces (the source path plus a quoted fragment of the input). */
const MAX_MESSAGE_CHARS = 1000;

/** Serialises a document as compact PROV-JSON. Throws TypeError if a name uses an undeclared prefix. */
export function toProvJson(doc: ProvDocument): string {
  const blankIds = new BlankIds(doc);
  let out = '{' + containerBody(doc, [doc], blankIds);
  if (doc.bundles().size > 0) {
    const bundles: string[] = [];
    for (const [id, bundle] of doc.bundles()) {
      checkName(new NameResolver([doc]), id, 'bundle id');
      bundles.push(`${JSON.stringify(id)}:{${containerBody(bundle, [bundle, doc], blankIds)}}`);
    }
    out += `${out.length > 1 ? ',' : ''}"bundle":{${bundles.join(',')}}`;
  }
  return out + '}';
}

/** Reads PROV-JSON, including the original yProvML's quirks; throws UserError naming `source`. */
export function parseProvJson(text: string, source = 'PROV-JSON'): ProvDocument {
  const fail = (recordId: string | null, message: string): never => {
    throw new UserError(oneLine(`${source}: ${recordId === null ? '' : `${recordId}: `}${message}`, MAX_MESSAGE_CHARS));
  };
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    return fail(null, `not valid JSON: ${(error as Error).message}`);
  }
  return decodeProvJson(json, { errorCount: 0, error: fail, warning: () => undefined });
}

function containerBody(bundle: ProvBundle, scopes: readonly ProvBundle[], blankIds: BlankIds): string {
  const names = new NameResolver(scopes);
  const parts: string[] = [];
  const prefix = prefixBlock(bundle);
  if (prefix !== null) parts.push(prefix);
  for (const [kind, byId] of groupRecords(bundle, blankIds)) {
    const members: string[] = [];
    for (const [id, records] of byId) {
      checkName(names, id, `${kind} id`);
      const bodies = records.map((record) => attributesJson(record, names));
      members.push(`${JSON.stringify(id)}:${bodies.length === 1 ? bodies[0] : `[${bodies.join(',')}]`}`);
    }
    parts.push(`${JSON.stringify(kind)}:{${members.join(',')}}`);
  }
  return parts.join(',');
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

function attributesJson(record: ProvRecord, names: NameResolver): string {
  const formal = FORMAL_ARGUMENTS[record.kind];
  let out = '{';
  let first = true;
  for (const key in record.attributes) {
    const value = record.attributes[key] as AttributeValue | readonly AttributeValue[];
    checkName(names, key, `attribute of ${record.kind}`);
    const argument = formal.find((arg) => arg.key === key);
    let json: string;
    if (argument === undefined) json = valueJson(value, names);
    else if (argument.refers === 'time') json = JSON.stringify(value instanceof Literal ? value.value : String(value));
    else {
      checkName(names, value as string, key);
      json = JSON.stringify(value);
    }
    out += `${first ? '' : ','}${JSON.stringify(key)}:${json}`;
    first = false;
  }
  return out + '}';
}

function valueJson(value: AttributeValue | readonly AttributeValue[], names: NameResolver): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return `{"$":"${doubleLexical(value)}","type":"xsd:double"}`;
    default:
      if (value instanceof Literal) return literalJson(value, names);
      return `[${(value as readonly AttributeValue[]).map((item) => valueJson(item, names)).join(',')}]`;
  }
}

function literalJson(literal: Literal, names: NameResolver): string {
  if (literal.lang !== undefined) return `{"$":${JSON.stringify(literal.value)},"lang":${JSON.stringify(literal.lang)}}`;
  checkName(names, literal.datatype, 'literal datatype');
  if (literal.datatype === 'prov:QUALIFIED_NAME') checkName(names, literal.value, 'qualified name value');
  return `{"$":${JSON.stringify(literal.value)},"type":${JSON.stringify(literal.datatype)}}`;
}

function checkName(names: NameResolver, name: string, what: string): void {
  const problem = names.problem(name);
  if (problem !== null) throw new TypeError(`toProvJson: ${what}: ${problem}`);
}
