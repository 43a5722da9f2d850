import { describeBackendConformance } from '@wg-gateway/testkit';

// The shared suite, with this backend driving wireguard-go through the UAPI.
describeBackendConformance({
  name: 'netlink (userspace, wireguard-go)',
  module: '@wg-gateway/backend-netlink',
  export: 'NetlinkBackend',
  options: { mode: 'userspace' },
});
