/**
 * Over 300 lines: ProvBundle has one builder method per PROV record kind, all checked by the same rules below them; split, the rules would be far from the methods.
 *
 * The W3C PROV data model as prov4ml uses it: elements and relations held as records whose
 * attributes are already in PROV-JSON shape (formal arguments under their `prov:` keys), so the
 * writer is a straight walk and the reader needs no second representation.
 */
import { MAX_ATTRIBUTE_VALUE_CHARS } from './limits.js';
import { isoDateTime, Literal } from './literal.js';

export const PROV_NS = 'http://www.w3.org/ns/prov#';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema#';

/** Prefixes every PROV document knows without declaring them. */
export const PREDECLARED_NAMESPACES: ReadonlyMap<string, string> = new Map([
  ['prov', PROV_NS],
  ['xsd', XSD_NS],
]);

/** Attribute values: a plain string stays a JSON string, a boolean a JSON boolean; a plain JS number is
 *  written as xsd:double (never guessed to be int) — use int()/long() for integers. */
export type AttributeValue = string | boolean | number | Literal;
/** Keys are qualified names like 'prov-ml:type', 'prov:label'; an array value is several values of one attribute. */
export type Attributes = Record<string, AttributeValue | readonly AttributeValue[]>;
export type ElementKind = 'entity' | 'activity' | 'agent';
export type RelationKind = 'wasGeneratedBy' | 'used' | 'wasAssociatedWith' | 'wasAttributedTo' | 'wasInformedBy'
  | 'wasStartedBy' | 'wasEndedBy' | 'wasInvalidatedBy' | 'wasDerivedFrom' | 'wasInfluencedBy' | 'actedOnBehalfOf'
  | 'specializationOf' | 'alternateOf' | 'hadMember' | 'mentionOf';
export type ProvRecordKind = ElementKind | RelationKind;

/** One record. `attributes` holds the formal arguments too (e.g. 'prov:entity', 'prov:time'), in PROV-JSON form. */
export interface ProvRecord {
  readonly kind: ProvRecordKind;
  /** null: an anonymous relation, written as "_:idN". */
  readonly id: string | null;
  readonly attributes: Attributes;
}

/** A formal argument of a record: its PROV-JSON key, what it refers to, and whether PROV-DM requires it. */
export interface FormalArgument {
  readonly key: string;
  /** 'time' for an xsd:dateTime; otherwise the kind of record the qualified name must name. */
  readonly refers: ProvRecordKind | 'time';
  readonly required: boolean;
}

function argument(key: string, refers: ProvRecordKind | 'time', required = false): FormalArgument {
  return { key, refers, required };
}

/** Formal arguments of every record kind, in PROV-DM order. */
export const FORMAL_ARGUMENTS: Readonly<Record<ProvRecordKind, readonly FormalArgument[]>> = {
  entity: [],
  agent: [],
  activity: [argument('prov:startTime', 'time'), argument('prov:endTime', 'time')],
  wasGeneratedBy: [argument('prov:entity', 'entity', true), argument('prov:activity', 'activity'), argument('prov:time', 'time')],
  used: [argument('prov:activity', 'activity', true), argument('prov:entity', 'entity'), argument('prov:time', 'time')],
  wasInformedBy: [argument('prov:informed', 'activity', true), argument('prov:informant', 'activity', true)],
  wasStartedBy: [argument('prov:activity', 'activity', true), argument('prov:trigger', 'entity'), argument('prov:starter', 'activity'), argument('prov:time', 'time')],
  wasEndedBy: [argument('prov:activity', 'activity', true), argument('prov:trigger', 'entity'), argument('prov:ender', 'activity'), argument('prov:time', 'time')],
  wasInvalidatedBy: [argument('prov:entity', 'entity', true), argument('prov:activity', 'activity'), argument('prov:time', 'time')],
  wasDerivedFrom: [
    argument('prov:generatedEntity', 'entity', true), argument('prov:usedEntity', 'entity', true),
    argument('prov:activity', 'activity'), argument('prov:generation', 'wasGeneratedBy'), argument('prov:usage', 'used'),
  ],
  wasAttributedTo: [argument('prov:entity', 'entity', true), argument('prov:agent', 'agent', true)],
  wasAssociatedWith: [argument('prov:activity', 'activity', true), argument('prov:agent', 'agent'), argument('prov:plan', 'entity')],
  actedOnBehalfOf: [argument('prov:delegate', 'agent', true), argument('prov:responsible', 'agent', true), argument('prov:activity', 'activity')],
  wasInfluencedBy: [argument('prov:influencee', 'entity', true), argument('prov:influencer', 'entity', true)],
  specializationOf: [argument('prov:specificEntity', 'entity', true), argument('prov:generalEntity', 'entity', true)],
  alternateOf: [argument('prov:alternate1', 'entity', true), argument('prov:alternate2', 'entity', true)],
  hadMember: [argument('prov:collection', 'entity', true), argument('prov:entity', 'entity', true)],
  mentionOf: [argument('prov:specificEntity', 'entity', true), argument('prov:generalEntity', 'entity', true), argument('prov:bundle', 'entity', true)],
};

