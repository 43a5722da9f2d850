/**
 * `@wg-gateway/testkit`: the shared test suites for WireGuard backends and
 * the network-namespace helpers they run on.
 *
 * - {@link backendContractSuite}: the contract, in memory, no root.
 * - {@link backendSystemSuite}: real interfaces in namespaces; fails (not
 *   skips) without root and wireguard-go unless opted out by name.
 * @packageDocumentation
 */

export { type BackendContractSpec, backendContractSuite } from './backend-contract.js';
export {
  BACKEND_SYSTEM_SUITE,
  type BackendSystemSpec,
  backendSystemSuite,
  type SystemSuiteContext,
} from './backend-system-suite.js';
export { type BackendFactory, type BackendSpec, loadBackend } from './backend-wire.js';
export { desiredLink, linkOf, waitFor } from './conformance-fixtures.js';
export { type EtcdProcess, type EtcdTls, freePort, startEtcd } from './etcd.js';
export {
  cleanupNamespaces,
  connect,
  createNetns,
  destroyNamespace,
  type ExecResult,
  isRoot,
  listNamespaces,
  mustRunPrivileged,
  Netns,
  sh,
  uniquePrefix,
} from './netns.js';
export { ReferenceStyleBackend } from './reference-style-backend.js';
export { RemoteBackend, startBackendIn } from './remote-backend.js';
export {
  assertPrerequisites,
  missingPrerequisites,
  SKIP_SUITES_ENV,
  SuitePrerequisiteError,
  suiteSkipped,
} from './suite-prerequisites.js';
