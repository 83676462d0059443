/**
 * Over 300 lines: one reader, record part by record part (prefixes, records, attributes, literals), each with the original's quirks beside the rule it bends.
 *
 * Turns parsed PROV-JSON into a {@link ProvDocument}, reporting every problem to a sink. The reader
 * throws on the first error; the validator collects them all. Both therefore agree on what is wrong.
 *
 * Accepted beyond the W3C submission, because the original yProvML wrote it: prefixes bound to
 * non-IRIs (warned), the `xsd_1` prefix, bare JSON numbers as values, typed literals whose "$" is a
 * JSON number, and python's bare NaN / Infinity tokens.
 */
import { LANGUAGE_TAG, Literal } from './literal.js';
import { FORMAL_ARGUMENTS, PREDECLARED_NAMESPACES, XSD_NS, ProvBundle, ProvDocument, isElementKind, isProvRecordKind } from './model.js';
import type { AttributeValue, Attributes, FormalArgument, ProvRecordKind } from './model.js';
import { MAX_ATTRIBUTE_VALUE_CHARS } from './limits.js';
import { NameResolver } from './name-resolver.js';
import { isXsdDateTime, xsdLexicalProblem } from './xsd.js';
import { oneLine } from '../text.js';
import { UserError } from '../errors.js';
import { parseJsonText } from './json-text.js';

/** Longest error message the reader produces (the source path plus a quoted fragment of the input). */
const MAX_MESSAGE_CHARS = 1000;

/** Receives problems found while decoding; `recordId` is null for problems outside a record. */
export interface IssueSink {
  /** Errors reported so far; a record is only added when decoding it reported none. */
  readonly errorCount: number;
  error(recordId: string | null, message: string): void;
  warning(recordId: string | null, message: string): void;
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

/** Decodes a parsed PROV-JSON value; records with errors are reported and left out. */
export function decodeProvJson(json: unknown, sink: IssueSink): ProvDocument {
  const doc = new ProvDocument();
  if (!isPlainObject(json)) {
    sink.error(null, `expected a JSON object at the top level, got ${describe(json)}`);
    return doc;
  }
  decodeContainer(json, doc, [doc], sink);
  const bundles = json.bundle;
  if (bundles !== undefined) {
    if (!isPlainObject(bundles)) sink.error('bundle', `expected an object of bundles, got ${describe(bundles)}`);
    else {
      const names = new NameResolver([doc]);
      for (const [id, content] of Object.entries(bundles)) {
        const problem = names.problem(id);
        if (problem !== null) sink.error(id, `bundle id: ${problem}`);
        else if (!isPlainObject(content)) sink.error(id, `expected a bundle object, got ${describe(content)}`);
        else {
          if (content.bundle !== undefined) sink.error(id, 'bundles cannot contain bundles');
          const bundle = doc.bundle(id);
          decodeContainer(content, bundle, [bundle, doc], sink);
        }
      }
    }
  }
  return doc;
}

function decodeContainer(json: Record<string, unknown>, bundle: ProvBundle, scopes: readonly ProvBundle[], sink: IssueSink): void {
  if (json.prefix !== undefined) decodePrefixes(json.prefix, bundle, sink);
  const names = new NameResolver(scopes);
  for (const [key, records] of Object.entries(json)) {
    if (key === 'prefix' || key === 'bundle') continue;
    if (!isProvRecordKind(key)) {
      sink.error(oneLine(key), 'unknown record type (expected entity, activity, agent, a relation such as wasGeneratedBy, prefix or bundle)');
      continue;
    }
    if (!isPlainObject(records)) {
      sink.error(key, `expected an object of ${key} records by id, got ${describe(records)}`);
      continue;
    }
    for (const [id, content] of Object.entries(records)) {
      const recordId = oneLine(id);
      const bodies = Array.isArray(content) ? content : [content];
      if (bodies.length === 0) sink.error(recordId, `${key}: empty array of records`);
      for (const body of bodies) {
        if (!isPlainObject(body)) sink.error(recordId, `${key}: expected an object of attributes, got ${describe(body)}`);
        else decodeRecord(key, id, body, bundle, names, sink);
      }
    }
  }
}

function decodePrefixes(prefixes: unknown, bundle: ProvBundle, sink: IssueSink): void {
  if (!isPlainObject(prefixes)) {
    sink.error('prefix', `expected an object of prefix → namespace IRI, got ${describe(prefixes)}`);
    return;
  }
  for (const [prefix, uri] of Object.entries(prefixes)) {
    if (typeof uri !== 'string' || uri.length === 0) {
      sink.error('prefix', `${oneLine(prefix)}: expected a namespace IRI string, got ${describe(uri)}`);
      continue;
    }
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) sink.warning('prefix', `${oneLine(prefix)} is bound to ${JSON.stringify(oneLine(uri))}, which is not an absolute IRI`);
    const predeclared = PREDECLARED_NAMESPACES.get(prefix);
    if (predeclared !== undefined && predeclared !== uri) {
      sink.warning('prefix', `${prefix} is predeclared as ${predeclared}; its redeclaration as ${oneLine(uri)} is ignored`);
      continue;
    }
    try {
      if (prefix === 'default') bundle.setDefaultNamespace(uri);
      else bundle.addNamespace(prefix, uri);
    } catch (error) {
      sink.error('prefix', (error as Error).message);
    }
  }
}

