/**
 * `@wg-gateway/core`: the pure engine of wg-gateway.
 *
 * The public API only: wire codecs, their constants and the helpers behind
 * reconcile stay internal (import them by relative path in this package's
 * tests).
 * @packageDocumentation
 */
export type {
  ApplyReport,
  BackendCapabilities,
  BackendProgram,
  ChangeResult,
  FactsQuery,
  WireGuardBackend,
} from './backend.js';
export {
  BackendClosedError,
  BackendError,
  type BackendMethod,
  BackendNotSupportedError,
  BaseBackend,
  type ChangeStep,
} from './base-backend.js';
export { birdIncludeFragment } from './bird-fragment.js';
export {
  type CreateChange,
  changedFields,
  type DeleteChange,
  type InterfaceChange,
  isPeerOnly,
  type PeerChange,
  type UpdateChange,
} from './changes.js';
export { type Clock, ManualClock } from './clock.js';
export {
  DEFAULTS,
  type GroupConfig,
  type GroupConfigInput,
  groupConfigSchema,
  type ImportAllow,
  type ImportPolicyConfig,
  type PathsConfig,
  type PeeringConfig,
  type PeeringRole,
  parseGroupConfig,
  type RoutingConfig,
  type VipConfig,
  type VrrpConfig,
} from './config.js';
export { InvalidDaemonListError } from './daemon-list-error.js';
export {
  type BirdDaemonOptions,
  birdDaemon,
  checkDaemonList,
  type DaemonOrder,
  type DaemonSpec,
  keepalivedDaemon,
} from './daemon-spec.js';
export { interfaceName, LINK_ALLOWED_IPS, linkAddresses, PERSISTENT_KEEPALIVE } from './derive-desired.js';
export type {
  BirdModel,
  DesiredInterface,
  DesiredPeer,
  DesiredSystem,
  KeepalivedModel,
  LinkImport,
  TrackScript,
  VrrpInstance,
} from './desired.js';
export { DryRunBackend } from './dry-run-backend.js';
export { formatEndpoint, parseEndpoint } from './endpoint.js';
export {
  EndpointNames,
  type EndpointNamesOptions,
  NAME_RETRY_MS,
  type NameAnswer,
  type NameRefreshInput,
  type NameUser,
  namesInUse,
} from './endpoint-names.js';
export {
  ConfigError,
  ExchangeUnreachableError,
  formatIssues,
  PeerDataError,
  PortExhaustedError,
  StateError,
  shorten,
  type ValidationIssue,
  WgGatewayError,
} from './errors.js';
export {
  type HeldAddress,
  HostAnswerCache,
  type HostFacts,
  interfaceOnSubnet,
  type LinkRoutingFact,
  NO_FACTS,
} from './facts.js';
export { type DaemonPlan, Gateway, type GatewayPlan, type GatewayPorts } from './gateway.js';
export type {
  DaemonApplyResult,
  DaemonConfigurator,
  Exchange,
  ExchangeSnapshot,
  HostSystem,
  LinkRoutingObservation,
  RouteReleaser,
  RoutingObserver,
  StateStore,
  UnitAddress,
  Withdrawal,
} from './gateway-ports.js';
export {
  type CoreStage,
  type DaemonOutcome,
  GATEWAY_STAGES,
  type GatewayReport,
  type GatewayStage,
  type StageTiming,
} from './gateway-report.js';
export { HOSTNAME_MAX_LENGTH, type Ingress, isHostname, parseHostname, parseIngress } from './ingress.js';
export { type KeyPair, type KeySource, NodeKeySource, seededKeySource } from './keys.js';
export { type LinkNexthop, linkNexthops } from './link-nexthops.js';
export {
  clampedMss,
  MSS_CLAMP_TABLE,
  type MssClampOptions,
  mssClampDaemon,
  renderMssClampRuleset,
} from './mss-clamp.js';
export { type NameResolver, pickAddress, type ResolvedAddress } from './name-resolver.js';
export type { ObservedInterface, ObservedPeer } from './observed.js';
export {
  formatOspfTimers,
  negotiateOspfTimers,
  OSPF_TIMER_RANGE,
  type OspfTimers,
  parseOspfTimers,
  REFERENCE_OSPF_TIMERS,
} from './ospf-timers.js';
export { isManaged, MANAGED_ALIAS, MANAGED_NAME } from './ownership.js';
export type { GroupPeerData, ListenPort, PeerData, PeerDataResult, PeerDataWire } from './peer-data.js';
export { splitList } from './peer-data.js';
export { plan } from './plan.js';
export {
  canonicalCidr,
  comparePrefixes,
  contains as prefixContains,
  type IpAddress,
  type Parsed,
  type Prefix,
  parseAddress,
  parsePrefix,
} from './prefix.js';
export {
  PROBLEM_CODES,
  type ProblemCodeInfo,
  type ProblemCodeKind,
  problemCodeInfo,
  renderProblemCodeReference,
} from './problem-codes.js';
export type { Problem } from './problems.js';
export {
  type Publication,
  type ReconcileInput,
  type ReconcileResult,
  reconcile,
  type UnitDataMap,
} from './reconcile.js';
export {
  type ExchangeHealth,
  type ExchangeRead,
  type HeldReason,
  type RemoteUnitHealth,
  type ResolvedRemote,
  type ResolveRemoteInput,
  readExchange,
  resolveRemote,
  withRemoteCache,
} from './remote-cache.js';
export {
  GENERATED_HEADER,
  RenderError,
  renderBirdConfig,
  renderKeepalivedConfig,
  renderWgConfig,
  renderWgQuickConfig,
  type WireGuardFileModel,
} from './render/index.js';
export {
  CARRY_HANDSHAKE_MS,
  CARRY_SETTLE_MS,
  carries,
  DRAIN_HOLD_MS,
  ROTATION_RECHECK_MS,
  type RotationProgress,
  requestRotation,
  rotationActive,
  SLOT_MS,
  SLOT_OPEN_MS,
  slotOpen,
  type UnitRotation,
} from './rotation.js';
export {
  decodeState,
  emptyState,
  encodeState,
  type HeldUnitData,
  type KeyRecord,
  type LinkRecord,
  type LinkStatus,
  type QuarantinedPort,
  type RemoteCache,
  type RotationRecord,
  type UnitState,
} from './state.js';
export { VRRP_BASE_PRIORITY, VRRP_MAX_TRACK_SCRIPTS, VRRP_TRACK_WEIGHT } from './vrrp-priority.js';
