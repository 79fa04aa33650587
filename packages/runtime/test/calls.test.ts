import { describe } from 'vitest';
import { TOY } from './helpers.js';
import { callsSuite } from './suites/calls.js';

describe(TOY.name, () => callsSuite(TOY));
