// Helper of guest-test.mjs: apply the changes read (as JSON) from stdin with
// a kernel-mode NetlinkBackend in this process's network namespace (started
// with `ip netns exec NS node guest-side.mjs`), print which failed, exit 1 if any.
import { NetlinkBackend } from '@wg-gateway/backend-netlink';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const backend = new NetlinkBackend({ mode: 'kernel' });
const report = await backend.apply(JSON.parse(input));
await backend.close();
const failed = report.results.filter((r) => !r.ok);
for (const r of failed) console.log(`${r.name}: ${r.error?.message}`);
process.exit(failed.length === 0 ? 0 : 1);