const ALL_FORMAL_KEYS = new Set(Object.values(FORMAL_ARGUMENTS).flatMap((args) => args.map((arg) => arg.key)));

function decodeRecord(kind: ProvRecordKind, id: string, body: Record<string, unknown>, bundle: ProvBundle, names: NameResolver, sink: IssueSink): void {
  const recordId = oneLine(id);
  const startErrors = sink.errorCount;
  const report = (message: string): void => void sink.error(recordId, message);
  if (id.startsWith('_:') && isElementKind(kind)) report(`a ${kind} needs an identifier, not a blank node`);
  else {
    const problem = names.problem(id);
    if (problem !== null) report(problem);
  }
  const formal = FORMAL_ARGUMENTS[kind];
  const attributes: Attributes = {};
  let extraMembers: readonly string[] = [];
  for (const [key, value] of Object.entries(body)) {
    const argument = formal.find((arg) => arg.key === key);
    if (argument !== undefined) {
      const decoded = argument.refers === 'time' ? decodeTime(key, value, recordId, sink) : decodeReference(kind, argument, value, names, report);
      if (decoded === undefined) continue;
      if (Array.isArray(decoded)) {
        attributes[key] = decoded[0] as string;
        extraMembers = decoded.slice(1);
      } else attributes[key] = decoded as string | Literal;
      continue;
    }
    if (ALL_FORMAL_KEYS.has(key)) {
      report(`${key} is not an argument of ${kind}`);
      continue;
    }
    const problem = names.problem(key);
    if (problem !== null) {
      report(`attribute ${oneLine(key)}: ${problem}`);
      continue;
    }
    const decoded = decodeAttributeValue(key, value, names, recordId, sink);
    if (decoded !== undefined) attributes[key] = decoded;
  }
  for (const arg of formal) {
    if (arg.required && attributes[arg.key] === undefined && !Object.hasOwn(body, arg.key)) {
      report(`${kind} is missing its required argument ${arg.key}`);
    }
  }
  if (sink.errorCount !== startErrors) return;
  bundle.addRecord({ kind, id, attributes });
  // python prov writes a hadMember with several members as one record with a list; PROV-DM has one member each.
  for (const member of extraMembers) bundle.hadMember(attributes['prov:collection'] as string, member);
}

function decodeTime(key: string, value: unknown, recordId: string, sink: IssueSink): Literal | undefined {
  if (typeof value !== 'string') {
    sink.error(recordId, `${key} must be an xsd:dateTime string, got ${describe(value)}`);
    return undefined;
  }
  if (isXsdDateTime(value)) return new Literal(value, 'xsd:dateTime');
  sink.error(recordId, `${key} ${JSON.stringify(oneLine(value))} is not an xsd:dateTime`);
  return undefined;
}

function decodeReference(kind: ProvRecordKind, argument: FormalArgument, value: unknown, names: NameResolver, report: (message: string) => void): string | readonly string[] | undefined {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || values.some((item) => typeof item !== 'string' || item.length === 0)) {
    report(`${argument.key} must be a qualified name string, got ${describe(value)}`);
    return undefined;
  }
  if (values.length > 1 && !(kind === 'hadMember' && argument.key === 'prov:entity')) {
    report(`${argument.key} has ${values.length} values; PROV allows one`);
    return undefined;
  }
  for (const name of values as string[]) {
    const problem = names.problem(name);
    if (problem !== null) {
      report(`${argument.key}: ${problem}`);
      return undefined;
    }
  }
  return values.length === 1 ? (values[0] as string) : (values as string[]);
}

function decodeAttributeValue(key: string, value: unknown, names: NameResolver, recordId: string, sink: IssueSink): AttributeValue | readonly AttributeValue[] | undefined {
  if (value === null) {
    // python prov serialises an attribute set to None as null; there is nothing to keep
    sink.warning(recordId, `attribute ${oneLine(key)} is null; it is ignored`);
    return undefined;
  }
  if (!Array.isArray(value)) return decodeScalar(key, value, names, recordId, sink);
  if (value.length === 0) {
    sink.warning(recordId, `attribute ${oneLine(key)} has an empty list of values; it is ignored`);
    return undefined;
  }
  const decoded: AttributeValue[] = [];
  for (const item of value) {
    if (item === null) {
      sink.warning(recordId, `attribute ${oneLine(key)} has a null value; it is ignored`);
      continue;
    }
    if (Array.isArray(item)) {
      sink.error(recordId, `attribute ${oneLine(key)}: lists of values cannot be nested`);
      return undefined;
    }
    const one = decodeScalar(key, item, names, recordId, sink);
    if (one === undefined) return undefined;
    decoded.push(one);
  }
  return decoded.length === 0 ? undefined : decoded;
}

