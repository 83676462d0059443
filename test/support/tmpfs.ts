/** A real small file system for disk-full tests: a tmpfs of a given size (needs root, as CI has). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `mount ARGS…`; throws with mount's stderr. */
export function mount(args: string[]): void {
  const result = spawnSync('mount', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mount ${args.join(' ')}: ${result.stderr}`);
}

/** A fresh tmpfs mounted with `options`; unmounted by the returned function. */
export function tmpfs(options: string): { dir: string; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'prov4ml-tmpfs-'));
  mount(['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  return { dir, unmount: () => void spawnSync('umount', [dir]) };
}

export function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    tmpfs('size=64k').unmount();
    return true;
  } catch {
    return false;
  }
}
