/**
 * `@wg-gateway/runtime/etcd`: the etcd exchange, kept out of the main entry
 * point because loading `etcd3` (gRPC) costs a third of a second of CPU that
 * every command not using etcd would pay.
 * @module
 */
export * from './exchange/etcd-exchange.js';