export function isProvRecordKind(name: string): name is ProvRecordKind {
  return Object.hasOwn(FORMAL_ARGUMENTS, name);
}

export function isElementKind(kind: ProvRecordKind): kind is ElementKind {
  return kind === 'entity' || kind === 'activity' || kind === 'agent';
}

type Time = number | Date | null | undefined;
type Reference = string | null | undefined;

/** A set of PROV records with its own namespace declarations. */
export class ProvBundle {
  readonly #records: ProvRecord[] = [];
  readonly #namespaces = new Map<string, string>();
  #defaultNamespace: string | undefined;

  addNamespace(prefix: string, uri: string): this {
    if (typeof prefix !== 'string' || !/^[A-Za-z_][\w.-]*$/.test(prefix) || prefix === 'default') {
      throw new TypeError(`addNamespace(prefix): not a valid prefix: ${JSON.stringify(prefix)}`);
    }
    if (typeof uri !== 'string' || uri.length === 0) throw new TypeError(`addNamespace(uri): uri must be a non-empty string`);
    const known = this.#namespaces.get(prefix) ?? PREDECLARED_NAMESPACES.get(prefix);
    if (known !== undefined && known !== uri) {
      throw new TypeError(`addNamespace(prefix): ${prefix} is already bound to ${known}`);
    }
    this.#namespaces.set(prefix, uri);
    return this;
  }

  setDefaultNamespace(uri: string): this {
    if (typeof uri !== 'string' || uri.length === 0) throw new TypeError('setDefaultNamespace(uri): uri must be a non-empty string');
    this.#defaultNamespace = uri;
    return this;
  }

  /** Declared prefixes in declaration order (without the predeclared prov and xsd unless declared). */
  namespaces(): ReadonlyMap<string, string> {
    return this.#namespaces;
  }

  defaultNamespace(): string | undefined {
    return this.#defaultNamespace;
  }

  /** The namespace URI of a prefix declared here or predeclared; undefined if unknown. */
  namespaceUri(prefix: string): string | undefined {
    return this.#namespaces.get(prefix) ?? PREDECLARED_NAMESPACES.get(prefix);
  }

  entity(id: string, attributes?: Attributes): this {
    return this.#add('entity', requireElementId(id), {}, attributes);
  }

  activity(id: string, startTime?: Time, endTime?: Time, attributes?: Attributes): this {
    return this.#add('activity', requireElementId(id), times({ 'prov:startTime': startTime, 'prov:endTime': endTime }), attributes);
  }

  agent(id: string, attributes?: Attributes): this {
    return this.#add('agent', requireElementId(id), {}, attributes);
  }

  wasGeneratedBy(entity: string, activity?: Reference, time?: Time, attributes?: Attributes, id?: string): this {
    return this.#relation('wasGeneratedBy', [entity, activity, time], attributes, id);
  }

