/** The part of jsonld.js (no types of its own) the crate test uses. */
declare module 'jsonld' {
  interface RemoteDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
  }
  interface Options {
    base?: string;
    documentLoader?: (url: string) => Promise<RemoteDocument>;
    format?: 'application/n-quads';
  }
  const jsonld: {
    expand(input: unknown, options?: Options): Promise<Record<string, unknown>[]>;
    toRDF(input: unknown, options: Options & { format: 'application/n-quads' }): Promise<string>;
  };
  export default jsonld;
}
