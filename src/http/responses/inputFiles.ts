import type { GatewayConfig } from '../../config/schema.js';
import { openAiException } from '../openai/errors.js';

type FileLimits = GatewayConfig['gateway']['http']['endpoints']['responses']['files'];

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)(?:;[\w=.+-]+)*;base64,(.*)$/s;
const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
};

function invalid(message: string, param: string): never {
  throw openAiException({ kind: 'invalid_request', message, param, code: 'invalid_value' });
}

/**
 * An inline `input_file` part as text for the system prompt, fenced as untrusted content the way
 * OpenClaw fences it, so a file's words are read as data, not as instructions.
 */
export function readInputFile(
  part: Record<string, unknown>,
  param: string,
  limits: FileLimits,
  n: number,
): { name: string; id: string; block: string } {
  const { file_data: data, filename } = part;
  if (typeof data !== 'string') {
    const which = typeof part.file_url === 'string' ? 'file_url' : 'file_id';
    invalid(
      `input_file by ${which} is not supported by this gateway; send the file inline as file_data.`,
      `${param}.${which}`,
    );
  }
  const name = typeof filename === 'string' ? filename : `file-${n}`;
  const dataUrl = DATA_URL.exec(data);
  const mime = (dataUrl?.[1] ?? BY_EXTENSION[name.split('.').pop()?.toLowerCase() ?? ''] ?? '').toLowerCase();
  if (!limits.allowedMimes.includes(mime)) {
    invalid(
      `File type ${mime || 'unknown'} is not accepted here; allowed: ${limits.allowedMimes.join(', ')} (PDF extraction is not supported).`,
      `${param}.file_data`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(dataUrl?.[2] ?? data), (c) => c.charCodeAt(0));
  } catch {
    invalid('Invalid file_data: expected base64 (or a data:<mime>;base64,... URL).', `${param}.file_data`);
  }
  if (bytes.length > limits.maxBytes)
    invalid(`File too large: at most ${limits.maxBytes} bytes.`, `${param}.file_data`);
  const text = new TextDecoder().decode(bytes);
  if (text.length > limits.maxChars)
    invalid(`File too long: at most ${limits.maxChars} characters.`, `${param}.file_data`);
  const id = `file_${n}`;
  const block = `<<<EXTERNAL_UNTRUSTED_CONTENT id="${id}" name=${JSON.stringify(name)}>>>\n${text}\n<<<END_EXTERNAL_UNTRUSTED_CONTENT id="${id}">>>`;
  return { name, id, block };
}
