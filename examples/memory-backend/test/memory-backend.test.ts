import { backendContractSuite } from '@wg-gateway/testkit';
import { createMemoryBackend } from '../src/memory-backend.js';

// The whole of a backend's contract test: the shared suite, given a factory.
backendContractSuite({ name: 'memory (example)', create: createMemoryBackend });
