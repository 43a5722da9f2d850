/**
 * The error a renderer raises when a model value cannot be written safely.
 * @module
 */
import { WgGatewayError } from '../errors.js';

/**
 * A model value would not make a valid or safe configuration file (for
 * example a name with a quote in it). Models from `reconcile()` never raise
 * it; a hand-built model can. The message never holds a private key.
 */
export class RenderError extends WgGatewayError {
  constructor(file: string, message: string, options: { cause?: unknown } = {}) {
    super('RENDER_INVALID', `[core] [render] ${file}: ${message}`, {
      hint: 'build the model with reconcile() or fix the value named above; nothing was written',
      ...options,
    });
  }
}
