/**
 * Renderers: model values in, configuration file text out (bird.conf,
 * keepalived.conf, wg-quick and `wg setconf` files).
 * @module
 */
export * from './bird.js';
export * from './keepalived.js';
export * from './render-error.js';
export { GENERATED_HEADER } from './templates.js';
export * from './wireguard.js';
