import { backendSystemSuite } from '@wg-gateway/testkit';

// The shared suite, with this backend driving wireguard-go through the UAPI.
backendSystemSuite({
  name: 'netlink (userspace, wireguard-go)',
  backend: {
    module: '@wg-gateway/backend-netlink',
    export: 'createNetlinkBackend',
    options: { mode: 'userspace' },
  },
});
