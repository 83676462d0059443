import { spawnSync } from 'node:child_process';

/**
 * Test options for a test that needs a real component (python prov, Graphviz, Slurm, MPI, Chromium…).
 * On a developer machine a missing component skips the test with a reason; in CI (`CI=true`) the
 * test runs anyway and fails, because CI must have installed everything.
 */
export function needs(component: string, available: boolean): { skip?: string } {
  if (available || process.env.CI === 'true') return {};
  return { skip: `${component} is not installed` };
}

/** True when `command args…` runs and exits 0. */
export function commandWorks(command: string, args: string[] = ['--version']): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return result.status === 0;
}

/** Debian's python3 (python3-prov, python3-torch are importable only there). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export function pythonModuleAvailable(module: string): boolean {
  return commandWorks(DEBIAN_PYTHON, ['-c', `import ${module}`]);
}
