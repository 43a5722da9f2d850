import { backendSystemSuite } from '@wg-gateway/testkit';

// wireguard-go through wg-quick's WG_QUICK_USERSPACE_IMPLEMENTATION; the
// config directory lives on the namespace's private /run/wireguard tmpfs.
backendSystemSuite({
  name: 'wgquick (wireguard-go)',
  backend: {
    module: '@wg-gateway/backend-wgquick',
    export: 'createWgQuickBackend',
    options: { configDir: '/run/wireguard/wg-gateway', userspace: 'wireguard-go' },
  },
});
