/**
 * Graphviz DOT for a PROV document, styled like python prov's `prov_to_dot` that the original used
 * (show_nary, direction BT, element and relation attributes), with the original's G2 cut of long values.
 *
 * Everything from the document is escaped: quoted DOT strings for labels and URLs, XML text for the
 * HTML-like attribute tables, so Graphviz accepts any id or value (quotes, <>&, newlines, unicode).
 */
import { Literal, doubleLexical } from './literal.js';
import { FORMAL_ARGUMENTS, isElementKind } from './model.js';
import type { AttributeValue, ElementKind, ProvBundle, ProvDocument, ProvRecord, ProvRecordKind } from './model.js';
import { NameResolver } from './name-resolver.js';
import { parseProvJson } from './provjson-read.js';

export interface DotOptions {
  /** Attribute values longer than this many characters are cut and end in "..." (default 100). */
  readonly maxValueLength?: number;
}

export const DEFAULT_DOT_MAX_VALUE_LENGTH = 100;

type Style = Readonly<Record<string, string>>;

const ELEMENT_STYLE: Readonly<Record<ElementKind, Style>> = {
  entity: { shape: 'oval', style: 'filled', fillcolor: '#FFFC87', color: '#808080' },
  activity: { shape: 'box', style: 'filled', fillcolor: '#9FB1FC', color: '#0000FF' },
  agent: { shape: 'house', style: 'filled', fillcolor: '#FED37F' },
};

/** Nodes only referenced by relations: grey, shaped by the kind the relation implies. */
const INFERRED_STYLE: Readonly<Record<ElementKind, Style>> = {
  entity: { shape: 'oval', style: 'filled', fillcolor: 'lightgray', color: 'dimgray' },
  activity: { shape: 'box', style: 'filled', fillcolor: 'lightgray', color: 'dimgray' },
  agent: { shape: 'house', style: 'filled', fillcolor: 'lightgray', color: 'dimgray' },
};

const AGENT_EDGE = { fontsize: '10.0', color: '#FED37F' };
const RELATION_STYLE: Readonly<Record<Exclude<ProvRecordKind, ElementKind>, Style>> = {
  wasGeneratedBy: { fontsize: '10.0', color: 'darkgreen', fontcolor: 'darkgreen' },
  used: { fontsize: '10.0', color: 'red4', fontcolor: 'red' },
  wasInformedBy: { fontsize: '10.0' },
  wasStartedBy: { fontsize: '10.0' },
  wasEndedBy: { fontsize: '10.0' },
  wasInvalidatedBy: { fontsize: '10.0' },
  wasDerivedFrom: { fontsize: '10.0' },
  wasAttributedTo: AGENT_EDGE,
  wasAssociatedWith: AGENT_EDGE,
  actedOnBehalfOf: AGENT_EDGE,
  wasInfluencedBy: { fontsize: '10.0', color: 'grey' },
  alternateOf: { fontsize: '10.0' },
  specializationOf: { fontsize: '10.0' },
  mentionOf: { fontsize: '10.0' },
  hadMember: { fontsize: '10.0' },
};

const ANNOTATION_STYLE: Style = { shape: 'note', color: 'gray', fontcolor: 'black', fontsize: '10' };
const ANNOTATION_LINK_STYLE: Style = { arrowhead: 'none', style: 'dashed', color: 'gray' };
const BLANK_NODE_STYLE: Style = { label: '', shape: 'point', color: 'gray' };

/** python prov's `sorted_attributes`: these PROV attributes first, in this order, then the rest alphabetically. */
const LEADING_ATTRIBUTES = ['prov:label', 'prov:location', 'prov:role', 'prov:type', 'prov:value'];

/** Reads PROV-JSON (see {@link parseProvJson}) and draws it: what `prov4ml prov2dot` does. */
export function provJsonToDot(text: string, options: DotOptions & { readonly source?: string } = {}): string {
  return toDot(parseProvJson(text, options.source), options);
}

export function toDot(doc: ProvDocument, options: DotOptions = {}): string {
  const maxValueLength = options.maxValueLength ?? DEFAULT_DOT_MAX_VALUE_LENGTH;
  if (!Number.isInteger(maxValueLength) || maxValueLength < 1) throw new TypeError(`toDot(options.maxValueLength): must be a positive integer, got ${String(maxValueLength)}`);
  const graph = new DotGraph(maxValueLength);
  graph.line('digraph G {');
  graph.line('rankdir=BT;');
  graph.line('charset="utf-8";');
  graph.container(doc, [doc], doc.bundles());
  graph.line('}');
  return graph.text();
}

