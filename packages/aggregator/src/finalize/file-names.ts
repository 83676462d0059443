/**
 * Hands out file names that are unique within one directory: a second series whose name and context
 * encode to the same file (`a` in `B_C` and `a_B` in `C`) gets `~2` before the extension.
 */
export class FileNameRegistry {
  readonly #taken = new Set<string>();

  claim(stem: string, extension: string): string {
    let candidate = `${stem}${extension}`;
    for (let n = 2; this.#taken.has(candidate); n++) candidate = `${stem}~${n}${extension}`;
    this.#taken.add(candidate);
    return candidate;
  }
}
