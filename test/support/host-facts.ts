// What the kernel says about this host, for tests that check recorded node facts against it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface HostFacts {
  /** /proc/cpuinfo: the first `model name`, logical CPUs, sockets (physical ids), cores (physical id, core id pairs). */
  cpuModel: string;
  cpuThreads: number;
  cpuSockets: number;
  cpuCores: number;
  /** /proc/meminfo MemTotal in bytes. */
  memoryBytes: number;
  /** `uname -r` and `uname -m`. */
  kernel: string;
  arch: string;
}

export function hostFacts(): HostFacts {
  const blocks = readFileSync('/proc/cpuinfo', 'utf8').split('\n\n').filter((block) => /^processor\s*:/m.test(block));
  const field = (block: string, name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim();
  const memTotalKb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
  return {
    cpuModel: field(blocks[0] ?? '', 'model name') ?? '',
    cpuThreads: blocks.length,
    cpuSockets: new Set(blocks.map((block) => field(block, 'physical id'))).size,
    cpuCores: new Set(blocks.map((block) => `${field(block, 'physical id')}/${field(block, 'core id')}`)).size,
    memoryBytes: memTotalKb * 1024,
    kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
    arch: execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim(),
  };
}
