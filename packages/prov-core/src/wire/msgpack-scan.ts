/**
 * A structural pre-check of msgpack bytes, run before msgpackr decodes anything from the network.
 *
 * msgpackr trusts length headers (`new Array(claimedLength)`), recurses once per nesting level and
 * decodes a dozen extension types (Error, RegExp, Set, structured-clone references). This scanner walks
 * the bytes iteratively without allocating and refuses anything a valid envelope cannot contain, so the
 * decode that follows only ever sees bounded, plain data.
 */

export type ScanCause = 'malformed' | 'bad_length' | 'too_deep' | 'too_many_items' | 'string_too_long' | 'unsupported_type';

export interface ScanLimits {
  maxDepth: number;
  maxItems: number;
  maxStringBytes: number;
}

export interface ScanFailure {
  cause: ScanCause;
  detail: string;
}

/** msgpackr's extension type for typed arrays, and its type code for Float64Array. */
const TYPED_ARRAY_EXTENSION = 0x74;
const FLOAT64_TYPE_CODE = 8;

/** Returns null when `bytes` hold exactly one msgpack value within `limits`, else why not. */
export function scanMsgpack(bytes: Uint8Array, limits: ScanLimits): ScanFailure | null {
  const end = bytes.length;
  // Items still expected in each open container (map entries count twice) and whether it is a map.
  const left = new Float64Array(limits.maxDepth + 1);
  const isMap = new Uint8Array(limits.maxDepth + 1);
  let depth = 0;
  let items = 0;
  let pos = 0;
  const need = (count: number): boolean => pos + count <= end;
  const uint = (size: number): number => {
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + bytes[pos + i]!;
    return value;
  };

  for (;;) {
    if (pos >= end) return { cause: 'malformed', detail: `truncated at byte ${pos}` };
    const expectingKey = depth > 0 && isMap[depth] === 1 && left[depth]! % 2 === 0;
    const type = bytes[pos++]!;
    let containerItems = -1;
    let containerIsMap = false;
    let stringBytes = -1;

    if (type <= 0x7f || type >= 0xe0 || type === 0xc0 || type === 0xc2 || type === 0xc3) {
      // fixint, nil, booleans: no payload
    } else if (type >= 0xa0 && type <= 0xbf) {
      stringBytes = type - 0xa0;
    } else if (type >= 0x80 && type <= 0x8f) {
      containerItems = type - 0x80;
      containerIsMap = true;
    } else if (type >= 0x90 && type <= 0x9f) {
      containerItems = type - 0x90;
    } else {
      const header = HEADERS[type];
      if (header === undefined) return { cause: 'unsupported_type', detail: `msgpack type 0x${type.toString(16)} at byte ${pos - 1}` };
      if (!need(header.size)) return { cause: 'malformed', detail: `truncated header at byte ${pos - 1}` };
      const value = header.size === 0 ? 0 : uint(header.size);
      pos += header.size;
      switch (header.kind) {
        case 'scalar':
          if (!need(header.payload)) return { cause: 'malformed', detail: `truncated number at byte ${pos}` };
          pos += header.payload;
          break;
        case 'string':
          stringBytes = value;
          break;
        case 'array':
          containerItems = value;
          break;
        case 'map':
          containerItems = value;
          containerIsMap = true;
          break;
        case 'extension': {
          const length = header.payload >= 0 ? header.payload : value;
          if (!need(1 + length)) return { cause: 'bad_length', detail: `extension of ${length} bytes at byte ${pos} passes the end` };
          const extensionType = bytes[pos]!;
          const elementType = bytes[pos + 1];
          if (extensionType !== TYPED_ARRAY_EXTENSION || elementType !== FLOAT64_TYPE_CODE || (length - 1) % 8 !== 0) {
            return { cause: 'unsupported_type', detail: `extension 0x${extensionType.toString(16)} at byte ${pos - 1}` };
          }
          pos += 1 + length;
          break;
        }
        case 'binary':
          return { cause: 'unsupported_type', detail: `binary at byte ${pos - 1 - header.size}` };
      }
    }

    if (expectingKey && stringBytes < 0) return { cause: 'unsupported_type', detail: `map key that is not a string at byte ${pos}` };
    if (stringBytes >= 0) {
      if (stringBytes > limits.maxStringBytes) return { cause: 'string_too_long', detail: `string of ${stringBytes} bytes at byte ${pos}` };
      if (!need(stringBytes)) return { cause: 'bad_length', detail: `string of ${stringBytes} bytes at byte ${pos} passes the end` };
      pos += stringBytes;
    }
    if (containerItems > 0) {
      const slots = containerIsMap ? containerItems * 2 : containerItems;
      // Every item takes at least one byte, so a header claiming more items than bytes remain is a lie.
      if (slots > end - pos) return { cause: 'bad_length', detail: `container of ${containerItems} items at byte ${pos} with ${end - pos} bytes left` };
      if (depth === limits.maxDepth) return { cause: 'too_deep', detail: `nesting deeper than ${limits.maxDepth} at byte ${pos}` };
      items += slots;
      if (items > limits.maxItems) return { cause: 'too_many_items', detail: `more than ${limits.maxItems} items` };
      depth++;
      left[depth] = slots;
      isMap[depth] = containerIsMap ? 1 : 0;
      continue;
    }
    // One item completed: close every container it completes.
    while (depth > 0) {
      left[depth]!--;
      if (left[depth]! > 0) break;
      depth--;
    }
    if (depth === 0) {
      return pos === end ? null : { cause: 'malformed', detail: `${end - pos} bytes after the value` };
    }
  }
}

