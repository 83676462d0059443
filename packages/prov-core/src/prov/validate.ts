/**
 * PROV-JSON validation: the reader's own checks, collected instead of thrown, plus references
 * that name no record (warnings: PROV allows them, but they are usually a mistake).
 */
import { FORMAL_ARGUMENTS, isElementKind } from './model.js';
import type { ProvBundle, ProvDocument, ProvRecordKind } from './model.js';
import { parseJsonText } from './json-text.js';
import { decodeProvJson } from './provjson-read.js';
import type { IssueSink } from './provjson-read.js';
import { oneLine } from '../text.js';

export interface ValidationIssue {
  /** The file or other origin given to {@link validateProvJson}. */
  readonly source: string;
  /** The id of the record at fault ('prefix' for the prefix block), or null for the file as a whole. */
  readonly recordId: string | null;
  readonly message: string;
}

export interface ValidationReport {
  readonly errors: ValidationIssue[];
  readonly warnings: ValidationIssue[];
}

/** Checks a PROV-JSON text; never throws for bad input. */
export function validateProvJson(text: string, source = 'PROV-JSON'): ValidationReport {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const sink: IssueSink = {
    get errorCount() {
      return errors.length;
    },
    error: (recordId, message) => void errors.push({ source, recordId, message }),
    warning: (recordId, message) => void warnings.push({ source, recordId, message }),
  };
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    sink.error(null, `not valid JSON: ${oneLine((error as Error).message)}`);
    return { errors, warnings };
  }
  const doc = decodeProvJson(json, sink);
  reportDanglingReferences(doc, sink);
  return { errors, warnings };
}

/** One line per issue: `FILE: error: <record id>: <what>`. */
export function formatValidationIssue(issue: ValidationIssue, severity: 'error' | 'warning'): string {
  const location = issue.recordId === null ? '' : `${oneLine(issue.recordId)}: `;
  return `${oneLine(issue.source)}: ${severity}: ${location}${oneLine(issue.message, 1000)}`;
}

function reportDanglingReferences(doc: ProvDocument, sink: IssueSink): void {
  const containers: ProvBundle[] = [doc, ...doc.bundles().values()];
  // A bundle is an entity (PROV-DM 5.4.1), so mentionOf may name one.
  const kindsById = new Map<string, Set<ProvRecordKind>>([...doc.bundles().keys()].map((id) => [id, new Set(['entity'])]));
  for (const container of containers) {
    for (const record of container.records()) {
      if (record.id === null) continue;
      let kinds = kindsById.get(record.id);
      if (kinds === undefined) kindsById.set(record.id, (kinds = new Set()));
      kinds.add(record.kind);
    }
  }
  for (const container of containers) {
    for (const record of container.records()) {
      if (isElementKind(record.kind)) continue;
      for (const argument of FORMAL_ARGUMENTS[record.kind]) {
        const target = record.attributes[argument.key];
        if (argument.refers === 'time' || typeof target !== 'string') continue;
        const kinds = kindsById.get(target);
        const recordId = record.id === null ? null : oneLine(record.id);
        if (kinds === undefined) {
          sink.warning(recordId, `${argument.key} refers to ${oneLine(target)}, which no record in this document declares`);
        } else if (!kinds.has(argument.refers)) {
          sink.warning(recordId, `${argument.key} refers to ${oneLine(target)}, which is declared as ${[...kinds].join(', ')}, not as ${argument.refers}`);
        }
      }
    }
  }
}
