import { describe, expect, it } from 'vitest';
import { parseKeepalivedJson } from '../src/keepalived/vrrp-state.js';

// Trimmed from a real `keepalived --signum=JSON` dump of Keepalived 2.2.7.
const dump = JSON.stringify([
  {
    data: {
      iname: 'VI_2',
      ifp_ifname: 'lan0',
      base_priority: 254,
      effective_priority: 252,
      state: 1,
      vrid: 52,
    },
    stats: { advert_rcvd: 3, advert_sent: 0 },
  },
  {
    data: {
      iname: 'VI_1',
      ifp_ifname: 'lan0',
      base_priority: 254,
      effective_priority: 252,
      state: 2,
      vrid: 51,
    },
    stats: { advert_rcvd: 0, advert_sent: 2 },
  },
  { data: { iname: 'VI_3', state: 3, effective_priority: 1 } },
  { data: { iname: 'VI_4', state: 42 } },
]);

describe('parseKeepalivedJson', () => {
  it('maps every instance to its state name and effective priority, sorted by name', () => {
    expect(parseKeepalivedJson(dump)).toEqual([
      { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 252 },
      { kind: 'INSTANCE', name: 'VI_2', state: 'BACKUP', priority: 252 },
      { kind: 'INSTANCE', name: 'VI_3', state: 'FAULT', priority: 1 },
      { kind: 'INSTANCE', name: 'VI_4', state: 'UNKNOWN(42)' },
    ]);
  });

  it('gives undefined for a dump still being written, so the reader waits for the whole file', () => {
    expect(parseKeepalivedJson(dump.slice(0, 40))).toBeUndefined();
    expect(parseKeepalivedJson('')).toBeUndefined();
    expect(parseKeepalivedJson('{}')).toBeUndefined();
    expect(parseKeepalivedJson('[]')).toEqual([]);
  });
});
