import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupNamespaces,
  connect,
  createNetns,
  listNamespaces,
  type Netns,
  uniquePrefix,
} from '../src/netns.js';

const prefix = uniquePrefix('tk');

describe('netns', () => {
  const made: Netns[] = [];
  afterAll(async () => {
    await cleanupNamespaces(prefix);
  });

  it('creates namespaces with private /run/wireguard and joins them with veth', async () => {
    const a = await createNetns(`${prefix}a`);
    made.push(a);
    const b = await createNetns(`${prefix}b`);
    made.push(b);
    await a.exec(['sh', '-c', 'echo x > /run/wireguard/marker']);
    await expect(b.exec(['cat', '/run/wireguard/marker'])).rejects.toThrow();
    await connect(
      { ns: a, ifname: 'va', addresses: ['198.51.100.1/24'] },
      { ns: b, ifname: 'vb', addresses: ['198.51.100.2/24'] },
    );
    const { stdout } = await a.exec(['ping', '-c', '1', '-W', '2', '198.51.100.2']);
    expect(stdout).toContain('1 received');
    expect(await listNamespaces(prefix)).toHaveLength(2);
    await a.destroy();
    expect(await listNamespaces(prefix)).toEqual([`${prefix}b`]);
  });
});