function decodeScalar(key: string, value: unknown, names: NameResolver, recordId: string, sink: IssueSink): AttributeValue | undefined {
  const report = (message: string): undefined => void sink.error(recordId, `attribute ${oneLine(key)}: ${message}`);
  const warn = (message: string): void => sink.warning(recordId, `attribute ${oneLine(key)}: ${message}`);
  switch (typeof value) {
    case 'string':
      return value.length > MAX_ATTRIBUTE_VALUE_CHARS ? report(tooLong(value.length)) : value;
    case 'boolean':
      return value;
    case 'number':
      return numberLiteral(value);
    default:
      if (!isPlainObject(value)) return report(`expected a string, number, boolean or {"$": …, "type": …}, got ${describe(value)}`);
      return decodeLiteral(value, names, report, warn);
  }
}

/** A bare JSON number: python prov wrote ints as xsd:int and floats as xsd:double, so keep that distinction. */
function numberLiteral(value: number): Literal {
  if (!Number.isInteger(value)) return new Literal(String(value), 'xsd:double');
  return new Literal(numberLexical(value), integerDatatype(value));
}

/** python prov calls every Python int an xsd:int; those that do not fit are xsd:long or xsd:integer. */
function integerDatatype(value: number): string {
  if (value >= -(2 ** 31) && value < 2 ** 31) return 'xsd:int';
  return Number.isSafeInteger(value) ? 'xsd:long' : 'xsd:integer';
}

/** A JSON number as a lexical form; large integers in plain digits (String() would give "1e+21"). */
function numberLexical(value: number): string {
  return Number.isInteger(value) && Math.abs(value) >= 1e21 ? BigInt(value).toString() : String(value);
}

function decodeLiteral(json: Record<string, unknown>, names: NameResolver, report: (message: string) => undefined, warn: (message: string) => void): AttributeValue | undefined {
  const unknownKey = Object.keys(json).find((key) => key !== '$' && key !== 'type' && key !== 'lang');
  if (unknownKey !== undefined) return report(`unknown key ${JSON.stringify(oneLine(unknownKey))} in a literal (expected "$", "type" or "lang")`);
  const raw = json.$;
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return report(`a literal needs a "$" string value, got ${describe(raw)}`);
  const lexical = typeof raw === 'number' ? numberLexical(raw) : String(raw);
  if (lexical.length > MAX_ATTRIBUTE_VALUE_CHARS) return report(tooLong(lexical.length));
  const { type, lang } = json;
  if (lang !== undefined) {
    if (typeof lang !== 'string' || !LANGUAGE_TAG.test(lang)) return report(`malformed language tag ${describe(lang)}`);
    return new Literal(lexical, 'prov:InternationalizedString', lang);
  }
  if (type === undefined) return lexical;
  if (typeof type !== 'string') return report(`a literal "type" must be a qualified name string, got ${describe(type)}`);
  if (type === 'xsd:int' && typeof raw === 'number' && Number.isInteger(raw) && integerDatatype(raw) !== 'xsd:int') {
    const wider = integerDatatype(raw);
    warn(`${lexical} does not fit xsd:int (python prov types every int so); read as ${wider}`);
    return new Literal(lexical, wider);
  }
  const problem = names.problem(type);
  if (problem !== null) return report(`literal type: ${problem}`);
  if (type === 'prov:QUALIFIED_NAME' || type === 'xsd:QName') {
    const nameProblem = names.problem(lexical);
    if (nameProblem !== null) return report(`malformed qualified name literal: ${nameProblem}`);
  }
  const local = xsdLocalName(names.iri(type) ?? type);
  const lexicalProblem = local === null ? null : xsdLexicalProblem(lexical, local);
  if (lexicalProblem !== null) return report(`malformed literal ${JSON.stringify(oneLine(lexical, 40))}: ${lexicalProblem}`);
  return new Literal(lexical, type);
}

/** The original (via python prov's `xsd_1` rename) binds this older XML Schema namespace; its types mean the same. */
const XSD_2000_NS = 'http://www.w3.org/2000/10/XMLSchema#';

function xsdLocalName(iri: string): string | null {
  for (const namespace of [XSD_NS, XSD_2000_NS]) if (iri.startsWith(namespace)) return iri.slice(namespace.length);
  return null;
}

function tooLong(length: number): string {
  return `value is ${length} characters long, over the limit of ${MAX_ATTRIBUTE_VALUE_CHARS}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(oneLine(value, 40))}`;
  return `${typeof value} ${String(value)}`;
}
