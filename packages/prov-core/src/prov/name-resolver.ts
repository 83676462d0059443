/**
 * Qualified-name resolution: which names a bundle (and the document around it) can expand to an IRI.
 * python `prov` refuses a document with a name it cannot resolve, so the writer and the reader both ask here.
 */
import type { ProvBundle } from './model.js';

/** Blank-node ids ("_:id1") name anonymous records; they need no namespace. */
export const BLANK_PREFIX = '_';

/** Resolves names against a chain of scopes: the bundle first, then its document. */
export class NameResolver {
  readonly #scopes: readonly ProvBundle[];
  /** Prefixes already found declared; the writer asks once per name, so this must be cheap. */
  readonly #knownPrefixes = new Set<string>([BLANK_PREFIX]);
  readonly #hasDefault: boolean;

  constructor(scopes: readonly ProvBundle[]) {
    this.#scopes = scopes;
    this.#hasDefault = scopes.some((scope) => scope.defaultNamespace() !== undefined);
  }

  /** Why `name` cannot be resolved, or null when it can. */
  problem(name: string): string | null {
    const colon = name.indexOf(':');
    if (colon < 0) return this.#hasDefault ? null : `${name} has no prefix and no default namespace is declared`;
    const prefix = name.slice(0, colon);
    if (this.#knownPrefixes.has(prefix)) return null;
    if (!this.#scopes.some((scope) => scope.namespaceUri(prefix) !== undefined)) return `undeclared prefix ${prefix} in ${name}`;
    this.#knownPrefixes.add(prefix);
    return null;
  }

  /** The full IRI of a resolvable name (for DOT URLs); undefined for blank or unresolvable names. */
  iri(name: string): string | undefined {
    const colon = name.indexOf(':');
    if (colon < 0) {
      for (const scope of this.#scopes) {
        const uri = scope.defaultNamespace();
        if (uri !== undefined) return uri + name;
      }
      return undefined;
    }
    const prefix = name.slice(0, colon);
    for (const scope of this.#scopes) {
      const uri = scope.namespaceUri(prefix);
      if (uri !== undefined) return uri + name.slice(colon + 1);
    }
    return undefined;
  }
}
