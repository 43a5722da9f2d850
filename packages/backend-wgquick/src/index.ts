/**
 * `@wg-gateway/backend-wgquick`: a WireGuard backend through `wg-quick`,
 * `wg syncconf`, `wg show all dump` and `ip -j`.
 *
 * The public API is the backend, its factory and options, its error, and
 * the command-runner port its options accept; file codecs and parsers stay
 * internal.
 * @packageDocumentation
 */
export {
  CommandFailure,
  type CommandOptions,
  type CommandOutput,
  type CommandRunner,
  ExecFileRunner,
} from './command-runner.js';
export { WgQuickError } from './errors.js';
export { createWgQuickBackend, WgQuickBackend, type WgQuickBackendOptions } from './wg-quick-backend.js';