interface Annotated {
  readonly kind: ProvRecordKind;
  readonly attributes: [string, AttributeValue][];
}

class DotGraph {
  readonly #lines: string[] = [];
  readonly #maxValueLength: number;
  /** Node id by the element's IRI (or its name when unresolvable), so all references meet at one node. */
  readonly #nodes = new Map<string, string>();
  #nodeCount = 0;
  #blankCount = 0;
  #annotationCount = 0;
  #clusterCount = 0;

  constructor(maxValueLength: number) {
    this.#maxValueLength = maxValueLength;
  }

  line(text: string): void {
    this.#lines.push(text);
  }

  text(): string {
    return this.#lines.join('\n') + '\n';
  }

  container(bundle: ProvBundle, scopes: readonly ProvBundle[], bundles: ReadonlyMap<string, ProvBundle>): void {
    const names = new NameResolver(scopes);
    for (const [id, element] of unifiedElements(bundle.records())) {
      const node = this.#newNode(names, id, { label: id, URL: names.iri(id) ?? id, ...ELEMENT_STYLE[element.kind as ElementKind] });
      this.#annotate(node, element, names);
    }
    for (const [id, inner] of bundles) {
      this.line(`subgraph cluster_c${++this.#clusterCount} {`);
      this.line(`label=${dotString(id)};`);
      this.line(`URL=${dotString(names.iri(id) ?? id)};`);
      this.container(inner, [inner, ...scopes], new Map());
      this.line('}');
    }
    for (const record of bundle.records()) {
      if (!isElementKind(record.kind)) this.#relation(record, names);
    }
  }

  #relation(record: ProvRecord, names: NameResolver): void {
    const kind = record.kind as Exclude<ProvRecordKind, ElementKind>;
    const references = FORMAL_ARGUMENTS[kind].filter((argument) => argument.refers !== 'time');
    const ends = references.map((argument) => {
      const target = record.attributes[argument.key];
      return typeof target === 'string' ? { name: target, inferred: inferredKind(argument.refers as ProvRecordKind) } : null;
    });
    const endpoint = (index: number): string => {
      const end = ends[index];
      return end ? this.#nodeFor(names, end.name, end.inferred) : this.#blankNode();
    };
    const style = RELATION_STYLE[kind];
    const annotation = relationAnnotation(record);
    const nary = references.length > 2;
    if (!nary && annotation.attributes.length === 0) {
      this.#edge(endpoint(0), endpoint(1), { label: kind, ...style });
      return;
    }
    // python prov draws n-ary and annotated relations through a point node.
    const hub = this.#blankNode();
    this.#edge(endpoint(0), hub, { arrowhead: 'none', label: kind, ...style });
    this.#edge(hub, endpoint(1), style);
    references.slice(2).forEach((argument, offset) => {
      const end = ends[offset + 2];
      if (end) this.#edge(hub, this.#nodeFor(names, end.name, end.inferred), { ...style, color: 'gray', fontcolor: 'dimgray', label: argument.key.slice('prov:'.length) });
    });
    this.#annotate(hub, annotation, names);
  }

  #annotate(node: string, record: Annotated, names: NameResolver): void {
    if (record.attributes.length === 0) return;
    const rows = sortAttributes(record.kind, record.attributes).map(([key, value]) => {
      const valueHref = value instanceof Literal && value.datatype === 'prov:QUALIFIED_NAME' ? ` href="${htmlText(names.iri(value.value) ?? value.value)}"` : '';
      return [
        '    <TR>',
        `        <TD align="left" href="${htmlText(names.iri(key) ?? key)}">${htmlText(key)}</TD>`,
        `        <TD align="left"${valueHref}>${htmlText(cut(valueText(value), this.#maxValueLength))}</TD>`,
        '    </TR>',
      ].join('\n');
    });
    const annotation = `ann${++this.#annotationCount}`;
    const label = `<<TABLE cellpadding="0" border="0">\n${rows.join('\n')}\n    </TABLE>>`;
    this.line(`${annotation} [label=${label}, ${attributeList(ANNOTATION_STYLE)}];`);
    this.#edge(annotation, node, ANNOTATION_LINK_STYLE);
  }

  #nodeFor(names: NameResolver, name: string, inferred: ElementKind): string {
    return this.#nodes.get(names.iri(name) ?? name) ?? this.#newNode(names, name, { label: name, URL: names.iri(name) ?? name, ...INFERRED_STYLE[inferred] });
  }

  #newNode(names: NameResolver, name: string, attributes: Style): string {
    const node = `n${++this.#nodeCount}`;
    this.#nodes.set(names.iri(name) ?? name, node);
    this.line(`${node} [${attributeList(attributes)}];`);
    return node;
  }

  #blankNode(): string {
    const node = `b${++this.#blankCount}`;
    this.line(`${node} [${attributeList(BLANK_NODE_STYLE)}];`);
    return node;
  }

  #edge(from: string, to: string, attributes: Style): void {
    this.line(`${from} -> ${to} [${attributeList(attributes)}];`);
  }
}

