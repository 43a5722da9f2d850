/**
 * The programs a lab needs, the Debian/Ubuntu packages that provide them,
 * and installing the missing ones when asked.
 * @module
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LabError } from './lab-error.js';

const run = promisify(execFile);

/** Program → Debian/Ubuntu package. */
export const REQUIRED_PROGRAMS: Readonly<Record<string, string>> = {
  'wireguard-go': 'wireguard-go',
  wg: 'wireguard-tools',
  'wg-quick': 'wireguard-tools',
  bird: 'bird2',
  birdc: 'bird2',
  keepalived: 'keepalived',
  ip: 'iproute2',
  ping: 'iputils-ping',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  sysctl: 'procps',
};

/** Extra program for the etcd exchange. */
export const ETCD_PROGRAM: Readonly<Record<string, string>> = { etcd: 'etcd-server' };

async function has(program: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${program}`]);
    return true;
  } catch {
    return false;
  }
}

/** Debian packages providing the programs that are missing. */
export async function missingPackages(withEtcd = false): Promise<string[]> {
  const wanted = { ...REQUIRED_PROGRAMS, ...(withEtcd ? ETCD_PROGRAM : {}) };
  const missing = new Set<string>();
  for (const [program, pkg] of Object.entries(wanted)) if (!(await has(program))) missing.add(pkg);
  return [...missing].sort();
}

/**
 * Check prerequisites: root, the programs, /dev/net/tun. With `install`,
 * apt-get installs missing packages; otherwise throws {@link LabError}
 * saying what to run.
 */
export async function checkPrerequisites(options: {
  install: boolean;
  etcd: boolean;
  say: (line: string) => void;
}): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new LabError('the lab needs root (network namespaces, mounts)', 'run it as root, e.g. with sudo', {
      part: 'prerequisites',
    });
  }
  const missing = await missingPackages(options.etcd);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!options.install) {
    throw new LabError(
      `missing packages: ${missing.join(', ')}`,
      `install them with: ${command} (or pass --install)`,
      { part: 'prerequisites' },
    );
  }
  options.say(`installing ${missing.join(' ')} ...`);
  try {
    await run('apt-get', ['update', '-qq'], { timeout: 600_000 });
    await run(
      'apt-get',
      ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...missing],
      {
        timeout: 1_200_000,
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
    );
  } catch (e) {
    throw new LabError(`apt-get failed for ${missing.join(', ')}`, `run by hand: ${command}`, {
      cause: e,
      part: 'prerequisites',
    });
  }
  const still = await missingPackages(options.etcd);
  if (still.length > 0)
    throw new LabError(`still missing after install: ${still.join(', ')}`, `check: ${command}`, {
      part: 'prerequisites',
    });
}
