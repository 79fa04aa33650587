#!/usr/bin/env node
/** The `derrick` executable: the CLI of `main.ts` on the real process. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
