export * from './errors.js';
export * from './records.js';
export * from './wire.js';
export * from './wire-limits.js';
export * from './model.js';
export * from './provjson.js';
export * from './limits.js';
export { decodeUtf8, oneLine } from './text.js';
