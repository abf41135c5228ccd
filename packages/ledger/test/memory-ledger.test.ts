import { createMemoryLedger } from '@tapline/ledger';
import { ledgerConformance } from './conformance.js';

ledgerConformance('memory', () => Promise.resolve(createMemoryLedger()));
