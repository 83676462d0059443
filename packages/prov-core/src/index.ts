export * from './errors.js';
export * from './records.js';
