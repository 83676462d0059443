import { Context, CONTEXT_NAME_PATTERN, type ContextName } from '@prov4ml/prov-core';

const known = new Set<string>(Object.values(Context));

/**
 * Declares a user-defined context (the original's `create_context`), so that logging to it is not
 * mistaken for a typo. Returns the name to pass to logMetric.
 */
export function createContext(name: string): ContextName {
  if (typeof name !== 'string' || !CONTEXT_NAME_PATTERN.test(name)) {
    throw new TypeError(`createContext: name must match ${CONTEXT_NAME_PATTERN}, got ${JSON.stringify(name)}`);
  }
  known.add(name);
  return name;
}

/**
 * The canonical name of a context argument. Accepts our names (`'TRAINING'`), the original's enum
 * strings (`'training'`, `'Context.TRAINING'`) and contexts declared with {@link createContext}; anything
 * else is a programming error, reported at the call.
 */
export function normalizeContext(context: unknown, argument = 'context'): ContextName {
  if (typeof context === 'string') {
    const bare = context.startsWith('Context.') ? context.slice('Context.'.length) : context;
    if (known.has(bare)) return bare;
    const upper = bare.toUpperCase();
    if (upper in Context) return upper;
  }
  throw new TypeError(
    `${argument} must be one of ${[...known].join(', ')} (or a context declared with createContext), got ${JSON.stringify(context)}`,
  );
}