type HeaderKind = 'scalar' | 'string' | 'array' | 'map' | 'extension' | 'binary';
/** size: bytes of the length field; payload: fixed payload bytes (-1 when the length field gives it). */
interface Header {
  kind: HeaderKind;
  size: number;
  payload: number;
}

const HEADERS: Partial<Record<number, Header>> = {
  0xc4: { kind: 'binary', size: 1, payload: -1 },
  0xc5: { kind: 'binary', size: 2, payload: -1 },
  0xc6: { kind: 'binary', size: 4, payload: -1 },
  0xc7: { kind: 'extension', size: 1, payload: -1 },
  0xc8: { kind: 'extension', size: 2, payload: -1 },
  0xc9: { kind: 'extension', size: 4, payload: -1 },
  0xca: { kind: 'scalar', size: 0, payload: 4 },
  0xcb: { kind: 'scalar', size: 0, payload: 8 },
  0xcc: { kind: 'scalar', size: 0, payload: 1 },
  0xcd: { kind: 'scalar', size: 0, payload: 2 },
  0xce: { kind: 'scalar', size: 0, payload: 4 },
  0xcf: { kind: 'scalar', size: 0, payload: 8 },
  0xd0: { kind: 'scalar', size: 0, payload: 1 },
  0xd1: { kind: 'scalar', size: 0, payload: 2 },
  0xd2: { kind: 'scalar', size: 0, payload: 4 },
  0xd3: { kind: 'scalar', size: 0, payload: 8 },
  0xd4: { kind: 'extension', size: 0, payload: 1 },
  0xd5: { kind: 'extension', size: 0, payload: 2 },
  0xd6: { kind: 'extension', size: 0, payload: 4 },
  0xd7: { kind: 'extension', size: 0, payload: 8 },
  0xd8: { kind: 'extension', size: 0, payload: 16 },
  0xd9: { kind: 'string', size: 1, payload: -1 },
  0xda: { kind: 'string', size: 2, payload: -1 },
  0xdb: { kind: 'string', size: 4, payload: -1 },
  0xdc: { kind: 'array', size: 2, payload: -1 },
  0xdd: { kind: 'array', size: 4, payload: -1 },
  0xde: { kind: 'map', size: 2, payload: -1 },
  0xdf: { kind: 'map', size: 4, payload: -1 },
};
