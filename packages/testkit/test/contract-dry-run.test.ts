import { DryRunBackend } from '@wg-gateway/core';
import { backendContractSuite } from '../src/backend-contract.js';

// Core's dry run is a backend like any other: it passes the contract.
backendContractSuite({ name: 'dry-run', create: () => new DryRunBackend() });
