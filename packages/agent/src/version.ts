import { readFileSync } from 'node:fs';

/** This package's version, as recorded in provenance and said by the channel client. */
export const PROV4ML_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