  used(activity: string, entity?: Reference, time?: Time, attributes?: Attributes, id?: string): this {
    return this.#relation('used', [activity, entity, time], attributes, id);
  }

  wasAssociatedWith(activity: string, agent?: Reference, plan?: Reference, attributes?: Attributes, id?: string): this {
    return this.#relation('wasAssociatedWith', [activity, agent, plan], attributes, id);
  }

  wasAttributedTo(entity: string, agent: string, attributes?: Attributes, id?: string): this {
    return this.#relation('wasAttributedTo', [entity, agent], attributes, id);
  }

  wasInformedBy(informed: string, informant: string, attributes?: Attributes, id?: string): this {
    return this.#relation('wasInformedBy', [informed, informant], attributes, id);
  }

  wasStartedBy(activity: string, trigger?: Reference, starter?: Reference, time?: Time, attributes?: Attributes, id?: string): this {
    return this.#relation('wasStartedBy', [activity, trigger, starter, time], attributes, id);
  }

  wasEndedBy(activity: string, trigger?: Reference, ender?: Reference, time?: Time, attributes?: Attributes, id?: string): this {
    return this.#relation('wasEndedBy', [activity, trigger, ender, time], attributes, id);
  }

  wasInvalidatedBy(entity: string, activity?: Reference, time?: Time, attributes?: Attributes, id?: string): this {
    return this.#relation('wasInvalidatedBy', [entity, activity, time], attributes, id);
  }

  wasDerivedFrom(generatedEntity: string, usedEntity: string, activity?: Reference, generation?: Reference, usage?: Reference, attributes?: Attributes, id?: string): this {
    return this.#relation('wasDerivedFrom', [generatedEntity, usedEntity, activity, generation, usage], attributes, id);
  }

  wasInfluencedBy(influencee: string, influencer: string, attributes?: Attributes, id?: string): this {
    return this.#relation('wasInfluencedBy', [influencee, influencer], attributes, id);
  }

  actedOnBehalfOf(delegate: string, responsible: string, activity?: Reference, attributes?: Attributes, id?: string): this {
    return this.#relation('actedOnBehalfOf', [delegate, responsible, activity], attributes, id);
  }

  specializationOf(specificEntity: string, generalEntity: string): this {
    return this.#relation('specializationOf', [specificEntity, generalEntity], undefined, undefined);
  }

  alternateOf(alternate1: string, alternate2: string): this {
    return this.#relation('alternateOf', [alternate1, alternate2], undefined, undefined);
  }

  hadMember(collection: string, entity: string): this {
    return this.#relation('hadMember', [collection, entity], undefined, undefined);
  }

  mentionOf(specificEntity: string, generalEntity: string, bundle: string): this {
    return this.#relation('mentionOf', [specificEntity, generalEntity, bundle], undefined, undefined);
  }

  /**
   * Adds a record whose attributes are already in PROV-JSON form (the reader's way in): formal
   * arguments under their `prov:` keys, in any order. Checks value types and sizes like the other methods.
   */
  addRecord(record: ProvRecord): this {
    if (!isProvRecordKind(record.kind)) throw new TypeError(`addRecord(record): unknown kind ${String(record.kind)}`);
    if (isElementKind(record.kind)) requireElementId(record.id as string);
    else if (record.id !== null) requireId(record.id, 'record.id');
    for (const argument of FORMAL_ARGUMENTS[record.kind]) {
      const value = record.attributes[argument.key];
      if (value === undefined) {
        if (argument.required) throw new TypeError(`addRecord(record): a ${record.kind} needs ${argument.key}`);
      } else if (argument.refers === 'time' ? !(value instanceof Literal && value.datatype === 'xsd:dateTime') : typeof value !== 'string' || value.length === 0) {
        throw new TypeError(`addRecord(record): ${argument.key} must be ${argument.refers === 'time' ? 'an xsd:dateTime Literal' : 'a qualified name string'}`);
      }
    }
    return this.#add(record.kind, record.id, {}, record.attributes);
  }

