/**
 * Kernel mode against a real WireGuard kernel module: boots a Debian kernel
 * (with wireguard.ko) under QEMU/TCG with an initramfs holding node and this
 * package, runs qemu/guest-test.mjs there and reads its result marker from
 * the serial console (QEMU exits 0 whatever the guest did).
 * Needs: qemu-system-x86, busybox-static, linux-image-cloud-amd64, iproute2,
 * wireguard-tools, cpio, and the package built (`npx tsc -b packages/backend-netlink`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mustRunPrivileged } from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const qemuDir = fileURLToPath(new URL('../qemu/', import.meta.url));
const MARKER = /^WN-KERNEL-RESULT: (PASS|FAIL.*)$/m;

describe.runIf(mustRunPrivileged())('netlink backend, kernel mode (QEMU guest with wireguard.ko)', () => {
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wn-qemu-'));
    await run('sh', [join(qemuDir, 'build-initramfs.sh'), dir], {
      env: { ...process.env, NODE_BIN: process.execPath },
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  }, 320_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes the kernel-mode cases in the guest', async () => {
    const log = join(dir, 'console.log');
    // `timeout` bounds QEMU even if the guest hangs; TCG only (no KVM here).
    await run(
      'sh',
      [
        '-c',
        'timeout --kill-after=10 600 qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nographic -no-reboot ' +
          `-kernel "$1/kernel" -initrd "$1/initramfs.img" ` +
          '-append "console=ttyS0 panic=-1 quiet loglevel=3" > "$1/console.log" 2>&1',
        'sh',
        dir,
      ],
      { timeout: 660_000 },
    ).catch((e: unknown) => {
      // A non-zero exit (timeout, QEMU error) is judged by the log below.
      return e;
    });
    const out = readFileSync(log, 'utf8');
    const cases = out.split('\n').filter((l) => /^(not )?ok - /.test(l));
    const failures = cases.filter((l) => l.startsWith('not ok'));
    expect(failures, out.slice(-4000)).toEqual([]);
    // Every case of the guest script ran (a crash midway leaves some unreported).
    const declared = readFileSync(join(qemuDir, 'guest-test.mjs'), 'utf8').match(/^await test\(/gm)?.length;
    expect(cases.length, out.slice(-4000)).toBe(declared);
    expect(MARKER.exec(out)?.[1], out.slice(-4000)).toBe('PASS');
  }, 700_000);
});
