/** Reading and writing the files the graph and validation commands take, with one-line errors. */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { MAX_INPUT_TEXT_BYTES, UserError, tryDecodeUtf8 } from '@prov4ml/prov-core';

export type InputText = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/** Reads a UTF-8 text file, or says in a few words why it cannot (missing, a directory, too big, not UTF-8). */
export async function loadInputText(path: string): Promise<InputText> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return { ok: false, reason: 'not a regular file' };
    if (info.size > MAX_INPUT_TEXT_BYTES) return { ok: false, reason: `${info.size} bytes, over the limit of ${MAX_INPUT_TEXT_BYTES} bytes` };
    const decoded = tryDecodeUtf8(await readFile(path));
    return typeof decoded === 'string' ? { ok: true, text: decoded } : { ok: false, reason: decoded.problem };
  } catch (error) {
    return { ok: false, reason: fileErrorReason(error) };
  }
}

/** Like {@link loadInputText}, but throws a UserError naming the flag and the path. */
export async function readInputText(path: string, flag: string): Promise<string> {
  const input = await loadInputText(path);
  if (!input.ok) throw new UserError(`${flag} ${path}: ${input.reason}`);
  return input.text;
}

export async function writeOutputText(path: string, text: string, flag: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new UserError(`${flag} ${path}: cannot write: ${fileErrorReason(error)}`);
  }
}

/**
 * The original's path rule: a name without the extension gets it appended. For an input that
 * exists as given we take it as given, so `prov2dot --prov_json run.JSON` is not turned into a missing file.
 */
export function withExtension(path: string, extension: string, options: { existingAsIs: boolean }): string {
  if (path.endsWith(extension)) return path;
  if (options.existingAsIs && existsSync(path)) return path;
  return path + extension;
}

/** The original's default output: the input's name with its extension replaced. */
export function replaceExtension(path: string, from: string, to: string): string {
  return (path.endsWith(from) ? path.slice(0, -from.length) : path) + to;
}

function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}
