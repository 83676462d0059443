/**
 * Seeded random PROV documents for property-style tests: random ids (unicode, quotes, slashes),
 * every literal type, every relation with random optional arguments, repeated ids, bundles.
 */
import { Literal, ProvBundle, ProvDocument, dateTime, double, int, long, qname } from '@prov4ml/prov-core';
import type { AttributeValue, Attributes } from '@prov4ml/prov-core';

/** mulberry32: small, fast and good enough to make test inputs reproducible from a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAME_CHARACTERS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./éß中文Ωж🙂'];
const VALUE_PIECES = ['plain', ' ', '"quoted"', "it's", '<b>&amp;</b>', 'back\\slash', 'line\nbreak', 'tab\there', '\u0001ctl', 'ünïcödé', '日本語', '🙂👍', '{"$":"not a literal"}', '[0, 1]', 'np.float64(1.5)', ''];
const PREFIXES = ['', 'ex:', 'prov-ml:'];

export class DocumentGenerator {
  readonly #random: () => number;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  document(): ProvDocument {
    const doc = new ProvDocument()
      .setDefaultNamespace('http://example.org/default#')
      .addNamespace('ex', 'http://example.org/ns/')
      .addNamespace('prov-ml', 'https://prov4ml.example/ns#');
    this.#fill(doc);
    const bundles = this.#integer(0, 2);
    for (let index = 0; index < bundles; index++) {
      const bundle = doc.bundle(`ex:bundle${index}_${this.#name()}`);
      if (this.#chance(0.5)) bundle.addNamespace('b', `http://example.org/bundle${index}/`);
      this.#fill(bundle);
    }
    return doc;
  }

  #fill(bundle: ProvBundle): void {
    const entities = this.#ids(this.#integer(1, 6));
    const activities = this.#ids(this.#integer(1, 4));
    const agents = this.#ids(this.#integer(1, 3));
    for (const id of entities) bundle.entity(id, this.#attributes());
    // several records under one id
    if (this.#chance(0.5)) bundle.entity(this.#pick(entities), this.#attributes());
    for (const id of activities) bundle.activity(id, this.#maybeTime(), this.#maybeTime(), this.#attributes());
    for (const id of agents) bundle.agent(id, this.#attributes());
    const entity = (): string => this.#pick(entities);
    const activity = (): string => this.#pick(activities);
    const agent = (): string => this.#pick(agents);
    const optional = (make: () => string): string | null => (this.#chance(0.6) ? make() : null);
    const relations = this.#integer(3, 20);
    for (let index = 0; index < relations; index++) {
      const attributes = this.#chance(0.5) ? this.#attributes() : undefined;
      const id = this.#relationId();
      switch (this.#integer(0, 14)) {
        case 0: bundle.wasGeneratedBy(entity(), optional(activity), this.#maybeTime(), attributes, id); break;
        case 1: bundle.used(activity(), optional(entity), this.#maybeTime(), attributes, id); break;
        case 2: bundle.wasAssociatedWith(activity(), optional(agent), optional(entity), attributes, id); break;
        case 3: bundle.wasAttributedTo(entity(), agent(), attributes, id); break;
        case 4: bundle.wasInformedBy(activity(), activity(), attributes, id); break;
        case 5: bundle.wasStartedBy(activity(), optional(entity), optional(activity), this.#maybeTime(), attributes, id); break;
        case 6: bundle.wasEndedBy(activity(), optional(entity), optional(activity), this.#maybeTime(), attributes, id); break;
        case 7: bundle.wasInvalidatedBy(entity(), optional(activity), this.#maybeTime(), attributes, id); break;
        case 8: bundle.wasDerivedFrom(entity(), entity(), optional(activity), null, null, attributes, id); break;
        case 9: bundle.wasInfluencedBy(entity(), entity(), attributes, id); break;
        case 10: bundle.actedOnBehalfOf(agent(), agent(), optional(activity), attributes, id); break;
        case 11: bundle.specializationOf(entity(), entity()); break;
        case 12: bundle.alternateOf(entity(), entity()); break;
        case 13: bundle.hadMember(entity(), entity()); break;
        default: bundle.mentionOf(entity(), entity(), entity()); break;
      }
    }
  }

  #attributes(): Attributes {
    const attributes: Attributes = {};
    const count = this.#integer(0, 5);
    for (let index = 0; index < count; index++) {
      const key = `${this.#pick(['ex:', 'prov-ml:', ''])}${this.#pick(['value', 'n', 'label', 'note', 'when', 'kind'])}${index}`;
      attributes[key] = this.#chance(0.15) ? [this.#value(), this.#value()] : this.#value();
    }
    if (this.#chance(0.3)) attributes['prov:label'] = this.#text();
    if (this.#chance(0.2)) attributes['prov:type'] = qname(this.#pick(['prov:Collection', 'ex:Thing', 'prov-ml:Metric']));
    return attributes;
  }

  #value(): AttributeValue {
    switch (this.#integer(0, 10)) {
      case 0: return this.#text();
      case 1: return this.#chance(0.5);
      case 2: return this.#pick([0, -1.5, 1e21, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 3]);
      case 3: return int(this.#integer(-(2 ** 31), 2 ** 31 - 1));
      case 4: return long(this.#integer(-(2 ** 52), 2 ** 52));
      case 5: return double(this.#pick([0.1, -0, NaN, -Infinity, 123456.789]));
      case 6: return dateTime(this.#integer(0, 4102444800000));
      case 7: return qname(`ex:${this.#name()}`);
      case 8: return new Literal(this.#text(), 'prov:InternationalizedString', this.#pick(['en', 'fr', 'de-CH']));
      case 9: return new Literal(this.#text(), 'xsd:string');
      default: return new Literal(this.#pick(['true', 'false', '1']), 'xsd:boolean');
    }
  }

  #text(): string {
    const pieces = this.#integer(1, 4);
    let text = '';
    for (let index = 0; index < pieces; index++) text += this.#pick(VALUE_PIECES);
    return text;
  }

  #ids(count: number): string[] {
    return Array.from({ length: count }, () => `${this.#pick(PREFIXES)}${this.#name()}`);
  }

  #name(): string {
    const length = this.#integer(1, 12);
    let name = this.#pick([...'abcdefghijklmnopqrstuvwxyz']);
    for (let index = 1; index < length; index++) name += this.#pick(NAME_CHARACTERS);
    return name;
  }

  #relationId(): string | undefined {
    if (this.#chance(0.6)) return undefined;
    // explicit blank ids and repeated ids exercise the writer's numbering and arrays
    return this.#pick([`ex:r${this.#integer(0, 5)}`, `_:id${this.#integer(1, 5)}`, `rel_${this.#name()}`]);
  }

  #maybeTime(): number | null {
    return this.#chance(0.5) ? this.#integer(0, 4102444800000) : null;
  }

  #integer(min: number, max: number): number {
    return min + Math.floor(this.#random() * (max - min + 1));
  }

  #chance(probability: number): boolean {
    return this.#random() < probability;
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)] as T;
  }
}
