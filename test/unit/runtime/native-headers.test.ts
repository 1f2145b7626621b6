import { describe, expect, it } from 'vitest';
import { BINARY_HEADERS, fromNativeHeaders, toNativeHeaders } from '../../../runtime/kafka/native-headers.js';

describe('header values across node-rdkafka', () => {
  it('sends text as strings and names nothing binary', () => {
    const native = toNativeHeaders({
      'tm-event-type': 'ORDER_FILLED',
      traceparent: Buffer.from('00-abc-01'),
    });
    expect(native).toEqual([{ 'tm-event-type': 'ORDER_FILLED' }, { traceparent: '00-abc-01' }]);
  });

  it('round-trips bytes that are not UTF-8, and NULs, byte for byte', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    const native = toNativeHeaders({ bin: bytes, nul: 'a\0b', text: 'ok' });
    // every value handed to the addon is NUL-free text (it cuts a C string at the first NUL)
    for (const h of native) for (const v of Object.values(h)) expect(String(v)).not.toContain('\0');
    expect(native).toContainEqual({ [BINARY_HEADERS]: 'bin,nul' });
    // what node-rdkafka hands back on consume: Buffers of the sent text
    const consumed = native.map((h) =>
      Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(String(v))])),
    );
    const headers = fromNativeHeaders(consumed);
    expect(headers.bin).toEqual(bytes);
    expect(headers.nul?.toString()).toBe('a\0b');
    expect(headers.text?.toString()).toBe('ok');
    expect(headers[BINARY_HEADERS]).toBeUndefined();
  });

  it('does not let a caller forge the list of encoded names', () => {
    const native = toNativeHeaders({ [BINARY_HEADERS]: 'x', x: 'plain' });
    expect(native).toEqual([{ x: 'plain' }]);
  });
});
