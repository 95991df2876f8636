#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
// Exit explicitly: native handles (LMDB, ONNX Runtime) must not keep a finished command alive.
process.exit(await runCli(process.argv.slice(2)));
