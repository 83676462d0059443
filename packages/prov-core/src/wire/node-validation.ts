/** Shape validation of a node record (see envelope-validation.ts for the rules every check follows). */
import type { NodeGpu, NodeInterface, NodeRecord } from './node-record.js';
import { MAX_NODE_ADDRESSES, MAX_NODE_GPUS, MAX_NODE_INTERFACES } from './limits.js';
import { finite, integer, list, nullable, plainObject, text, textValue, integerValue } from './field-checks.js';

/** Longest free text of a node fact (a CPU model, an OS name, a driver version). */
const MAX_FACT_LENGTH = 256;

export function nodeRecord(o: Record<string, unknown>, at: string): NodeRecord {
  return {
    kind: 'node',
    time: finite(o, 'time', at),
    nodeName: text(o, 'nodeName', at, 255, 1),
    hostname: text(o, 'hostname', at, 255),
    cpuModel: text(o, 'cpuModel', at, MAX_FACT_LENGTH),
    cpuSockets: integer(o, 'cpuSockets', at, 0, 1 << 16),
    cpuCores: integer(o, 'cpuCores', at, 0, 1 << 24),
    cpuThreads: integer(o, 'cpuThreads', at, 0, 1 << 24),
    memoryBytes: integer(o, 'memoryBytes', at, 0, Number.MAX_SAFE_INTEGER),
    gpus: list(o, 'gpus', at, MAX_NODE_GPUS).map((g, i) => gpu(plainObject(g, `${at}.gpus[${i}]`), `${at}.gpus[${i}]`)),
    os: text(o, 'os', at, MAX_FACT_LENGTH),
    kernel: text(o, 'kernel', at, MAX_FACT_LENGTH),
    arch: text(o, 'arch', at, 64),
    interfaces: list(o, 'interfaces', at, MAX_NODE_INTERFACES).map((n, i) => networkInterface(plainObject(n, `${at}.interfaces[${i}]`), `${at}.interfaces[${i}]`)),
  };
}

function gpu(o: Record<string, unknown>, at: string): NodeGpu {
  return {
    index: integer(o, 'index', at, 0, 1 << 16),
    model: text(o, 'model', at, MAX_FACT_LENGTH),
    uuid: nullable(o, 'uuid', at, (v, where) => textValue(v, where, 128)),
    memoryMiB: nullable(o, 'memoryMiB', at, (v, where) => integerValue(v, where, 0, Number.MAX_SAFE_INTEGER)),
    driver: nullable(o, 'driver', at, (v, where) => textValue(v, where, 64)),
  };
}

function networkInterface(o: Record<string, unknown>, at: string): NodeInterface {
  return {
    name: text(o, 'name', at, 64, 1),
    addresses: list(o, 'addresses', at, MAX_NODE_ADDRESSES).map((v, i) => textValue(v, `${at}.addresses[${i}]`, 64)),
    mac: nullable(o, 'mac', at, (v, where) => textValue(v, where, 64)),
    speedMbps: nullable(o, 'speedMbps', at, (v, where) => integerValue(v, where, 0, Number.MAX_SAFE_INTEGER)),
  };
}
