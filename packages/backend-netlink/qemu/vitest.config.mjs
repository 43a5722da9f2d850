// vitest inside the QEMU guest: the one test file, TAP lines on the serial
// console for kernel-qemu.test.ts to read.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: '/app',
    include: ['kernel.test.mjs'],
    reporters: ['tap-flat'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
