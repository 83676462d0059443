/** Worker thread of {@link CsvFormatPool}: formats CSV rows so that finalisation uses every core. */
import { parentPort } from 'node:worker_threads';
import { formatCsvRows } from './csv-format.js';
import { formatTextRows } from './text-format.js';
import type { FormatRequest, FormatResponse } from './format-pool.js';

const port = parentPort;
if (port === null) throw new Error('format-worker.js must run as a worker thread');
port.on('message', (request: FormatRequest) => {
  const { steps, values, timestamps } = request;
  const bytes = request.layout === 'txt' ? formatTextRows(steps, values, timestamps) : formatCsvRows(steps, values, timestamps, request.separator);
  const response: FormatResponse = { id: request.id, bytes };
  port.postMessage(response, [bytes.buffer as ArrayBuffer]);
});
