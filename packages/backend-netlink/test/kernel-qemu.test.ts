/**
 * Kernel mode against a real WireGuard kernel module: boots a Debian kernel
 * (with wireguard.ko) under QEMU/TCG with an initramfs holding node, vitest,
 * the testkit and this package; the guest runs vitest on qemu/kernel.test.mjs
 * (the shared backend system suite in kernel mode, then the kernel-only
 * cases) and this test reads its TAP lines and result marker from the serial
 * console (QEMU exits 0 whatever the guest did).
 * Needs: qemu-system-x86, busybox-static, linux-image-cloud-amd64, iproute2,
 * wireguard-tools, wireguard-go, util-linux, iputils-ping, cpio, and the
 * packages built (`npm run build`).
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
// Unanchored at the start: the reporter may leave a terminal escape before it.
const MARKER = /WN-KERNEL-RESULT: (PASS|FAIL.*)$/m;
// At least the system suite's cases plus the kernel-only ones ran.
const MIN_CASES = 20;

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

  it('passes the shared system suite and the kernel cases in the guest', async () => {
    const log = join(dir, 'console.log');
    // `timeout` bounds QEMU even if the guest hangs; TCG only (no KVM here).
    await run(
      'sh',
      [
        '-c',
        'timeout --kill-after=10 900 qemu-system-x86_64 -accel tcg -m 2048 -smp 1 -nographic -no-reboot ' +
          `-kernel "$1/kernel" -initrd "$1/initramfs.img" ` +
          '-append "console=ttyS0 panic=-1 quiet loglevel=3" > "$1/console.log" 2>&1',
        'sh',
        dir,
      ],
      { timeout: 960_000 },
    ).catch((e: unknown) => {
      // A non-zero exit (timeout, QEMU error) is judged by the log below.
      return e;
    });
    const out = readFileSync(log, 'utf8').replace(/\r/g, '');
    // vitest's tap-flat reporter: "1..N", then "ok K - title" / "not ok K - title".
    const cases = out.split('\n').filter((l) => /^(not )?ok \d+ - /.test(l));
    const failures = cases.filter((l) => l.startsWith('not ok'));
    expect(failures, out.slice(-6000)).toEqual([]);
    const planned = Number(/^1\.\.(\d+)$/m.exec(out)?.[1]);
    // Every planned case reported (a crash midway leaves some unreported), none skipped.
    expect(cases.length, out.slice(-6000)).toBe(planned);
    expect(cases.length).toBeGreaterThanOrEqual(MIN_CASES);
    expect(out).not.toMatch(/# SKIP/);
    expect(MARKER.exec(out)?.[1], out.slice(-6000)).toBe('PASS');
  }, 1_000_000);
});