  records(): readonly ProvRecord[] {
    return this.#records;
  }

  #relation(kind: RelationKind, args: readonly (string | Time)[], attributes: Attributes | undefined, id: string | undefined): this {
    const formal: Attributes = {};
    FORMAL_ARGUMENTS[kind].forEach((arg, index) => {
      const value = args[index];
      const name = arg.key.slice('prov:'.length);
      if (arg.refers === 'time') {
        if (value !== null && value !== undefined) formal[arg.key] = new Literal(isoDateTime(value as number | Date, name), 'xsd:dateTime');
      } else if (value !== null && value !== undefined) {
        formal[arg.key] = requireId(value as string, name);
      } else if (arg.required) {
        throw new TypeError(`${kind}(${name}): ${name} is required`);
      }
    });
    return this.#add(kind, id === undefined ? null : requireId(id, 'id'), formal, attributes);
  }

  #add(kind: ProvRecordKind, id: string | null, formal: Attributes, attributes: Attributes | undefined): this {
    const merged: Attributes = { ...formal };
    if (attributes !== undefined) {
      if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
        throw new TypeError(`${kind}(attributes): attributes must be an object`);
      }
      for (const key of Object.keys(attributes)) {
        if (Object.hasOwn(formal, key)) throw new TypeError(`${kind}(attributes): ${key} is a formal argument; pass it as one`);
        merged[key] = checkValue(kind, key, attributes[key]);
      }
    }
    this.#records.push({ kind, id, attributes: merged });
    return this;
  }
}

/** A PROV document: a bundle of its own plus named bundles, in insertion order. */
export class ProvDocument extends ProvBundle {
  readonly #bundles = new Map<string, ProvBundle>();

  /** The bundle with this id, created on first use. */
  bundle(id: string): ProvBundle {
    requireId(id, 'id');
    let bundle = this.#bundles.get(id);
    if (bundle === undefined) {
      bundle = new ProvBundle();
      this.#bundles.set(id, bundle);
    }
    return bundle;
  }

  bundles(): ReadonlyMap<string, ProvBundle> {
    return this.#bundles;
  }
}

function requireId(id: string, argumentName: string): string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`${argumentName} must be a non-empty qualified name string, got ${String(id)}`);
  return id;
}

/** python prov turns a blank-node id into "no id", which an element may not have. */
function requireElementId(id: string): string {
  requireId(id, 'id');
  if (id.startsWith('_:')) throw new TypeError(`id: an element needs a real identifier, not the blank node ${id}`);
  return id;
}

function times(values: Record<string, Time>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== null && value !== undefined) out[key] = new Literal(isoDateTime(value, key.slice('prov:'.length)), 'xsd:dateTime');
  }
  return out;
}

function checkValue(kind: ProvRecordKind, key: string, value: Attributes[string] | undefined): AttributeValue | readonly AttributeValue[] {
  if (Array.isArray(value)) {
    for (const item of value as readonly unknown[]) checkScalar(kind, key, item);
    return value.slice();
  }
  checkScalar(kind, key, value);
  return value as AttributeValue;
}

function checkScalar(kind: ProvRecordKind, key: string, value: unknown): void {
  switch (typeof value) {
    case 'boolean':
    case 'number':
      return;
    case 'string':
      if (value.length > MAX_ATTRIBUTE_VALUE_CHARS) {
        throw new TypeError(`${kind}(attributes): ${key} is ${value.length} characters, over the limit of ${MAX_ATTRIBUTE_VALUE_CHARS}`);
      }
      return;
    default:
      if (value instanceof Literal) {
        if (value.value.length > MAX_ATTRIBUTE_VALUE_CHARS) {
          throw new TypeError(`${kind}(attributes): ${key} is ${value.value.length} characters, over the limit of ${MAX_ATTRIBUTE_VALUE_CHARS}`);
        }
        return;
      }
      throw new TypeError(`${kind}(attributes): ${key} must be a string, boolean, number or Literal, got ${value === null ? 'null' : typeof value}`);
  }
}
