import { describe } from 'vitest';
import { TOY } from './helpers.js';
import { instantiateSuite } from './suites/instantiate.js';

describe(TOY.name, () => instantiateSuite(TOY));
