import { describeBackendConformance } from '@wg-gateway/testkit';

// wireguard-go through wg-quick's WG_QUICK_USERSPACE_IMPLEMENTATION; the
// config directory lives on the namespace's private /run/wireguard tmpfs.
describeBackendConformance({
  name: 'wgquick (wireguard-go)',
  module: '@wg-gateway/backend-wgquick',
  export: 'WgQuickBackend',
  options: { configDir: '/run/wireguard/wg-gateway', userspace: 'wireguard-go' },
});