/** Records sharing an id become one node, as python prov's `unified()` does (first kind wins the shape). */
function unifiedElements(records: readonly ProvRecord[]): Map<string, Annotated> {
  const elements = new Map<string, Annotated>();
  for (const record of records) {
    if (!isElementKind(record.kind) || record.id === null) continue;
    let element = elements.get(record.id);
    if (element === undefined) elements.set(record.id, (element = { kind: record.kind, attributes: [] }));
    for (const pair of flatAttributes(record)) {
      if (!element.attributes.some(([key, value]) => key === pair[0] && sameValue(value, pair[1]))) element.attributes.push(pair);
    }
  }
  return elements;
}

/** A relation's annotation: every attribute except the qualified-name arguments drawn as edges (times stay). */
function relationAnnotation(record: ProvRecord): Annotated {
  const edges = new Set(FORMAL_ARGUMENTS[record.kind].filter((argument) => argument.refers !== 'time').map((argument) => argument.key));
  return { kind: record.kind, attributes: flatAttributes(record).filter(([key]) => !edges.has(key)) };
}

function flatAttributes(record: ProvRecord): [string, AttributeValue][] {
  const pairs: [string, AttributeValue][] = [];
  for (const [key, value] of Object.entries(record.attributes)) {
    if (Array.isArray(value)) for (const item of value as readonly AttributeValue[]) pairs.push([key, item]);
    else pairs.push([key, value as AttributeValue]);
  }
  return pairs;
}

function sortAttributes(kind: ProvRecordKind, attributes: readonly [string, AttributeValue][]): [string, AttributeValue][] {
  const leading = [...FORMAL_ARGUMENTS[kind].map((argument) => argument.key), ...LEADING_ATTRIBUTES];
  const rank = (key: string): number => {
    const index = leading.indexOf(key);
    return index < 0 ? leading.length : index;
  };
  return [...attributes].sort(([keyA, valueA], [keyB, valueB]) =>
    rank(keyA) - rank(keyB) || compare(keyA, keyB) || compare(valueText(valueA), valueText(valueB)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameValue(a: AttributeValue, b: AttributeValue): boolean {
  if (a instanceof Literal && b instanceof Literal) return a.value === b.value && a.datatype === b.datatype && a.lang === b.lang;
  return a === b;
}

function inferredKind(refers: ProvRecordKind): ElementKind {
  return isElementKind(refers) ? refers : 'entity';
}

function valueText(value: AttributeValue): string {
  if (value instanceof Literal) return value.value;
  if (typeof value === 'number') return doubleLexical(value);
  return String(value);
}

/** The first `max` code points of `text` plus "...", when it is longer (never splits a surrogate pair). */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (let points = 0; points < max && end < text.length; points++) end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
  return end >= text.length ? text : `${text.slice(0, end)}...`;
}

/** Characters XML 1.0 forbids (Graphviz's HTML-label parser rejects them) and lone surrogates (not encodable as UTF-8). */
// eslint-disable-next-line no-control-regex
const UNREPRESENTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text for a Graphviz HTML-like label: XML-escaped, newlines as left-aligned line breaks. */
function htmlText(text: string): string {
  return text
    .replace(UNREPRESENTABLE, '\ufffd')
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/\r\n|\r|\n/g, '<BR ALIGN="LEFT"/>');
}

/** A double-quoted DOT string; backslashes doubled so Graphviz's escString reads them literally. */
function dotString(text: string): string {
  const clean = text
    .replace(UNREPRESENTABLE, '\ufffd')
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, '\\n');
  return `"${clean}"`;
}

const DOT_KEYWORDS = new Set(['node', 'edge', 'graph', 'digraph', 'subgraph', 'strict']);
/** Attributes pydot always quoted in the original's files; the rest are quoted only when DOT needs it. */
const ALWAYS_QUOTED = new Set(['label', 'URL']);

function attributeList(attributes: Style): string {
  return Object.entries(attributes)
    .map(([key, value]) => `${key}=${!ALWAYS_QUOTED.has(key) && /^[A-Za-z_][A-Za-z0-9_]*$|^-?\d+(?:\.\d+)?$/.test(value) && !DOT_KEYWORDS.has(value.toLowerCase()) ? value : dotString(value)}`)
    .join(', ');
}
