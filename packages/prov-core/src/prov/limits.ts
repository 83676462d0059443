/** Bounds on what prov-core accepts; each one exists so hostile or broken input fails with a clear error. */

/**
 * Longest attribute value (in UTF-16 code units) the model, the reader and the validator accept.
 * The original inlined whole metric series as one string, which reaches tens of MB for a million
 * steps; anything longer is not provenance but a data dump, and would make every reader slow.
 */
export const MAX_ATTRIBUTE_VALUE_CHARS = 32 * 1024 * 1024;

/**
 * Largest PROV-JSON or DOT file the command line reads. V8 cannot hold a string much over 512 MiB,
 * so a larger file could never be parsed anyway; this limit turns that into a clear error.
 */
export const MAX_INPUT_TEXT_BYTES = 512 * 1024 * 1024;
